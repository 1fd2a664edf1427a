"""Tests of config.py: each check fails, naming the file, when its defect is put into a copy of
the phone apps (and the real tree passes, which tests/swift/run checks by running config.py).

Usage: config_test.py REPO_ROOT. Prints `N passed, N failed`; exits 1 if anything failed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def copy_apps(repo: str, dest: str) -> None:
    for part in ("ios/Uppsok", "android/app/src/main"):
        shutil.copytree(os.path.join(repo, part), os.path.join(dest, part))
    # The Kotlin version check compares the Gradle plugins with the host kotlinc's.
    for part in ("android/build.gradle.kts", "tests/tools/ensure-kotlin"):
        os.makedirs(os.path.dirname(os.path.join(dest, part)), exist_ok=True)
        shutil.copyfile(os.path.join(repo, part), os.path.join(dest, part))


def edit(root: str, rel: str, old: str, new: str) -> None:
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if old not in text:
        raise AssertionError(f"fixture: {old!r} not in {rel}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


# (name, edits, lines config.py must print: regexes, each naming the broken file)
CASES = [
    ("project.yml without info.properties",
     [("ios/Uppsok/project.yml", "      properties:\n", "      unused:\n")],
     [r"FAIL ios .*ios/Uppsok/project\.yml targets\.Uppsok\.info\.properties: missing"]),
    ("a registered BGTask identifier not permitted",
     [("ios/Uppsok/project.yml", "BGTaskSchedulerPermittedIdentifiers: [se.uppsok.app.sync]",
       "BGTaskSchedulerPermittedIdentifiers: [se.uppsok.app.other]")],
     [r"FAIL ios .*project\.yml.*BGTaskSchedulerPermittedIdentifiers.*missing se\.uppsok\.app\.sync"]),
    ("background location without its mode",
     [("ios/Uppsok/Info.plist", "<string>location</string>", "<string>audio</string>")],
     [r"FAIL ios .*ios/Uppsok/Info\.plist: UIBackgroundModes .*missing location"]),
    ("Face ID without a usage string",
     [("ios/Uppsok/project.yml", "NSFaceIDUsageDescription:", "NSFaceIDUsage:")],
     [r"FAIL ios .*project\.yml.*NSFaceIDUsageDescription"]),
    ("a fine-only location request",
     [("android/app/src/main/java/se/uppsok/app/ui/TripsScreen.kt",
       "Manifest.permission.ACCESS_COARSE_LOCATION,\n", "")],
     [r"FAIL android .*TripsScreen\.kt:\d+: the request of ACCESS_FINE_LOCATION also asks for ACCESS_COARSE_LOCATION"]),
    ("a Gradle Kotlin other than the host kotlinc's",
     [("android/build.gradle.kts", 'id("org.jetbrains.kotlin.android") version "', 'id("org.jetbrains.kotlin.android") version "1.9.0-')],
     [r"FAIL android .*android/build\.gradle\.kts: org\.jetbrains\.kotlin\.android is Kotlin .*found 1\.9\.0-"]),
    ("a foreground service type without its permission",
     [("android/app/src/main/AndroidManifest.xml",
       '<uses-permission android:name="android.permission.FOREGROUND_SERVICE_LOCATION" />', "")],
     [r"FAIL android .*AndroidManifest\.xml: uses-permission android\.permission\.FOREGROUND_SERVICE_LOCATION"]),
    ("string tables that differ, a key used but not defined, a key unused",
     [("ios/Uppsok/Resources/en.lproj/Localizable.strings", '"save" =', '"saved" ='),
      ("ios/Uppsok/Sources/Views/LockView.swift", 'Text("lock.title")', 'Text("lock.heading")'),
      ("android/app/src/main/res/values/strings.xml", "</resources>",
       '    <string name="never_used">Aldrig</string>\n</resources>')],
     [r"FAIL ios .*en\.lproj/Localizable\.strings: the same keys as .*only in sv: \['save'\]",
      r"FAIL ios .*sv\.lproj/Localizable\.strings: defines every key the code uses: 'lock\.heading' \(used in .*LockView\.swift\)",
      r"FAIL ios .*sv\.lproj/Localizable\.strings: every key is used by the code: unused: \['lock\.title'\]",
      r"FAIL android .*values/strings\.xml: the same names as|FAIL android .*values-en/strings\.xml: the same names as",
      r"FAIL android .*values/strings\.xml: every string is used: unused: \['never_used'\]"]),
]


def main() -> int:
    repo = sys.argv[1] if len(sys.argv) > 1 else "."
    passed = failed = 0
    for name, edits, expected in CASES:
        with tempfile.TemporaryDirectory(prefix="uppsok-config-") as root:
            copy_apps(repo, root)
            for rel, old, new in edits:
                edit(root, rel, old, new)
            run = subprocess.run([sys.executable, os.path.join(HERE, "config.py"), root],
                                 capture_output=True, text=True)
            missing = [e for e in expected if not re.search(e, run.stdout)]
            ok = run.returncode == 1 and not missing
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL config check: {name}: exit {run.returncode}, not printed: {missing}\n{run.stdout}{run.stderr}")
    print(f"config_test: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
