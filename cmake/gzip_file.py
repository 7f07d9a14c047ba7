#!/usr/bin/env python3
"""gzip_file.py IN OUT: OUT = IN as one gzip member, the same bytes on every build.

For cmake/rm.cmake: rm.bin goes into hyp.bin compressed, and kernel/boot/gunzip.cpp
unpacks it at boot. That decoder reads a member with no optional header fields, which is
what gzip.compress writes (no file name); mtime 0 keeps the output reproducible.
"""
import gzip
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    with open(sys.argv[2], "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
