#!/usr/bin/env python3
"""Boots the hypervisor image under QEMU and checks what it prints on the serial port.

One run: start qemu-system-aarch64 (virt, -nographic -no-reboot, serial on stdout,
captured to a log file), wait for it to exit or kill its process group at the
timeout, then check the log: every --expect regex must match (in order with
--ordered), no --forbid regex may match, and QEMU's exit status must be --status.
Prints one PASS line, or FAIL with the reasons and the last lines of the log.
Exit status 0 on pass, 1 on fail, 2 on a usage error.

Named cases (tests/qemu/cases.py), as ctest runs them:
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --case 'smp4 cpu max'
    tests/qemu/harness.py --list
Ad hoc (the defaults below, then anything after -- ; later QEMU options win):
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --expect 'cpus online: 4/4' -- -smp 4
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --bad-dt no-gic --no-default-forbid \\
        --expect 'fatal:.*GIC' -- -smp 2
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bad_dt  # noqa: E402
import cases  # noqa: E402

DEFAULT_MACHINE = cases.DEFAULT_MACHINE
DEFAULT_ARGS = cases.DEFAULT_ARGS
TAIL_LINES = 40


def qemu_command(qemu: str, image: str | None, machine: str, extra: list[str] | tuple[str, ...]) -> list[str]:
    """The full QEMU command line: defaults first, then `extra` (which wins)."""
    cmd = [qemu, "-M", machine, *DEFAULT_ARGS, "-nographic", "-no-reboot"]
    if image:
        cmd += ["-kernel", image]
    return cmd + list(extra)


def run_qemu(cmd: list[str], timeout: float, log_path: Path) -> tuple[int | None, float, str]:
    """Runs QEMU with its stdout (the serial console) going to log_path.

    Returns (exit status or None on timeout, seconds taken, QEMU's stderr)."""
    start = time.monotonic()
    with open(log_path, "wb") as log, tempfile.TemporaryFile() as err:
        # A session of its own, so that a timeout kills QEMU and anything it started;
        # no stdin, so that -nographic neither waits for a terminal nor changes one.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=err,
                                start_new_session=True)
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = None
        except KeyboardInterrupt:
            _kill_group(proc)
            raise
        finally:
            if proc.poll() is None:
                _kill_group(proc)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return status, time.monotonic() - start, stderr


def _kill_group(proc: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def check_log(log: str, expect: list[str], forbid: list[str], ordered: bool) -> list[str]:
    """Reasons the log fails the patterns; empty when it passes."""
    problems = []
    pos = 0
    for pattern in expect:
        m = re.compile(pattern, re.MULTILINE).search(log, pos if ordered else 0)
        if not m:
            where = " after the previous expected line" if ordered and pos else ""
            problems.append(f"expected /{pattern}/{where}: not found")
        elif ordered:
            pos = m.end()
    for pattern in forbid:
        m = re.compile(pattern, re.MULTILINE).search(log)
        if m:
            line = log[:m.start()].count("\n") + 1
            problems.append(f"forbidden /{pattern}/ found on line {line}: {_line_at(log, m.start())!r}")
    return problems


def _line_at(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:end if end >= 0 else len(text)]


def run(name: str, *, image: str, qemu: str, dtc: str, machine: str, args: list[str],
        expect: list[str], forbid: list[str], ordered: bool, status: int, timeout: float,
        bad_dt_kind: str | None, files: dict[str, bytes], log_path: Path | None,
        verbose: bool) -> bool:
    with tempfile.TemporaryDirectory(prefix="hyp-qemu-") as tmp:
        for fname, data in files.items():
            (Path(tmp) / fname).write_bytes(data)
        args = [a.replace("{tmp}", tmp) for a in args]
        cmd = qemu_command(qemu, image, machine, args)
        if bad_dt_kind:
            dtb = Path(tmp) / f"{bad_dt_kind}.dtb"
            try:
                bad_dt.make(bad_dt_kind, cmd, dtc, dtb, Path(tmp) / f"{bad_dt_kind}.dts")
            except (RuntimeError, ValueError, KeyError, subprocess.SubprocessError) as e:
                print(f"FAIL {name}: could not make the {bad_dt_kind} device tree: {e}")
                return False
            cmd += ["-dtb", str(dtb)]
        if log_path is None:
            log_path = Path(tmp) / "serial.log"
            keep_note = ""
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            keep_note = f"; log: {log_path}"
        if verbose:
            print("+ " + shlex.join(cmd), flush=True)

        exit_status, elapsed, stderr = run_qemu(cmd, timeout, log_path)
        log = log_path.read_bytes().decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")

    problems = []
    if exit_status is None:
        problems.append(f"timed out after {timeout:g} s (QEMU killed)")
    elif exit_status != status:
        problems.append(f"QEMU exited with status {exit_status}, expected {status}")
    problems += check_log(log, expect, forbid, ordered)

    if not problems:
        print(f"PASS {name}: {len(expect)} expected pattern(s) seen, none forbidden, "
              f"exit {exit_status}, {elapsed:.1f} s{keep_note}")
        if verbose:
            print(log, end="" if log.endswith("\n") else "\n")
        return True

    print(f"FAIL {name} ({elapsed:.1f} s){keep_note}")
    for p in problems:
        print(f"  - {p}")
    print(f"  command: {shlex.join(cmd)}")
    if stderr.strip():
        print("  QEMU stderr:")
        for line in stderr.strip().splitlines()[-10:]:
            print(f"    {line}")
    lines = log.splitlines()
    shown = lines if verbose else lines[-TAIL_LINES:]
    print(f"  serial log ({len(lines)} lines{'' if verbose or len(lines) <= TAIL_LINES else f', last {TAIL_LINES}'}):")
    for line in shown:
        print(f"    | {line}")
    return False


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 usage="%(prog)s --image IMAGE [--case NAME | --all | --expect RE ...] [options] [-- QEMU_OPTIONS...]",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", help="the arm64 Image to boot (build/qemu-virt/hyp.bin)")
    ap.add_argument("--qemu", default="qemu-system-aarch64", help="QEMU binary (default: %(default)s)")
    ap.add_argument("--dtc", default="dtc", help="dtc binary, for --bad-dt (default: %(default)s)")
    ap.add_argument("--case", action="append", default=[], metavar="NAME",
                    help="run a named case from cases.py (repeatable)")
    ap.add_argument("--all", action="store_true", help="run every named case")
    ap.add_argument("--list", action="store_true", help="list the named cases and exit")
    ap.add_argument("--list-cmake", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--expect", action="append", default=[], metavar="RE",
                    help="a regex that must match the serial log (repeatable)")
    ap.add_argument("--forbid", action="append", default=[], metavar="RE",
                    help="a regex that must not match (repeatable; added to the defaults)")
    ap.add_argument("--no-default-forbid", action="store_true",
                    help=f"ad hoc runs: do not forbid {', '.join(cases.HEALTHY)} "
                         f"(still forbid {', '.join(cases.NO_CRASH)})")
    ap.add_argument("--ordered", action="store_true", help="the --expect patterns must match in order")
    ap.add_argument("--status", type=int, default=0, help="QEMU's expected exit status (default 0)")
    ap.add_argument("--timeout", type=float, help="seconds before QEMU is killed (default 60, or the case's)")
    ap.add_argument("--machine", default=DEFAULT_MACHINE, help="the -M value for ad hoc runs (default: %(default)s)")
    ap.add_argument("--bad-dt", metavar="KIND", choices=sorted(bad_dt.TRANSFORMS),
                    help=f"boot with a broken device tree: {', '.join(bad_dt.TRANSFORMS)}")
    ap.add_argument("--log", type=Path, help="keep the serial log in this file (ad hoc run)")
    ap.add_argument("--log-dir", type=Path, help="keep each case's serial log in this folder")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the command and the whole log")
    # Everything after the first -- goes to QEMU untouched.
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    a.qemu_args = argv[cut + 1:]

    if a.list_cmake:  # for tests/qemu/CMakeLists.txt: name|timeout|cores
        for c in cases.CASES:
            print(f"{c.name}|{math.ceil(c.timeout)}|{c.cores}")
        return 0
    if a.list:
        for c in cases.CASES:
            what = f"bad dt {c.bad_dt}, " if c.bad_dt else ""
            print(f"{c.name:26} {what}-M {c.machine} {shlex.join(c.args)}")
        return 0
    if not a.image:
        ap.error("--image is required")
    if not Path(a.image).is_file():
        print(f"FAIL: image {a.image} not found (build it: scripts/build qemu-virt)")
        return 1

    for pattern in a.expect + a.forbid:
        try:
            re.compile(pattern)
        except re.error as e:
            ap.error(f"bad regex {pattern!r}: {e}")

    selected = list(cases.CASES) if a.all else []
    for name in a.case:
        if name not in cases.BY_NAME:
            ap.error(f"no case named {name!r}; --list shows them")
        selected.append(cases.BY_NAME[name])

    ok = True
    if selected:
        if a.expect or a.forbid or a.qemu_args or a.bad_dt:
            ap.error("--case/--all take no --expect, --forbid, --bad-dt or QEMU options")
        for c in selected:
            log = a.log_dir / f"{_slug(c.name)}.log" if a.log_dir else None
            # A case may boot another image of the same build (hyp-selftest.bin).
            image = str(Path(a.image).with_name(c.image)) if c.image else a.image
            ok &= run(f"qemu: {c.name}", image=image, qemu=a.qemu, dtc=a.dtc, machine=c.machine,
                      args=list(c.args), expect=list(c.expect), forbid=list(c.forbid),
                      ordered=c.ordered, status=c.status, timeout=a.timeout or c.timeout,
                      bad_dt_kind=c.bad_dt, files=c.files, log_path=log, verbose=a.verbose)
    else:
        forbid = list(cases.NO_CRASH if a.no_default_forbid else cases.HEALTHY) + a.forbid
        ok = run("ad hoc", image=a.image, qemu=a.qemu, dtc=a.dtc, machine=a.machine,
                 args=a.qemu_args, expect=a.expect, forbid=forbid, ordered=a.ordered,
                 status=a.status, timeout=a.timeout or 60, bad_dt_kind=a.bad_dt, files={},
                 log_path=a.log, verbose=a.verbose)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
