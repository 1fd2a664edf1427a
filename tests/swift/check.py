"""Syntax checks for the code no compiler here can build (see notes/bindings-on-linux.md).

Usage: check.py --swift FILE... --kotlin FILE... --header H --library LIB

- every Swift file given (tests/swift/run passes the Apple-only app code; the bindings and
  UppsokAppCore are compiled instead) is parsed with tree-sitter-swift 0.7.4 and fails on ERROR
  or MISSING nodes;
  two valid constructs uniffi emits that this grammar rejects are blanked first (same length,
  so line and column numbers stay true): `@_documentation(visibility: private)` and `{ () }`;
- every Android-only Kotlin file (Compose screens, services, Gradle scripts) is parsed with
  tree-sitter-kotlin 1.1.0;
- the generated C header is compiled with `gcc -fsyntax-only`;
- the header's functions are compared with the library's exported symbols (`nm -D`): each
  declared function must be exported, and each exported scaffolding function declared.

Prints one line per failure, then `N passed, N failed`; exits 1 if anything failed.
"""

import argparse
import re
import subprocess
import sys

import tree_sitter
import tree_sitter_kotlin
import tree_sitter_swift

BLANKS = [rb"@_documentation\(visibility: private\)", rb"\{ \(\) \}"]


def blank(src: bytes) -> bytes:
    for pattern in BLANKS:
        src = re.sub(pattern, lambda m: b" " * len(m.group(0)), src)
    return src


def problems(tree, limit=5):
    """(line, column, kind) of the first ERROR / MISSING nodes."""
    out = []
    stack = [tree.root_node]
    while stack and len(out) < limit:
        node = stack.pop()
        if node.is_missing:
            out.append((node.start_point[0] + 1, node.start_point[1] + 1, f"missing {node.type}"))
        elif node.type == "ERROR":
            out.append((node.start_point[0] + 1, node.start_point[1] + 1, "syntax error"))
        elif node.has_error:
            stack.extend(reversed(node.children))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--swift", nargs="*", default=[])
    ap.add_argument("--kotlin", nargs="*", default=[])
    ap.add_argument("--header")
    ap.add_argument("--library")
    args = ap.parse_args()

    passed = failed = 0

    def result(ok: bool, what: str, detail: str = ""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {what}{': ' + detail if detail else ''}")

    swift = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    kotlin = tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))
    for path in args.swift:
        with open(path, "rb") as f:
            tree = swift.parse(blank(f.read()))
        bad = problems(tree)
        result(not bad, f"swift {path}", "; ".join(f"{l}:{c} {k}" for l, c, k in bad))
    for path in args.kotlin:
        with open(path, "rb") as f:
            tree = kotlin.parse(f.read())
        bad = problems(tree)
        result(not bad, f"kotlin {path}", "; ".join(f"{l}:{c} {k}" for l, c, k in bad))

    if args.header:
        gcc = subprocess.run(
            ["gcc", "-fsyntax-only", "-D_Nonnull=", "-D_Nullable=", "-x", "c", args.header],
            capture_output=True, text=True,
        )
        result(gcc.returncode == 0, f"gcc -fsyntax-only {args.header}", gcc.stderr.strip()[:2000])

    if args.header and args.library:
        with open(args.header, encoding="utf-8") as f:
            header = f.read()
        declared = set(re.findall(r"\b((?:uniffi|ffi)_[A-Za-z0-9_]+)\s*\(", header))
        nm = subprocess.run(["nm", "-D", "--defined-only", args.library], capture_output=True, text=True)
        exported = set()
        for line in nm.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "Tt" and re.match(r"(uniffi|ffi)_uppsok_core_", parts[2]):
                exported.add(parts[2])
        result(bool(declared), "the header declares scaffolding functions")
        missing = sorted(declared - exported)
        result(not missing, "every declared function is exported by the library",
               f"{len(missing)} not exported: {', '.join(missing[:10])}")
        undeclared = sorted(exported - declared)
        result(not undeclared, "every exported scaffolding function is declared in the header",
               f"{len(undeclared)} undeclared: {', '.join(undeclared[:10])}")
        print(f"header: {len(declared)} functions declared, {len(exported)} exported")

    print(f"swift: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
