#!/usr/bin/env python3
"""Times one QEMU boot, from QEMU's start to its exit, for scripts/bench --boot.

Runs COMMAND with stdin from /dev/null and stdout and stderr into --log, and waits for
it to exit. When it exits with status 0 and the log matched --marker, prints the wall
seconds it took (e.g. "3.214") and exits 0. Otherwise prints one line saying why, e.g.
"timed out after 120 s", "no /marker/ in the log", "QEMU exited with status 1",
"/Kernel panic/ seen on line 312: ...", and exits 1. It ends QEMU (its whole process
group) early, without waiting for the timeout, when a --fail pattern appears or the log
grows past --max-log bytes (a flood of messages).

Usage: boot_time.py --log FILE [--timeout S] [--marker RE] [--fail RE]... [--max-log N]
                    -- COMMAND...
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.05


def _kill_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def main() -> int:
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", required=True, help="where QEMU's output goes")
    ap.add_argument("--timeout", type=float, default=120, help="seconds (default %(default)s)")
    ap.add_argument("--marker", help="a regex the log must match for the boot to count")
    ap.add_argument("--fail", action="append", default=[], metavar="RE",
                    help="a regex that ends the run as failed at once (repeatable)")
    ap.add_argument("--max-log", type=int, default=4 << 20, metavar="BYTES",
                    help="end the run as failed when the log grows past this (default %(default)s)")
    a = ap.parse_args(argv[:cut])
    cmd = argv[cut + 1:]
    if not cmd:
        ap.error("no command after --")
    fails = [re.compile(p) for p in a.fail]

    why = None
    with open(a.log, "wb") as log, open(a.log, "rb") as reader:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        end = None
        seen = b""  # the log so far, for the --fail patterns
        try:
            while True:
                try:
                    status = proc.wait(timeout=POLL_SECONDS)
                    end = time.monotonic()
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() - start > a.timeout:
                    why = f"timed out after {a.timeout:g} s"
                    break
                if fails:
                    chunk = reader.read()
                    if chunk:
                        tail_from = max(0, len(seen) - 256)
                        seen += chunk
                        text = seen[tail_from:].decode(errors="replace")
                        for p in fails:
                            m = p.search(text)
                            if m:
                                full = seen.decode(errors="replace")
                                m = p.search(full)
                                line_no = full.count("\n", 0, m.start()) + 1
                                line_start = full.rfind("\n", 0, m.start()) + 1
                                line_end = full.find("\n", m.start())
                                line = full[line_start:line_end if line_end >= 0 else len(full)].strip()
                                why = f"/{p.pattern}/ seen on line {line_no}: {line[:160]}"
                                break
                        if why:
                            break
                if os.fstat(log.fileno()).st_size > a.max_log:
                    why = f"the log grew past {a.max_log} bytes (a flood of messages)"
                    break
        except KeyboardInterrupt:
            _kill_group(proc)
            raise
        finally:
            if proc.poll() is None:
                _kill_group(proc)

    if why is None:
        text = open(a.log, "rb").read().decode(errors="replace")
        if status != 0:
            why = f"QEMU exited with status {status}"
        elif a.marker and not re.search(a.marker, text, re.MULTILINE):
            why = f"QEMU exited without /{a.marker}/ in the log"
        else:
            for p in fails:
                if p.search(text):
                    why = f"/{p.pattern}/ in the log"
                    break
    if why:
        print(why)
        return 1
    print(f"{end - start:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
