#!/usr/bin/env python3
"""Checks that #include arrows run one way only.

Between libraries: app -> mgmt -> dp -> conf -> ike (a library never
includes a header of one to its left). Inside lib/dp and lib/ike: a file
includes headers of its own folder and of the folders listed before its own
in that library's meson.build (`dp_folders`, `ike_folders`), never after.

Prints one line per arrow that runs back up and exits 1 if there is any;
prints a one-line summary and exits 0 otherwise. Standard library only.
"""
import os
import re
import sys

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
LIBS = ['ike', 'conf', 'dp', 'mgmt']  # bottom first
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_order(lib):
    """The folder list of lib/<lib>/meson.build, bottom floor first."""
    path = os.path.join(TOP, 'lib', lib, 'meson.build')
    with open(path, encoding='utf-8') as f:
        m = re.search(r'^%s_folders\s*=\s*\[([^\]]*)\]' % lib, f.read(), re.M)
    if not m:
        return None
    return re.findall(r"'([^']+)'", m.group(1))


def sources(lib):
    root = os.path.join(TOP, 'lib', lib)
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(('.c', '.h')):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def main():
    owner = {}  # header name -> (lib, folder)
    for lib in LIBS:
        for rel in sources(lib):
            if rel.endswith('.h'):
                name = os.path.basename(rel)
                if name in owner:
                    print('check-layers: %s is in lib/%s/%s and lib/%s/%s: header names must be unique'
                          % (name, owner[name][0], owner[name][1], lib, os.path.dirname(rel)))
                    return 1
                owner[name] = (lib, os.path.dirname(rel))

    bad = 0
    arrows = 0
    for lib in LIBS:
        order = folder_order(lib)
        for rel in sources(lib):
            folder = os.path.dirname(rel)
            if order is not None and folder not in order:
                print('lib/%s/%s: folder %r is not in %s_folders of lib/%s/meson.build'
                      % (lib, rel, folder, lib, lib))
                bad += 1
                continue
            with open(os.path.join(TOP, 'lib', lib, rel), encoding='utf-8') as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                target = owner.get(os.path.basename(inc))
                if target is None:
                    continue
                arrows += 1
                tlib, tfolder = target
                if LIBS.index(tlib) > LIBS.index(lib):
                    print('lib/%s/%s includes %s of lib/%s: libraries run %s'
                          % (lib, rel, inc, tlib, ' -> '.join(reversed(LIBS))))
                    bad += 1
                elif tlib == lib and order is not None and order.index(tfolder) > order.index(folder):
                    print('lib/%s/%s includes %s of %s/, a floor above %s/ (order: %s)'
                          % (lib, rel, inc, tfolder, folder, ', '.join(order)))
                    bad += 1
    if bad:
        print('check-layers: %d include(s) run back up' % bad)
        return 1
    print('check-layers: %d includes between veer headers, all one way' % arrows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
