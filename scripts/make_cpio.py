#!/usr/bin/env python3
"""Writes a directory tree as an uncompressed newc cpio archive, the format the kernel unpacks as an
initramfs (Documentation/driver-api/early-userspace/buffer-format.rst). Entries are owned by root
and ordered so that directories come before their contents; device nodes are added from the
command line, so building the archive needs neither root nor mknod.

  make_cpio.py ROOT OUTPUT [--device PATH:c|b:MAJOR:MINOR:MODE ...]
"""
import argparse
import os
import stat

NEWC_MAGIC = b"070701"


def header(inode, mode, nlink, size, devmajor, devminor, name):
    # ino, mode, uid, gid, nlink, mtime, filesize, dev major/minor, rdev major/minor, namesize, check
    fields = [inode, mode, 0, 0, nlink, 0, size, 0, 0, devmajor, devminor, len(name) + 1, 0]
    return NEWC_MAGIC + b"".join(b"%08X" % value for value in fields)


def pad(length):
    return b"\0" * ((4 - length % 4) % 4)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("output")
    parser.add_argument("--device", action="append", default=[])
    args = parser.parse_args()

    entries = []
    for directory, subdirectories, files in os.walk(args.root):
        subdirectories.sort()
        for name in sorted(subdirectories) + sorted(files):
            path = os.path.join(directory, name)
            entries.append((os.path.relpath(path, args.root), os.lstat(path), path))
    entries.sort(key=lambda entry: entry[0])

    with open(args.output, "wb") as out:
        inode = 1

        def emit(name, mode, data=b"", devmajor=0, devminor=0):
            nonlocal inode
            encoded = name.encode()
            nlink = 2 if stat.S_ISDIR(mode) else 1
            record = header(inode, mode, nlink, len(data), devmajor, devminor, encoded) + encoded + b"\0"
            out.write(record + pad(len(record)) + data + pad(len(data)))
            inode += 1

        for name, info, path in entries:
            permissions = stat.S_IMODE(info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                emit(name, stat.S_IFDIR | permissions)
            elif stat.S_ISLNK(info.st_mode):
                emit(name, stat.S_IFLNK | 0o777, os.readlink(path).encode())
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as source:
                    emit(name, stat.S_IFREG | permissions, source.read())
        for spec in args.device:
            path, kind, major, minor, mode = spec.split(":")
            file_type = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
            emit(path.lstrip("/"), file_type | int(mode, 8), devmajor=int(major), devminor=int(minor))
        emit("TRAILER!!!", 0)


if __name__ == "__main__":
    main()
