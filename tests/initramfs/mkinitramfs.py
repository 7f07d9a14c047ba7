#!/usr/bin/env python3
"""Builds one initramfs (cpio "newc", gzip) from a folder of tests/initramfs and busybox.

The archive holds a small skeleton (/bin, /sbin, /usr/bin, /usr/sbin, /proc, /sys, /dev,
/tmp, /root, /etc and the /dev/console character device, so that init has a console
before devtmpfs is mounted), /bin/busybox with /bin/sh linked to it (the interpreter of
a script /init), every file and folder under SRC_DIR at the same path (SRC_DIR/init
becomes /init), and the files SRC_DIR/extra-files names. Files keep their executable bit;
owners are root, times are 0 and the gzip header carries no name or time, so the same
inputs always give the same bytes. Written in Python, not with cpio(1), so that device
nodes need no root and no mknod.

SRC_DIR/extra-files (optional, not itself copied) adds files built elsewhere, one a line:
    DEST SOURCE [if-present]
DEST is the path in the archive, SOURCE a file relative to the repository root (most are
under .cache/, built by scripts/fetch-guest); `if-present` skips a SOURCE that does not
exist instead of failing. Blank lines and lines starting with # are ignored.

Usage: mkinitramfs.py --busybox .cache/busybox/busybox -o .cache/initramfs/shell.cpio.gz \\
           [--add DEST=FILE]... tests/initramfs/shell
       mkinitramfs.py --inputs tests/initramfs/shell
           (prints every SOURCE extra-files names, one a line, as written, whether it exists
           or not: what scripts/fetch-guest builds first and hashes into the archive's stamp)
"""

from __future__ import annotations

import argparse
import gzip
import os
import stat
import sys
from pathlib import Path

SKELETON_DIRS = ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp",
                 "root", "etc", "mnt", "run")
MANIFEST = "extra-files"
REPO = Path(__file__).resolve().parent.parent.parent
# gzip -6, not -9: as small within 0.2 % for a kernel Image, and three times faster.
GZIP_LEVEL = 6


class Cpio:
    """A cpio archive in the "newc" format the kernel unpacks (070701, no checksums)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.ino = 1
        self.names: set[str] = set()

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0),
               nlink: int = 1) -> None:
        name = name.strip("/")
        if name in self.names and name != "TRAILER!!!":
            raise ValueError(f"{name}: twice in the archive")
        self.names.add(name)
        encoded = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
        self.ino += 1
        self.out += b"070701" + b"".join(b"%08X" % f for f in fields) + encoded
        self._pad()
        self.out += data
        self._pad()

    def _pad(self) -> None:
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name: str, perm: int = 0o755) -> None:
        self._entry(name, stat.S_IFDIR | perm, nlink=2)

    def file(self, name: str, data: bytes, perm: int) -> None:
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name: str, perm: int, major: int, minor: int) -> None:
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return bytes(self.out)


def parse_manifest(src: Path) -> list[tuple[str, Path, bool]]:
    """Every (DEST, SOURCE, if_present) line of SRC/extra-files, SOURCE absolute."""
    manifest = src / MANIFEST
    if not manifest.is_file():
        return []
    entries = []
    for n, line in enumerate(manifest.read_text().splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) not in (2, 3) or (len(words) == 3 and words[2] != "if-present"):
            raise ValueError(f"{manifest}:{n}: not `DEST SOURCE [if-present]`: {line.strip()}")
        entries.append((words[0], REPO / words[1], len(words) == 3))
    return entries


def read_manifest(src: Path) -> list[tuple[str, Path]]:
    """The (DEST, SOURCE) pairs to add: a missing SOURCE is an error, or left out when its
    line says `if-present`."""
    pairs = []
    for dest, source, if_present in parse_manifest(src):
        if source.is_file():
            pairs.append((dest, source))
        elif not if_present:
            raise ValueError(f"{src / MANIFEST}: {source.relative_to(REPO)} not found (run scripts/fetch-guest)")
    return pairs


def build(src: Path, busybox: Path, extra: list[tuple[str, Path]] = ()) -> bytes:
    if not (src / "init").is_file():
        raise FileNotFoundError(f"{src}/init not found")
    cpio = Cpio()
    for d in SKELETON_DIRS:
        cpio.dir(d)
    cpio.chardev("dev/console", 0o600, 5, 1)
    cpio.file("bin/busybox", busybox.read_bytes(), 0o755)
    cpio.symlink("bin/sh", "busybox")
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.name.startswith(".") or "__pycache__" in rel or rel == MANIFEST:
            continue
        if path.is_dir():
            if rel not in SKELETON_DIRS:
                cpio.dir(rel)
        elif path.is_file():
            perm = 0o755 if os.access(path, os.X_OK) else 0o644
            cpio.file(rel, path.read_bytes(), perm)
    for dest, path in [*read_manifest(src), *extra]:
        parts = dest.strip("/").split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder not in cpio.names and folder not in SKELETON_DIRS:
                cpio.dir(folder)
        cpio.file(dest, path.read_bytes(), 0o755 if os.access(path, os.X_OK) else 0o644)
    return cpio.finish()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="the folder whose tree goes into the archive (with init)")
    ap.add_argument("--busybox", type=Path, help="a static arm64 busybox")
    ap.add_argument("-o", "--output", type=Path, help="the .cpio.gz to write")
    ap.add_argument("--inputs", action="store_true",
                    help=f"only print the files {MANIFEST} names (relative to the repository root, "
                         "existing or not), one a line")
    ap.add_argument("--add", action="append", default=[], metavar="DEST=FILE",
                    help="also put FILE at DEST in the archive (e.g. lib/modules/gunyah.ko=...)")
    a = ap.parse_args()
    if a.inputs:
        try:
            for _, source, _ in parse_manifest(a.src):
                print(source.relative_to(REPO))
        except (OSError, ValueError) as e:
            print(f"mkinitramfs.py: {e}", file=sys.stderr)
            return 1
        return 0
    if a.busybox is None or a.output is None:
        ap.error("--busybox and -o are needed to build an archive")
    extra = []
    for item in a.add:
        dest, sep, path = item.partition("=")
        if not sep or not dest or not path:
            print(f"mkinitramfs.py: --add {item}: not DEST=FILE", file=sys.stderr)
            return 1
        extra.append((dest, Path(path)))
    try:
        archive = build(a.src, a.busybox, extra)
    except (OSError, ValueError) as e:
        print(f"mkinitramfs.py: {e}", file=sys.stderr)
        return 1
    tmp = a.output.with_name(a.output.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=GZIP_LEVEL) as gz:
        gz.write(archive)
    tmp.replace(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
