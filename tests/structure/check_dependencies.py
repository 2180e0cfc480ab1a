#!/usr/bin/env python3
"""The shape of the house (DESIGN.md "Shape"), checked on every #include of the tree.

  tests/structure/check_dependencies.py [SOURCE_DIR]

Prints each include that breaks a rule, as FILE:LINE: RULE, and exits 1 if there is any.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')
SOURCES = ('.c', '.cpp', '.h')

# (where the including file lives, what it must not include, why)
RULES = [
    (('vmm/', 'devices/', 'boot/'), lambda header: header.startswith('containers/'),
     'the monitor never includes the container front end (containers/)'),
    (('devices/',), lambda header: header.startswith('linux/kvm') or header.startswith('vmm/kvm/'),
     'devices never include KVM headers: they see the bus and guest memory only'),
    (('boot/',), lambda header: header.startswith('devices/'),
     'boot never knows devices'),
    (('vmm/base/',), lambda header: header.split('/')[0] in ('vmm', 'devices', 'boot', 'containers') and not header.startswith('vmm/base/'),
     'vmm/base depends on nothing of the project'),
    (('guest/',), lambda header: header.split('/')[0] in ('vmm', 'devices', 'boot', 'containers'),
     'the guest shares only guest/agent/agent_protocol.h with the host'),
]


def violations(root):
    for path in sorted(root.rglob('*')):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if relative.startswith(('tests/', 'build')) or '/.' in '/' + relative:
            continue
        for number, line in enumerate(path.read_text(errors='replace').splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            for places, forbidden, why in RULES:
                if relative.startswith(places) and forbidden(header):
                    yield f'{relative}:{number}: includes {header}: {why}'


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.').resolve()
    if not (root / 'vmm').is_dir():
        print(f'check_dependencies: {root} is not a vmlet source tree', file=sys.stderr)
        return 2
    found = list(violations(root))
    for line in found:
        print(line)
    print(f'check_dependencies: {len(found)} violation(s) in {root}', file=sys.stderr)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
