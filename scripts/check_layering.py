#!/usr/bin/env python3
"""Fails when a module includes a header of a module it must not depend on.

The direction is DESIGN.md's: core <- store <- events, config <- resilience,
providers, jobs <- identity, access <- http <- api <- app. A module may include its
own headers and those of the modules it depends on, directly or through
others (the table below lists the direct edges, as CMakeLists.txt links
them). Boost.Asio/Beast may appear only in src/http/*.cpp, so the rest of
the tree compiles without their templates.

usage: check_layering.py SRC_DIR [TESTS_UNIT_DIR]
With TESTS_UNIT_DIR, tests/unit/<module>/ files are held to <module>'s rules
too (each unit-test binary links only its module).
"""
import os
import re
import sys

DEPENDS_ON = {
    "core": [],
    "store": ["core"],
    "events": ["store"],
    "config": ["store", "events"],
    "resilience": ["config"],
    "identity": ["events"],
    "access": ["events"],
    "providers": ["config", "resilience"],
    "jobs": ["events"],
    "notify": ["jobs", "providers", "events"],
    "flags": ["events", "config"],
    "discovery": ["events"],
    "gateway": ["resilience"],
    "http": ["core"],
    "api": ["http", "config", "events", "identity", "access", "resilience", "providers", "jobs", "notify", "flags", "discovery", "gateway"],
    "app": ["api", "providers"],
}
ASIO = re.compile(r'#\s*include\s*[<"]boost/(asio|beast)')
INCLUDE = re.compile(r'#\s*include\s*"([a-z_]+)/[^"]+"')


def closure(module):
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        for d in DEPENDS_ON.get(m, []):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen | {module}


def check_tree(root, module_of, problems, asio_allowed):
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith((".h", ".cpp")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            module = module_of(rel)
            if module not in DEPENDS_ON:
                problems.append(f"{path}: folder '{module}' is not a known module; add it to scripts/check_layering.py")
                continue
            allowed = closure(module)
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = INCLUDE.match(line.strip())
                    if m and m.group(1) in DEPENDS_ON and m.group(1) not in allowed:
                        problems.append(f"{path}:{n}: {module} must not include {m.group(1)}/ ({line.strip()})")
                    if ASIO.match(line.strip()) and not asio_allowed(module, f):
                        problems.append(f"{path}:{n}: Boost.Asio/Beast belong in src/http/*.cpp only ({line.strip()})")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    problems = []
    src = argv[1]
    check_tree(src, lambda rel: rel.split(os.sep)[0], problems,
               lambda module, f: module == "http" and f.endswith(".cpp"))
    if len(argv) > 2:
        check_tree(argv[2], lambda rel: rel.split(os.sep)[0], problems, lambda module, f: False)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layering violation(s); the allowed direction is in DESIGN.md and {__file__}")
        return 1
    print("layering: every include follows the dependency direction")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
