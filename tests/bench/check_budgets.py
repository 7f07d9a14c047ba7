#!/usr/bin/env python3
"""Holds the benchmark figures to their budgets (tests/bench/budgets.txt, issue 13).

Boots the bench test guest (tests/guest/bench.cpp) as the primary VM, once per mode that
a budgeted figure comes from, exactly as scripts/bench does (this file's `run` is the
one definition of that command line: scripts/bench calls it too): QEMU virt with
-icount shift=0,sleep=off, one CPU, -cpu max, where the figures are instruction counts
and deterministic. Then prints a table (key, figure, budget, budget+10%, target,
verdict) and exits 1 when
  * a figure exceeds its budget by more than 10%,
  * a figure is missing from its log (unless its budget says `pending`: not printed yet),
  * a run failed (timed out, QEMU's status, FAIL/PANIC/UNEXPECTED in the log, no
    figures, no `guest bench: PASS`): the last 25 lines of its log are printed,
  * budgets.txt is malformed (a key missing, unknown or twice, a bad number or date);
and 0 otherwise. A figure more than 10% below its budget gets a note, not a failure:
the budget is stale, lower it. hyp_bin_bytes is the size of hyp.bin; boot_ratio is only
measured by `scripts/bench --boot` (wall clock: noise under CI) and only its target is
listed here.

Usage:
  check_budgets.py [check] --build-dir build/qemu-virt [--log-dir DIR] [--timeout S]
      the ctest case "bench: figures within budget" (tests/qemu/CMakeLists.txt): runs
      the modes, checks, keeps each mode's log in --log-dir (bench-MODE.log)
  check_budgets.py check --log calls=FILE --log irq=FILE ... [--hyp hyp.bin]
      checks already-captured logs (one per mode; no QEMU run)
  check_budgets.py targets --log MODE=FILE ... [--hyp hyp.bin] [--figure boot_ratio=1.11]
      each figure beside its target, met or not (scripts/bench's summary; exits 0)
  check_budgets.py target KEY          prints KEY's target (scripts/bench --boot)
  check_budgets.py run --log FILE [--name NAME] [--hyp H --guest G --mode MODE] -- QEMU_OPTIONS
      one run for scripts/bench: QEMU into FILE (line ends made \\n, QEMU's stderr
      appended), killed at --timeout; exits 1 with the end of the log when it went wrong
Options common to those that run QEMU: --qemu PROGRAM (default $QEMU or
qemu-system-aarch64), --timeout S per run (default 120).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "qemu"))
import cases  # noqa: E402
import harness  # noqa: E402

BUDGETS = HERE / "budgets.txt"
TAIL_LINES = 25
RUN_TIMEOUT = 120  # seconds per run; each takes a few (calls, the longest: ~5 s)
SLACK_PERCENT = 10  # a figure may exceed its budget by this much

# The runs' QEMU options: after -nic none (cases.BASE_ARGS), before the run's own.
BENCH_MACHINE = "virt,virtualization=on,gic-version=3"
BENCH_ARGS = ("-cpu", "max", "-smp", "1", "-m", "1G", "-nographic", "-no-reboot",
              "-icount", "shift=0,sleep=off")
# The bench guest's modes (bootargs bench=MODE) and the vCPUs each gives the primary VM
# (the hypervisor's rm.vcpus): all that scripts/bench runs.
MODES = {"calls": 1, "irq": 1, "switch": 2, "rpc": 1, "vmm": 1, "doorbell": 1, "idle": 1}

FAILURE = re.compile(r"FAIL|PANIC|UNEXPECTED")
ANY_FIGURE = re.compile(r"^bench: .* instructions|^bench: .* ns/op", re.MULTILINE)
GUEST_PASS = re.compile(r"^guest bench: PASS", re.MULTILINE)


@dataclass(frozen=True)
class Figure:
    key: str
    unit: str  # instructions, bytes, x (a ratio)
    mode: str | None = None  # the bench guest's mode whose log prints it
    line: str | None = None  # the line's exact text before " N instructions"

    def pattern(self) -> re.Pattern[str]:
        assert self.line is not None
        return re.compile("^" + re.escape(self.line) + r" (\d+) instructions\b", re.MULTILINE)


FIGURES = [
    Figure("null_hypercall_native", "instructions", "calls", "bench: null hypercall (hvc #0x6000 hyp_identify)"),
    Figure("null_hypercall_smccc", "instructions", "calls",
           "bench: null hypercall, SMCCC form (hvc #0, x0 0xc6008000 hyp_identify)"),
    Figure("smccc_version", "instructions", "calls", "bench: SMCCC_VERSION (hvc #0)"),
    # The timer's and the SGI's lines begin alike: the text up to the figure tells them apart.
    Figure("vtimer_irq", "instructions", "irq",
           "bench:   of which outside the guest's handler (EL2, entry and return)"),
    Figure("vsgi", "instructions", "irq",
           "bench:   of which outside the guest's handler (EL2: the trap, pending, listing; entry and return)"),
    Figure("doorbell_send", "instructions", "doorbell", "bench: doorbell_send to another VM's vCPU (its virq raised)"),
    Figure("vcpu_switch", "instructions", "switch", "bench: vCPU switch: yield that switches less the null hypercall"),
    Figure("hyp_bin_bytes", "bytes"),  # the size of hyp.bin
    Figure("boot_ratio", "x"),  # scripts/bench --boot only
]
BY_KEY = {f.key: f for f in FIGURES}
NOT_IN_CI = {"boot_ratio"}  # measured by scripts/bench alone; budget `-`
CHECKED_MODES = [m for m in MODES if any(f.mode == m for f in FIGURES)]


@dataclass(frozen=True)
class Budget:
    key: str
    budget: int | None  # None: `pending` or `-`
    word: str  # the budget column as written
    target: float
    date: str
    reason: str


class BudgetsError(Exception):
    pass


def read_budgets(path: Path) -> dict[str, Budget]:
    """budgets.txt: `KEY BUDGET TARGET DATE REASON...` a line; a line that starts with `#`
    is a comment (a `#` in a reason is part of it)."""
    found: dict[str, Budget] = {}
    problems = []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{n}"
        fields = line.split(None, 4)
        if len(fields) < 5:
            problems.append(f"{where}: want KEY BUDGET TARGET DATE REASON, got {raw.strip()!r}")
            continue
        key, word, target, date, reason = fields
        if key not in BY_KEY:
            problems.append(f"{where}: unknown key {key!r} (check_budgets.py FIGURES knows {', '.join(BY_KEY)})")
            continue
        if key in found:
            problems.append(f"{where}: {key} budgeted twice")
            continue
        budget = None
        if key in NOT_IN_CI:
            if word != "-":
                problems.append(f"{where}: {key} is not measured in CI: its budget must be `-`")
        elif word != "pending":
            if not word.isdigit():
                problems.append(f"{where}: budget {word!r}: want a whole number or `pending`")
                continue
            budget = int(word)
        try:
            target_value = float(target)
        except ValueError:
            problems.append(f"{where}: target {target!r} is not a number")
            continue
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            problems.append(f"{where}: date {date!r}: want YYYY-MM-DD")
            continue
        found[key] = Budget(key, budget, word, target_value, date, reason.strip())
    problems += [f"{path}: no line for {k}" for k in BY_KEY if k not in found and not problems]
    if problems:
        raise BudgetsError("\n".join(problems))
    return found


# --- Runs -------------------------------------------------------------------------------

def guest_args(hyp: Path, guest: Path, mode: str) -> list[str]:
    """The options that boot the bench guest in MODE as the primary VM."""
    loader = (f"guest-loader,addr={cases.MODULE_ADDR:#x},kernel={harness._qemu_opt_value(str(guest))},"
              f"bootargs=bench={mode}")
    return ["-kernel", str(hyp), "-append", f"rm.vcpus={MODES[mode]}", "-device", loader]


def bench_command(qemu: str, args: list[str]) -> list[str]:
    return [qemu, *cases.BASE_ARGS, "-M", BENCH_MACHINE, *BENCH_ARGS, *args]


def run(qemu: str, args: list[str], log: Path, timeout: float, guest: bool) -> tuple[str | None, float]:
    """One run into `log` (normalized line ends, QEMU's stderr after the serial output).
    Returns (why it went wrong or None, seconds)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    status, elapsed, stderr = harness.run_qemu(bench_command(qemu, args), timeout, log)
    text = harness.read_log(log) + stderr
    log.write_text(text)
    if status is None:
        why = f"timed out after {timeout:g} s (QEMU killed)"
    elif status != 0:
        why = f"QEMU exited with status {status}"
    elif FAILURE.search(text):
        why = "it reported a failure (FAIL, PANIC or UNEXPECTED)"
    elif not ANY_FIGURE.search(text):
        why = "it printed no figures"
    elif guest and not GUEST_PASS.search(text):
        why = "no `guest bench: PASS` line"
    else:
        why = None
    return why, elapsed


def show_failure(name: str, why: str, log: Path, kept: bool = True, out=sys.stdout) -> None:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    where = log if kept else "not kept: --log-dir keeps it"
    print(f"{name}: {why}; the end of its log ({where}):", file=out)
    for line in lines[-TAIL_LINES:]:
        print(f"    | {line}", file=out)


# --- Figures and verdicts ---------------------------------------------------------------

def parse(logs: dict[str, Path], hyp: Path | None, extra: dict[str, float],
          failed: tuple[str, ...] = ()) -> dict[str, tuple[float | None, str]]:
    """Each figure's value (None when missing) and where it came from or why it is missing
    (`failed`: the modes whose run failed)."""
    texts = {m: harness.read_log(p) for m, p in logs.items()}
    found: dict[str, tuple[float | None, str]] = {}
    for f in FIGURES:
        if f.key in extra:
            found[f.key] = (extra[f.key], "given")
        elif f.mode is not None:
            if f.mode in failed:
                found[f.key] = (None, f"the run of bench={f.mode} failed")
                continue
            if f.mode not in texts:
                found[f.key] = (None, f"no log of bench={f.mode}")
                continue
            values = f.pattern().findall(texts[f.mode])
            if len(values) == 1:
                found[f.key] = (int(values[0]), f"bench={f.mode}")
            elif not values:
                found[f.key] = (None, f"not printed by bench={f.mode}")
            else:
                found[f.key] = (None, f"printed {len(values)} times by bench={f.mode}: which?")
        elif f.key == "hyp_bin_bytes":
            if hyp is not None and hyp.is_file():
                found[f.key] = (hyp.stat().st_size, str(hyp))
            else:
                found[f.key] = (None, f"no image {hyp}" if hyp else "no --hyp image")
        else:
            found[f.key] = (None, "scripts/bench --boot measures it")
    return found


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


def verdicts(budgets: dict[str, Budget], found: dict[str, tuple[float | None, str]]) -> tuple[list[list[str]], list[str], list[str]]:
    """The table's rows, the failures and the notes."""
    rows, failures, notes = [], [], []
    for f in FIGURES:
        b = budgets[f.key]
        value, where = found[f.key]
        limit = None if b.budget is None else b.budget * (100 + SLACK_PERCENT) // 100
        if f.key in NOT_IN_CI:
            verdict = "not checked here (scripts/bench --boot)"
        elif b.budget is None:  # pending
            if value is None:
                verdict = "pending: not printed yet"
            else:
                verdict = "printed: give it a budget"
                notes.append(f"{f.key}: printed now ({number(value)} {f.unit}), its budget still says pending: "
                             f"set it in budgets.txt")
        elif value is None:
            verdict = f"MISSING ({where})"
            failures.append(f"{f.key}: missing: {where}")
        elif value * 100 > b.budget * (100 + SLACK_PERCENT):
            verdict = "OVER BUDGET"
            failures.append(f"{f.key}: {number(value)} {f.unit}, over its budget {b.budget} by more than "
                            f"{SLACK_PERCENT}% (the budget last changed {b.date}: {b.reason})")
        elif value * 100 < b.budget * (100 - SLACK_PERCENT):
            verdict = "ok, budget stale"
            notes.append(f"{f.key}: {number(value)} {f.unit} is more than {SLACK_PERCENT}% below its budget "
                         f"{b.budget}: budget stale: lower it in budgets.txt")
        else:
            verdict = "ok"
        rows.append([f.key, number(value), b.word, number(limit), number(b.target), verdict])
    return rows, failures, notes


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


# --- Commands ---------------------------------------------------------------------------

def pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise SystemExit(f"check_budgets.py: {what} {item!r}: want NAME=VALUE")
        out[key] = value
    return out


def log_args(a: argparse.Namespace) -> dict[str, Path]:
    logs = {m: Path(p) for m, p in pairs(a.log, "--log").items()}
    unknown = [m for m in logs if m not in MODES]
    if unknown:
        raise SystemExit(f"check_budgets.py: --log {unknown[0]}=...: no such mode ({', '.join(MODES)})")
    return logs


def images(a: argparse.Namespace) -> tuple[Path | None, Path | None]:
    hyp = a.hyp or (a.build_dir / "hyp.bin" if a.build_dir else None)
    guest = getattr(a, "guest", None) or (a.build_dir / "tests/guest/guest-bench.Image" if a.build_dir else None)
    return hyp, guest


def cmd_check(a: argparse.Namespace, budgets: dict[str, Budget]) -> int:
    hyp, guest = images(a)
    logs = log_args(a)
    failures: list[str] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hyp-bench-") as tmp:
        if not logs:  # run every mode a figure comes from
            if hyp is None or guest is None:
                raise SystemExit("check_budgets.py check: give --build-dir (or --hyp and --guest), or --log")
            for image in (hyp, guest):
                if not image.is_file():
                    print(f"FAIL: {image} not found (scripts/build qemu-virt)")
                    return 1
            log_dir = a.log_dir or Path(tmp)
            for mode in CHECKED_MODES:
                log = log_dir / f"bench-{mode}.log"
                why, elapsed = run(a.qemu, guest_args(hyp, guest, mode), log, a.timeout, guest=True)
                name = f"bench={mode} (rm.vcpus={MODES[mode]})"
                print(f"run {name}: {why or 'ok'}, {elapsed:.1f} s")
                if why:
                    show_failure(name, why, log, kept=a.log_dir is not None)
                    failures.append(f"run {name}: {why}")
                    failed.append(mode)
                else:
                    logs[mode] = log
        rows, more, notes = verdicts(budgets, parse(logs, hyp, {}, tuple(failed)))
    print()
    print_table(["key", "figure", "budget", f"+{SLACK_PERCENT}%", "target", "verdict"], rows)
    failures += more
    for n in notes:
        print(f"note: {n}")
    if failures:
        print(f"FAIL: {len(failures)} problem(s):")
        for f in failures:
            print(f"  - {f}")
        return 1
    print(f"PASS: every budgeted figure within its budget +{SLACK_PERCENT}% ({a.budgets})")
    return 0


def cmd_targets(a: argparse.Namespace, budgets: dict[str, Budget]) -> int:
    extra = {}
    for key, value in pairs(a.figure, "--figure").items():
        if key not in BY_KEY:
            raise SystemExit(f"check_budgets.py: --figure {key}: no such figure")
        extra[key] = float(value)
    hyp, _ = images(a)
    found = parse(log_args(a), hyp, extra)
    rows = []
    for f in FIGURES:
        value, where = found[f.key]
        target = budgets[f.key].target
        if value is None:
            met = f"not measured ({where})"
        else:
            met = "met" if value <= target else f"not met ({value / target:.2f}x the target)"
        unit = f.unit if f.unit != "x" else "(ratio)"
        rows.append([f.key, number(value), unit, number(target), met])
    print("targets (tests/bench/budgets.txt):")
    print_table(["figure", "measured", "unit", "target", ""], rows)
    return 0


def cmd_target(a: argparse.Namespace, budgets: dict[str, Budget]) -> int:
    print(number(budgets[a.key].target))
    return 0


def cmd_run(a: argparse.Namespace, budgets: dict[str, Budget]) -> int:
    args = list(a.qemu_args)
    if a.mode:
        hyp, guest = images(a)
        if not (hyp and guest):
            raise SystemExit("check_budgets.py run --mode: needs --build-dir, or --hyp and --guest")
        args = guest_args(hyp, guest, a.mode) + args
    why, _ = run(a.qemu, args, a.log, a.timeout, guest=bool(a.mode))
    if why:
        show_failure(a.name or "run", why, a.log, out=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    argv, qemu_args = argv[:cut], argv[cut + 1:]
    commands = ("check", "targets", "target", "run")
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help")):
        argv = ["check"] + argv

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--budgets", type=Path, default=BUDGETS, help="the budgets file (default: %(default)s)")
    common.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-aarch64"))
    common.add_argument("--timeout", type=float, default=RUN_TIMEOUT, help="seconds per run (default %(default)s)")
    common.add_argument("--build-dir", type=Path, help="hyp.bin and tests/guest/guest-bench.Image from here")
    common.add_argument("--hyp", type=Path, help="the hypervisor image (hyp.bin)")
    with_logs = argparse.ArgumentParser(add_help=False)
    with_logs.add_argument("--log", action="append", default=[], metavar="MODE=FILE",
                           help="a captured log of bench=MODE (repeatable); no QEMU run")
    p = sub.add_parser("check", parents=[common, with_logs], help="run (or read) and check the budgets")
    p.add_argument("--guest", type=Path, help="the bench guest (guest-bench.Image)")
    p.add_argument("--log-dir", type=Path, help="keep each run's log here (bench-MODE.log)")
    p = sub.add_parser("targets", parents=[common, with_logs], help="each figure beside its target")
    p.add_argument("--figure", action="append", default=[], metavar="KEY=VALUE", help="a figure measured elsewhere")
    p = sub.add_parser("target", parents=[common], help="print one figure's target")
    p.add_argument("key", choices=list(BY_KEY))
    p = sub.add_parser("run", parents=[common], help="one QEMU run for scripts/bench")
    p.add_argument("--log", type=Path, required=True, help="the run's log")
    p.add_argument("--name", help="the run's name in messages")
    p.add_argument("--guest", type=Path, help="the bench guest (guest-bench.Image), with --mode")
    p.add_argument("--mode", choices=list(MODES), help="boot the bench guest in this mode as the primary VM")
    a = ap.parse_args(argv)
    a.qemu_args = qemu_args
    if qemu_args and a.command != "run":
        ap.error("QEMU options (after --) go with `run` only")
    budgets: dict[str, Budget] = {}
    if a.command != "run":
        try:
            budgets = read_budgets(a.budgets)
        except (OSError, BudgetsError) as e:
            # A failure for check and target; targets (scripts/bench's summary) only says so.
            print(f"{'FAIL: ' if a.command == 'check' else ''}the budgets file is unusable:\n{e}",
                  file=sys.stderr if a.command == "target" else sys.stdout)
            return 0 if a.command == "targets" else 1
    return {"check": cmd_check, "targets": cmd_targets, "target": cmd_target, "run": cmd_run}[a.command](a, budgets)


if __name__ == "__main__":
    sys.exit(main())
