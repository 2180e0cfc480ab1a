#!/usr/bin/env python3
"""Counts colours in a PNG screenshot, with zlib alone (PIL is not a dependency).

Usage: png_colours.py FILE [#rrggbb ...]
Prints "WIDTH HEIGHT DISTINCT NON_WHITE" on the first line, then for each colour asked the number of
pixels within a small distance of it (a renderer may blend a bar's edge), one a line.
Reads 8-bit RGB or RGBA, not interlaced: what Chromium's --screenshot writes.
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        sys.exit(f"{path}: depth {depth}, colour type {colour_type}, interlace {interlace}: not read here")
    return width, height, 3 if colour_type == 2 else 4, zlib.decompress(idat)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def unfilter(width, height, channels, raw):
    """The rows' bytes with each row's filter (PNG specification, section 9) undone."""
    stride = width * channels
    rows, previous, at = [], bytearray(stride), 0
    for _ in range(height):
        kind, row = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                row[i] = (row[i] + paeth(left, up, corner)) & 0xFF
        rows.append(row)
        previous = row
    return rows


def main():
    path, wanted = sys.argv[1], [bytes.fromhex(colour.lstrip("#")) for colour in sys.argv[2:]]
    width, height, channels, raw = read_png(path)
    counts = {}
    for row in unfilter(width, height, channels, raw):
        for i in range(0, len(row), channels):
            pixel = bytes(row[i:i + 3])
            counts[pixel] = counts.get(pixel, 0) + 1
    non_white = sum(count for pixel, count in counts.items() if pixel != b"\xff\xff\xff")
    print(width, height, len(counts), non_white)
    for colour in wanted:
        print(sum(count for pixel, count in counts.items() if max(abs(p - c) for p, c in zip(pixel, colour)) <= 8))


if __name__ == "__main__":
    main()
