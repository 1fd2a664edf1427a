"""Build-configuration checks for the two phone apps, which no build here would catch.

Usage: config.py REPO_ROOT

iOS (ios/Uppsok):
- project.yml's app target has `info: path: … properties: …` (XcodeGen rewrites Info.plist from
  `properties`, so a key only in Info.plist is lost), and `properties` holds every key the code
  needs: location usage strings (CoreLocation authorisation requests), `UIBackgroundModes`
  (`location` for background updates, `fetch` for BGAppRefreshTask, `processing` for
  BGProcessingTask), `BGTaskSchedulerPermittedIdentifiers` with every identifier the code
  registers, `NSFaceIDUsageDescription` (LocalAuthentication), `NSCameraUsageDescription` (when
  the camera is used); the committed Info.plist holds them too;
- sv.lproj and en.lproj have the same keys, every key the SwiftUI code uses is defined, and no
  key is unused.
Android (android/app/src/main):
- every runtime request of ACCESS_FINE_LOCATION also requests ACCESS_COARSE_LOCATION (Android 12+
  lets the user grant approximate location only; a fine-only request is ignored there);
- each foreground service type in the manifest (and each one the code starts) has its
  FOREGROUND_SERVICE_<TYPE> permission, and FOREGROUND_SERVICE is declared;
- values/ and values-en/ have the same string names, every R.string / @string name used is
  defined, and none is unused;
- the Gradle Kotlin and Compose compiler plugins are the host kotlinc's version
  (tests/tools/ensure-kotlin), which compiles and tests the plain layer.

Each failure names the file. Prints `N passed, N failed`; exits 1 if anything failed.
"""

import glob
import os
import plistlib
import re
import sys
import xml.etree.ElementTree as ET

import yaml

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"

passed = failed = 0


def result(ok: bool, what: str, detail: str = "") -> None:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}{': ' + detail if detail else ''}")


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def sources(root: str, ext: str) -> dict:
    out = {}
    for path in sorted(glob.glob(os.path.join(root, "**", f"*{ext}"), recursive=True)):
        if "/build/" not in path and "/.build/" not in path:
            out[path] = read(path)
    return out


# --- iOS ------------------------------------------------------------------------------------

def ios_required_keys(swift: dict) -> dict:
    """Info.plist key -> (why, required array items or None), from what the code does."""
    code = "\n".join(swift.values())
    need = {}
    modes = set()
    if "requestWhenInUseAuthorization" in code or "requestAlwaysAuthorization" in code:
        need["NSLocationWhenInUseUsageDescription"] = ("the code asks for location", None)
    if "requestAlwaysAuthorization" in code:
        need["NSLocationAlwaysAndWhenInUseUsageDescription"] = ("requestAlwaysAuthorization()", None)
    if "allowsBackgroundLocationUpdates = true" in code:
        modes.add("location")
    if "BGAppRefreshTaskRequest" in code:
        modes.add("fetch")
    if "BGProcessingTaskRequest" in code:
        modes.add("processing")
    if modes:
        need["UIBackgroundModes"] = ("background location / BGTaskScheduler", sorted(modes))
    ids = set()
    for path, text in swift.items():
        for arg in re.findall(r"register\(\s*forTaskWithIdentifier:\s*([^,]+),", text):
            arg = arg.strip()
            if arg.startswith('"'):
                ids.add(arg.strip('"'))
            else:  # a constant: `let NAME = "…"` in the same file
                name = arg.split(".")[-1]
                m = re.search(rf'\blet\s+{re.escape(name)}\s*(?::\s*String\s*)?=\s*"([^"]+)"', text)
                result(bool(m), f"ios {path}: the BGTaskScheduler identifier {arg} is a string constant in this file")
                if m:
                    ids.add(m.group(1))
    if ids:
        need["BGTaskSchedulerPermittedIdentifiers"] = ("BGTaskScheduler.register", sorted(ids))
    if "import LocalAuthentication" in code:
        need["NSFaceIDUsageDescription"] = ("LocalAuthentication (Face ID)", None)
    if re.search(r"AVCaptureDevice|DataScannerViewController|UIImagePickerController", code):
        need["NSCameraUsageDescription"] = ("the camera", None)
    return need


def check_plist_keys(where: str, props: dict, need: dict) -> None:
    for key, (why, items) in sorted(need.items()):
        value = props.get(key)
        if items is None:
            result(isinstance(value, str) and value.strip() != "", f"{where}: {key} (needed for {why})",
                   "missing or empty")
        else:
            have = set(value or [])
            missing = [i for i in items if i not in have]
            result(not missing, f"{where}: {key} has {', '.join(items)} (needed for {why})",
                   f"missing {', '.join(missing)}")


def check_ios(repo: str) -> None:
    app = os.path.join(repo, "ios", "Uppsok")
    swift = sources(os.path.join(app, "Sources"), ".swift")
    result(bool(swift), f"ios {app}/Sources has Swift files")
    need = ios_required_keys(swift)

    spec_path = os.path.join(app, "project.yml")
    spec = yaml.safe_load(read(spec_path))
    targets = spec.get("targets") or {}
    for name, target in targets.items():
        if (target or {}).get("type") != "application":
            continue
        info = target.get("info") or {}
        where = f"ios {spec_path} targets.{name}.info"
        result(bool(info.get("path")), f"{where}.path", "missing: XcodeGen needs the Info.plist's path")
        props = info.get("properties")
        result(isinstance(props, dict) and bool(props), f"{where}.properties",
               "missing: XcodeGen rewrites Info.plist from it, so the usage strings must be there")
        check_plist_keys(f"{where}.properties", props or {}, need)
        plist_path = os.path.join(app, info.get("path") or "Info.plist")
        if os.path.exists(plist_path):
            with open(plist_path, "rb") as f:
                check_plist_keys(f"ios {plist_path}", plistlib.load(f), need)

    # Localizable.strings
    tables = {}
    for lang in ("sv", "en"):
        path = os.path.join(app, "Resources", f"{lang}.lproj", "Localizable.strings")
        text = read(path)
        keys = re.findall(r'^\s*"((?:[^"\\]|\\.)*)"\s*=\s*"(?:[^"\\]|\\.)*"\s*;', text, re.M)
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        result(not dupes, f"ios {path}: no key defined twice", ", ".join(dupes))
        tables[lang] = (path, {norm_key(k) for k in keys})
    (sv_path, sv), (en_path, en) = tables["sv"], tables["en"]
    result(sv == en, f"ios {en_path}: the same keys as {sv_path}",
           f"only in sv: {sorted(sv - en)}; only in en: {sorted(en - sv)}")
    used = {}
    for path, text in swift.items():
        for key in ios_used_keys(text):
            used.setdefault(key, path)
    undefined = sorted(k for k in used if k not in sv)
    result(not undefined, f"ios {sv_path}: defines every key the code uses",
           "; ".join(f"{k!r} (used in {used[k]})" for k in undefined))
    unused = sorted(sv - set(used))
    result(not unused, f"ios {sv_path}: every key is used by the code", f"unused: {unused}")


# SwiftUI views and initialisers whose first unlabelled string literal is a localisation key.
IOS_KEY_CALLS = r"(?:Text|Button|Label|TextField|SecureField|Toggle|Picker|Section|Link|LocalizedStringKey|confirmationDialog|alert|navigationTitle)"


def ios_used_keys(text: str):
    for m in re.finditer(IOS_KEY_CALLS + r'\(\s*"', text):
        yield from key_of(swift_literal(text, m.end()))
    for m in re.finditer(r'String\(\s*localized:\s*"', text):
        yield from key_of(swift_literal(text, m.end()))


def swift_literal(text: str, start: int) -> str:
    """The body of the string literal whose opening quote ends at `start`; interpolations
    `\\( … )` may hold parentheses and strings of their own."""
    i, depth = start, 0
    while i < len(text):
        c = text[i]
        if depth == 0 and c == '"':
            return text[start:i]
        if c == "\\" and i + 1 < len(text):
            if text[i + 1] == "(":
                depth += 1
            i += 2
            continue
        if depth and c == "(":
            depth += 1
        elif depth and c == ")":
            depth -= 1
        elif depth and c == '"':  # a string inside an interpolation
            i = text.index('"', i + 1)
        i += 1
    return text[start:]


def key_of(literal: str):
    """The table key of a SwiftUI literal: `"a.b \\(x)"` -> `a.b %@`; not a key unless it starts
    with a dotted lower-case name (a verbatim `"\\(code) · \\(name)"` is not looked up)."""
    if re.match(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*( |$)", literal):
        yield norm_key(interpolations_as_args(literal))


def interpolations_as_args(literal: str) -> str:
    out, i = [], 0
    while i < len(literal):
        if literal.startswith("\\(", i):
            depth, i = 1, i + 2
            while i < len(literal) and depth:
                depth += {"(": 1, ")": -1}.get(literal[i], 0)
                i += 1
            out.append("%@")
        else:
            out.append(literal[i])
            i += 1
    return "".join(out)


def norm_key(key: str) -> str:
    # Interpolated numbers make %lld / %lf keys, strings %@: compare them as one.
    return re.sub(r"%(?:lld|ld|d|lf|f|@)", "%@", key)


# --- Android --------------------------------------------------------------------------------

def check_android(repo: str) -> None:
    main = os.path.join(repo, "android", "app", "src", "main")
    kotlin = sources(os.path.join(main, "java"), ".kt")
    manifest_path = os.path.join(main, "AndroidManifest.xml")
    manifest = ET.parse(manifest_path).getroot()
    perms = {e.get(ANDROID_NS + "name") for e in manifest.iter("uses-permission")}

    # Runtime location requests.
    requests = 0
    for path, text in kotlin.items():
        for m in re.finditer(r"(arrayOf|listOf|launch|requestPermissions)\s*\(", text):
            args = balanced(text, m.end() - 1)
            if "ACCESS_FINE_LOCATION" not in args or m.group(1) in ("launch", "requestPermissions") and "arrayOf" in args:
                continue
            requests += 1
            line = text.count("\n", 0, m.start()) + 1
            result("ACCESS_COARSE_LOCATION" in args,
                   f"android {path}:{line}: the request of ACCESS_FINE_LOCATION also asks for ACCESS_COARSE_LOCATION",
                   "Android 12+ ignores a fine-only request")
    for p in ("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"):
        if requests:
            result(f"android.permission.{p}" in perms, f"android {manifest_path}: uses-permission {p}")

    # Foreground services.
    types = set()
    for svc in manifest.iter("service"):
        for t in (svc.get(ANDROID_NS + "foregroundServiceType") or "").split("|"):
            if t:
                types.add((t, f"service {svc.get(ANDROID_NS + 'name')}"))
    for path, text in kotlin.items():
        for t in re.findall(r"FOREGROUND_SERVICE_TYPE_([A-Z_]+)", text):
            camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), t.lower())
            types.add((camel, path))
            declared = any(
                camel in (s.get(ANDROID_NS + "foregroundServiceType") or "").split("|")
                for s in manifest.iter("service")
            )
            result(declared, f"android {path}: starts a {camel} foreground service that {manifest_path} declares")
    if types:
        result("android.permission.FOREGROUND_SERVICE" in perms, f"android {manifest_path}: uses-permission FOREGROUND_SERVICE")
    for t, where in sorted(types):
        perm = "android.permission.FOREGROUND_SERVICE_" + re.sub(r"([A-Z])", r"_\1", t).upper()
        result(perm in perms, f"android {manifest_path}: uses-permission {perm} (for the {t} type of {where})")

    # Strings.
    names = {}
    for folder in ("values", "values-en"):
        path = os.path.join(main, "res", folder, "strings.xml")
        root = ET.parse(path).getroot()
        entries = [e for e in root if e.tag in ("string", "plurals", "string-array")]
        all_names = [e.get("name") for e in entries]
        dupes = sorted({n for n in all_names if all_names.count(n) > 1})
        result(not dupes, f"android {path}: no name defined twice", ", ".join(dupes))
        names[folder] = (path, {e.get("name") for e in entries if e.get("translatable") != "false"},
                         set(all_names))
    (sv_path, sv, sv_all), (en_path, en, _) = names["values"], names["values-en"]
    result(sv == en, f"android {en_path}: the same names as {sv_path} (translatable ones)",
           f"only in values: {sorted(sv - en)}; only in values-en: {sorted(en - sv)}")
    used = {}
    texts = dict(kotlin)
    for path in glob.glob(os.path.join(main, "**", "*.xml"), recursive=True):
        if "/values" not in path:
            texts[path] = read(path)
    for path, text in texts.items():
        for name in re.findall(r"\bR\.(?:string|plurals|array)\.([A-Za-z0-9_]+)|@string/([A-Za-z0-9_]+)", text):
            used.setdefault(name[0] or name[1], path)
    undefined = sorted(n for n in used if n not in sv_all)
    result(not undefined, f"android {sv_path}: defines every string the code uses",
           "; ".join(f"{n} (used in {used[n]})" for n in undefined))
    unused = sorted(sv_all - set(used))
    result(not unused, f"android {sv_path}: every string is used", f"unused: {unused}")

    # The app's Kotlin is the host kotlinc's (the plain layer is compiled and tested with it).
    gradle_path = os.path.join(repo, "android", "build.gradle.kts")
    gradle = read(gradle_path)
    m = re.search(r'KOTLIN_VERSION=(\S+)', read(os.path.join(repo, "tests", "tools", "ensure-kotlin")))
    host = m.group(1) if m else "?"
    for plugin in ("org.jetbrains.kotlin.android", "org.jetbrains.kotlin.plugin.compose"):
        v = re.search(r'id\("' + re.escape(plugin) + r'"\)\s*version\s*"([^"]+)"', gradle)
        result(bool(v) and v.group(1) == host, f"android {gradle_path}: {plugin} is Kotlin {host}, as tests/tools/ensure-kotlin",
               f"found {v.group(1) if v else 'none'}")


def balanced(text: str, open_at: int) -> str:
    """The text inside the parentheses that open at `open_at`."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[open_at + 1:i]
    return text[open_at + 1:]


def main() -> int:
    repo = sys.argv[1] if len(sys.argv) > 1 else "."
    check_ios(repo)
    check_android(repo)
    print(f"config: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
