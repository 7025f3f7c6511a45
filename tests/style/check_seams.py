#!/usr/bin/python3
"""check_seams.py ROOT: the plugin/kernel seam (ARCHITECTURE.md section 1).

Fails when any file under plugins/ includes a kernel header (kernel/... or include/heliosdb.h,
by path or through an include directory), or any file under kernel/ includes a plugin header.
Each violation is one line: file:line: what it includes and why that is refused.

A plugin may include: the SDK (sdk/include/helios/..., sdk/testing/include/helios/...), files
of its own plugin folder, and system headers. The kernel may include anything but plugins/.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = (".c", ".h", ".cc", ".cpp", ".inc")


def files_under(root, top):
    for d, _, names in os.walk(os.path.join(root, top)):
        for n in sorted(names):
            if n.endswith(SOURCES):
                yield os.path.join(d, n)


def within(path, root_dir):
    path = os.path.realpath(path)
    root_dir = os.path.realpath(root_dir)
    return path == root_dir or path.startswith(root_dir + os.sep)


def plugin_folder(root, path):
    """plugins/<kind>/<name> holding path."""
    rel = os.path.relpath(path, os.path.join(root, "plugins")).split(os.sep)
    return os.path.join(root, "plugins", *rel[:2]) if len(rel) > 2 else os.path.dirname(path)


def check_plugin_file(root, path, line_no, kind, inc):
    kernel = os.path.join(root, "kernel")
    api = os.path.join(root, "include")
    sdk = [os.path.join(root, "sdk", "include"), os.path.join(root, "sdk", "testing", "include")]
    if "kernel/" in inc.replace("\\", "/"):
        return "names a kernel path"
    local = os.path.join(os.path.dirname(path), inc)
    if kind == '"' and os.path.exists(local):
        if within(local, kernel) or within(local, api):
            return "resolves into the kernel (%s)" % os.path.relpath(os.path.realpath(local), root)
        if not within(local, plugin_folder(root, path)) and not any(within(local, s) for s in sdk):
            return "reaches outside its plugin folder (%s)" % os.path.relpath(
                os.path.realpath(local), root)
        return None
    if any(os.path.exists(os.path.join(s, inc)) for s in sdk):
        return None
    if os.path.exists(os.path.join(kernel, inc)):
        return "is a kernel header (kernel/%s)" % inc
    if os.path.exists(os.path.join(api, inc)):
        return "is the kernel's embedded API (include/%s)" % inc
    return None


def plugin_headers(root):
    """Relative names by which a plugin header could be included."""
    names = set()
    top = os.path.join(root, "plugins")
    for path in files_under(root, "plugins"):
        if path.endswith(".h"):
            rel = os.path.relpath(path, top)
            parts = rel.split(os.sep)
            for i in range(len(parts)):
                names.add("/".join(parts[i:]))
    return names


def check_kernel_file(root, path, line_no, kind, inc, pnames):
    kernel = os.path.join(root, "kernel")
    plugins = os.path.join(root, "plugins")
    norm = inc.replace("\\", "/")
    if "plugins/" in norm:
        return "names a plugins path"
    local = os.path.join(os.path.dirname(path), inc)
    if kind == '"' and os.path.exists(local):
        if within(local, plugins):
            return "resolves into plugins/ (%s)" % os.path.relpath(os.path.realpath(local), root)
        return None
    for base in (kernel, os.path.join(root, "include"), os.path.join(root, "sdk", "include"),
                 os.path.join(root, "sdk", "testing", "include")):
        if os.path.exists(os.path.join(base, inc)):
            return None
    if kind == '"' and norm in pnames:
        return "is a plugin header (found only under plugins/)"
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad = []
    pnames = plugin_headers(root)
    for top, checker in (("plugins", "plugin"), ("kernel", "kernel")):
        for path in files_under(root, top):
            with open(path, errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, inc = m.group(1), m.group(2)
                    if checker == "plugin":
                        why = check_plugin_file(root, path, n, kind, inc)
                    else:
                        why = check_kernel_file(root, path, n, kind, inc, pnames)
                    if why:
                        bad.append("%s:%d: #include %s%s%s %s" % (
                            os.path.relpath(path, root), n, kind, inc,
                            '"' if kind == '"' else ">", why))
    for b in bad:
        print(b)
    if bad:
        print("%d include(s) cross the plugin/kernel seam: plugins include only sdk/include "
              "headers; the kernel never includes a plugin header" % len(bad))
        return 1
    print("plugin/kernel seam: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
