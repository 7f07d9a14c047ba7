#!/usr/bin/env python3
"""Checks that every QEMU command line the project builds says `-nic none`.

Without it QEMU's virt machine adds a virtio-net card, whose option ROM (efi-virtio.rom)
comes from ipxe-qemu: a package that qemu-system-arm only recommends, so a bare Debian
machine lacks it and QEMU refuses to start ("failed to find romfile"). A machine that
happens to have the ROM hides the mistake, so this looks at the command lines instead of
at QEMU's behaviour.

Each place that starts QEMU runs for real, with a stand-in QEMU that records its
arguments and exits at once (printing, under -icount, figures shaped like the bench
guest's so that scripts/bench goes on to its next run):
  scripts/run, scripts/run --direct, scripts/bench --no-boot, scripts/bench --boot,
  tests/bench/check_budgets.py (its runs of the bench guest), and tests/qemu/harness.py
  for every case in cases.py (bad_dt.py's DTB dumps included).
The images, kernels and initramfs they boot are empty stand-ins. Fails when a command line
lacks `-nic none` (or -nodefaults), or when a source recorded fewer command lines than it
must (the check would otherwise pass on a script that no longer runs QEMU at all).

Usage: tests/qemu/check_command_lines.py [-v]     (-v prints every command line)
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import cases  # noqa: E402

FAKE_QEMU = r'''#!/usr/bin/env python3
import json, os, sys
with open(os.environ["HYP_FAKE_QEMU_RECORD"], "a") as f:
    f.write(json.dumps({"source": os.environ.get("HYP_FAKE_QEMU_SOURCE", "?"), "argv": sys.argv[1:]}) + "\n")
if "-icount" in sys.argv:
    print("bench: stand-in 1 instructions")
    print("guest bench: PASS")
    print("hyp: cpu 0 idle 99.0% of 1000 ms (1 waits, 1 exits)")
'''


def has_no_nic(argv: list[str]) -> bool:
    if "-nodefaults" in argv:
        return True
    return any(a in ("-nic", "--nic") and b == "none" for a, b in zip(argv, argv[1:]))


def main() -> int:
    verbose = "-v" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="hyp-cmdlines-") as tmp_name:
        tmp = Path(tmp_name)
        qemu = tmp / "qemu-system-aarch64"
        qemu.write_text(FAKE_QEMU)
        qemu.chmod(0o755)
        record = tmp / "record.jsonl"

        # Stand-in files: an arm64 Image header's worth of zeros is enough for the scripts,
        # which read image_size at offset 16.
        build = tmp / "build"
        (build / "tests" / "guest").mkdir(parents=True)
        cache = tmp / "cache"
        stand_ins = [build / "hyp.bin", build / "hyp-selftest.bin", build / "tests/guest/guest-bench.Image",
                     tmp / "Image", tmp / "initrd.cpio.gz"]
        for c in cases.CASES:
            if c.guest:
                stand_ins.append(build / "tests" / "guest" / f"guest-{c.guest}.Image")
            for name in (c.kernel, c.initrd, *c.needs):
                if name:
                    stand_ins.append(Path(name.replace("{cache}", str(cache))))
            if c.image:
                stand_ins.append(build / c.image)
        for f in stand_ins:
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(bytes(64))

        env = dict(os.environ, QEMU=str(qemu), HYP_FAKE_QEMU_RECORD=str(record), HYP_SKIP_BUILD="1",
                   HYP_SKIP_DEPS="1", HYP_IMAGE=str(build / "hyp.bin"), HYP_KERNEL=str(tmp / "Image"),
                   HYP_INITRD=str(tmp / "initrd.cpio.gz"), HYP_BUILD_DIR=str(build),
                   HYP_BOOT_RUNS="1", HYP_BOOT_TIMEOUT="10", HYP_BENCH_TIMEOUT="10")
        env.pop("HYP_REQUIRE_GUEST", None)  # the stand-ins are not what the harness would fetch
        harness = [sys.executable, str(HERE / "harness.py"), "--image", str(build / "hyp.bin"),
                   "--qemu", str(qemu), "--guest-dir", str(build / "tests" / "guest"),
                   "--cache-dir", str(cache), "--dtc", "false"]
        for c in cases.CASES:
            harness += ["--case", c.name]
        # (source, command, the least number of QEMU command lines it must produce)
        runs = [
            ("scripts/run", [str(REPO / "scripts/run")], 1),
            ("scripts/run --direct", [str(REPO / "scripts/run"), "--direct"], 1),
            ("scripts/bench --no-boot", [str(REPO / "scripts/bench"), "--no-boot"], 6),
            ("scripts/bench --boot", [str(REPO / "scripts/bench"), "--boot"], 2),
            ("tests/bench/check_budgets.py", [sys.executable, str(REPO / "tests/bench/check_budgets.py"), "check",
                                              "--build-dir", str(build), "--qemu", str(qemu), "--timeout", "10"], 4),
            ("tests/qemu/harness.py, every case", harness, len(cases.CASES)),
        ]
        problems: list[str] = []
        total = 0
        for source, cmd, least in runs:
            # Each exits as a failed boot would (the stand-in QEMU prints nothing useful);
            # only the command lines matter here.
            subprocess.run(cmd, env=dict(env, HYP_FAKE_QEMU_SOURCE=source), cwd=REPO, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
            lines = [json.loads(l) for l in record.read_text().splitlines()] if record.exists() else []
            mine = [l["argv"] for l in lines if l["source"] == source]
            total += len(mine)
            if len(mine) < least:
                problems.append(f"{source}: started QEMU {len(mine)} time(s), expected at least {least}")
            for argv in mine:
                if verbose:
                    print(f"{source}: qemu {shlex.join(argv)}")
                if not has_no_nic(argv):
                    problems.append(f"{source}: no `-nic none`: qemu {shlex.join(argv)}")

    if problems:
        print(f"FAIL: {len(problems)} problem(s) in {total} QEMU command line(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"PASS: {total} QEMU command lines from {len(runs)} sources, each with -nic none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
