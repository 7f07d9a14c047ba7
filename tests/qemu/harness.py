#!/usr/bin/env python3
"""Boots the hypervisor image under QEMU and checks what it prints on the serial port.

One run: start qemu-system-aarch64 (virt, -nographic -no-reboot, serial on stdout,
captured to a log file), wait for it to exit or kill its process group at the
timeout, then check the log: every --expect regex must match (in order with
--ordered), no --forbid regex may match, and QEMU's exit status must be --status.
Prints one PASS line, or FAIL with the reasons and the last lines of the log.
Exit status 0 on pass, 1 on fail, 2 on a usage error, 77 when every case run was
skipped (a file it needs is missing, e.g. Debian's kernel before scripts/fetch-guest).

A case may boot a kernel as the primary VM through QEMU's guest-loader: a test guest
of the same build (guest="identify": --guest-dir/guest-identify.Image, by default
tests/guest/ beside --image) or a file in the download cache (--cache-dir, .cache/),
with an initramfs (a second guest-loader); or boot that kernel directly on QEMU without
the hypervisor (direct=True). A case may also converse with the guest through the serial
port (interact=((regex, text), ...): once regex shows up in the log, text goes to QEMU's
stdin); ad hoc runs do the same with --send REGEX TEXT.

Named cases (tests/qemu/cases.py), as ctest runs them:
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --case 'smp4 cpu max'
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --case guest-cpu-on-smp4 -v
    tests/qemu/harness.py --list
Ad hoc (the defaults below, then anything after -- ; later QEMU options win):
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --expect 'cpus online: 4/4' -- -smp 4
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --bad-dt no-gic --no-default-forbid \\
        --expect 'fatal:.*GIC' -- -smp 2
    tests/qemu/harness.py --image build/qemu-virt/hyp.bin --machine virt,gic-version=3 \\
        --send 'hyp-demo:/# ' 'poweroff -f\\r' --timeout 60 -- -cpu cortex-a72 -smp 2 \\
        -kernel .cache/debian/Image -initrd .cache/initramfs/shell.cpio.gz -append console=ttyAMA0
"""

from __future__ import annotations

import argparse
import codecs
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
SKIP_STATUS = 77  # ctest's SKIP_RETURN_CODE for these tests (tests/qemu/CMakeLists.txt)
REPO = HERE.parent.parent
POLL_SECONDS = 0.2


def qemu_command(qemu: str, image: str | None, machine: str, extra: list[str] | tuple[str, ...]) -> list[str]:
    """The full QEMU command line: defaults first, then `extra` (which wins)."""
    # -nic none (cases.BASE_ARGS): no default network card, whose ROM a bare machine lacks.
    cmd = [qemu, *cases.BASE_ARGS, "-M", machine, *DEFAULT_ARGS, "-nographic", "-no-reboot"]
    if image:
        cmd += ["-kernel", image]
    return cmd + list(extra)


def read_log(log_path: Path) -> str:
    """The serial log so far, with line ends as \\n. A guest's own "\\r\\n" reaches the log
    as "\\r\\r\\n" when the console adds a CR of its own: still one line end."""
    text = log_path.read_bytes().decode(errors="replace")
    return re.sub(r"\r+\n", "\n", text).replace("\r", "\n")


class LogReader:
    """read_log, incrementally: each call reads only what QEMU wrote since the last, so
    that watching a long (or flooding) log while QEMU runs stays cheap."""

    def __init__(self, log_path: Path) -> None:
        self.file = open(log_path, "rb")
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.held = ""  # trailing CRs: a CR LF may be split across reads
        self.text = ""

    def read(self) -> str:
        chunk = self.held + self.decoder.decode(self.file.read())
        body = chunk.rstrip("\r")
        self.held = chunk[len(body):]
        self.text += re.sub(r"\r+\n", "\n", body).replace("\r", "\n")
        return self.text

    def close(self) -> None:
        self.file.close()


class Interaction:
    """A conversation with the guest over the serial port: steps of (regex, text). Once
    a step's regex matches the log after where the previous step's matched, its text is
    written to QEMU's stdin, and the next step waits."""

    def __init__(self, steps: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> None:
        self.steps = [(re.compile(pattern, re.MULTILINE), text) for pattern, text in steps]
        self.done = 0  # steps whose text has been sent
        self.pos = 0  # where the next step's regex starts looking

    def poll(self, log: str, stdin) -> None:
        while self.done < len(self.steps):
            pattern, text = self.steps[self.done]
            m = pattern.search(log, self.pos)
            if not m:
                return
            try:
                stdin.write(text.encode())
                stdin.flush()
            except (BrokenPipeError, OSError):
                return  # QEMU has gone; problems() says which step was not sent
            self.pos = m.end()
            self.done += 1

    def problems(self) -> list[str]:
        if self.done == len(self.steps):
            return []
        pattern, text = self.steps[self.done]
        where = f" after step {self.done}'s match" if self.done else ""
        return [f"interaction step {self.done + 1} of {len(self.steps)}: /{pattern.pattern}/ not seen"
                f"{where}, so {text!r} was not sent"]


def run_qemu(cmd: list[str], timeout: float, log_path: Path,
             interaction: Interaction | None = None) -> tuple[int | None, float, str]:
    """Runs QEMU with its stdout (the serial console) going to log_path.

    With an interaction, QEMU's stdin (the serial port's input) is a pipe that the
    interaction's steps write to as the log shows what they wait for. Returns (exit
    status or None on timeout, seconds taken, QEMU's stderr)."""
    start = time.monotonic()
    with open(log_path, "wb") as log, tempfile.TemporaryFile() as err:
        # A session of its own, so that a timeout kills QEMU and anything it started;
        # no stdin (unless the case talks to the guest), so that -nographic neither
        # waits for a terminal nor changes one.
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if interaction else subprocess.DEVNULL,
                                stdout=log, stderr=err, start_new_session=True)
        try:
            if interaction is None:
                status = proc.wait(timeout=timeout)
            else:
                status = None
                deadline = start + timeout
                reader = LogReader(log_path)
                while status is None and time.monotonic() < deadline:
                    try:
                        status = proc.wait(timeout=POLL_SECONDS)
                    except subprocess.TimeoutExpired:
                        text = reader.read()
                        interaction.poll(text, proc.stdin)
                reader.close()
        except subprocess.TimeoutExpired:
            status = None
        except KeyboardInterrupt:
            _kill_group(proc)
            raise
        finally:
            if proc.poll() is None:
                _kill_group(proc)
            if proc.stdin:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
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


def run(name: str, *, image: str | None, qemu: str, dtc: str, machine: str, args: list[str],
        expect: list[str], forbid: list[str], ordered: bool, status: int, timeout: float,
        bad_dt_kind: str | None, files: dict[str, bytes], log_path: Path | None,
        verbose: bool,
        interact: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()) -> bool:
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

        interaction = Interaction(interact) if interact else None
        exit_status, elapsed, stderr = run_qemu(cmd, timeout, log_path, interaction)
        log = read_log(log_path)

    problems = interaction.problems() if interaction else []
    if exit_status is None:
        problems.append(f"timed out after {timeout:g} s (QEMU killed)")
    elif exit_status != status:
        problems.append(f"QEMU exited with status {exit_status}, expected {status}")
    problems += check_log(log, expect, forbid, ordered)

    if not problems:
        talk = f"{len(interaction.steps)} interaction step(s) done, " if interaction else ""
        print(f"PASS {name}: {talk}{len(expect)} expected pattern(s) seen, none forbidden, "
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


def _expand(path: str, cache_dir: Path) -> str:
    return path.replace("{cache}", str(cache_dir))


def _qemu_opt_value(value: str) -> str:
    """A value inside a QEMU -device option list: commas are doubled."""
    return value.replace(",", ",,")


def after_image(base: int, image: Path) -> int:
    """The first 2 MiB boundary after an arm64 Image loaded at base: past the file and
    past the header's image_size (the kernel's whole footprint, BSS included)."""
    size = image.stat().st_size
    with open(image, "rb") as f:
        header = f.read(24)
    if len(header) == 24:
        size = max(size, int.from_bytes(header[16:24], "little"))
    align = 2 << 20
    return (base + size + align - 1) // align * align


def primary_vm_args(case: cases.Case, guest_dir: Path, cache_dir: Path) -> list[str]:
    """The QEMU options a case adds for its primary VM's kernel, its initramfs and the
    hypervisor's command line: `-device guest-loader,...` and `-append ...`; for a
    direct case, `-kernel`, `-initrd` and `-append` (the kernel's command line)."""
    args: list[str] = []
    if case.guest and case.kernel:
        raise ValueError(f"case {case.name}: guest and kernel are exclusive")
    kernel = None
    if case.guest:
        kernel = guest_dir / f"guest-{case.guest}.Image"
        if not kernel.is_file():
            raise FileNotFoundError(f"test guest {kernel} not found (build it: scripts/build qemu-virt)")
    elif case.kernel:
        kernel = Path(_expand(case.kernel, cache_dir))
        if not kernel.is_file():
            raise FileNotFoundError(f"kernel {kernel} not found")
    initrd = None
    if case.initrd:
        initrd = Path(_expand(case.initrd, cache_dir))
        if not initrd.is_file():
            raise FileNotFoundError(f"initrd {initrd} not found")
    if case.direct:
        if kernel is None:
            raise ValueError(f"case {case.name}: direct needs a kernel or guest")
        args += ["-kernel", str(kernel)]
        if initrd is not None:
            args += ["-initrd", str(initrd)]
        if case.bootargs:
            args += ["-append", case.bootargs]
        return args
    if kernel is not None:
        loader = f"guest-loader,addr={cases.MODULE_ADDR:#x},kernel={_qemu_opt_value(str(kernel))}"
        if case.bootargs:
            loader += f",bootargs={_qemu_opt_value(case.bootargs)}"
        args += ["-device", loader]
        if initrd is not None:
            addr = after_image(cases.MODULE_ADDR, kernel)
            args += ["-device", f"guest-loader,addr={addr:#x},initrd={_qemu_opt_value(str(initrd))}"]
    elif initrd is not None:
        raise ValueError(f"case {case.name}: an initrd needs a kernel")
    if case.append:
        args += ["-append", case.append]
    return args


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
    ap.add_argument("--send", nargs=2, action="append", default=[], metavar=("RE", "TEXT"),
                    help="once RE matches the log (after the previous --send's match), write TEXT "
                         "to the serial port; Python escapes such as \\r and \\x03 are decoded "
                         "(repeatable, in order)")
    ap.add_argument("--status", type=int, default=0, help="QEMU's expected exit status (default 0)")
    ap.add_argument("--timeout", type=float, help="seconds before QEMU is killed (default 60, or the case's)")
    ap.add_argument("--machine", default=DEFAULT_MACHINE, help="the -M value for ad hoc runs (default: %(default)s)")
    ap.add_argument("--bad-dt", metavar="KIND", choices=sorted(bad_dt.TRANSFORMS),
                    help=f"boot with a broken device tree: {', '.join(bad_dt.TRANSFORMS)}")
    ap.add_argument("--log", type=Path, help="keep the serial log in this file (ad hoc run)")
    ap.add_argument("--log-dir", type=Path, help="keep each case's serial log in this folder")
    ap.add_argument("--guest-dir", type=Path,
                    help="where the test guests are (default: tests/guest/ beside --image)")
    ap.add_argument("--cache-dir", type=Path, default=REPO / ".cache",
                    help="the download cache, {cache} in cases.py (default: %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the command and the whole log")
    # Everything after the first -- goes to QEMU untouched.
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    a.qemu_args = argv[cut + 1:]

    if a.list_cmake:  # for tests/qemu/CMakeLists.txt: name|timeout|cores|enabled (1 or 0)
        for c in cases.CASES:
            print(f"{c.name}|{math.ceil(c.timeout)}|{c.cores}|{int(c.enabled)}")
        return 0
    if a.list:
        for c in cases.CASES:
            what = "DISABLED, " if not c.enabled else ""
            what += "direct, " if c.direct else ""
            what += f"bad dt {c.bad_dt}, " if c.bad_dt else ""
            what += f"guest {c.guest}, " if c.guest else ""
            what += f"kernel {c.kernel}, " if c.kernel else ""
            what += f"initrd {c.initrd}, " if c.initrd else ""
            what += f"{len(c.interact)} interaction steps, " if c.interact else ""
            extra = ["-append", c.append] if c.append else []
            print(f"{c.name:26} {what}-M {c.machine} {shlex.join(list(c.args) + extra)}")
        return 0
    if not a.image:
        ap.error("--image is required")

    for pattern in a.expect + a.forbid + [re_ for re_, _ in a.send]:
        try:
            re.compile(pattern)
        except re.error as e:
            ap.error(f"bad regex {pattern!r}: {e}")

    # --all leaves out the disabled cases (ctest does too); --case runs any.
    selected = [c for c in cases.CASES if c.enabled] if a.all else []
    for name in a.case:
        if name not in cases.BY_NAME:
            ap.error(f"no case named {name!r}; --list shows them")
        selected.append(cases.BY_NAME[name])

    # Direct cases boot no hypervisor: they run without one built.
    if not Path(a.image).is_file() and (not selected or not all(c.direct for c in selected)):
        print(f"FAIL: image {a.image} not found (build it: scripts/build qemu-virt)")
        return 1

    ok = True
    if selected:
        if a.expect or a.forbid or a.qemu_args or a.bad_dt or a.send:
            ap.error("--case/--all take no --expect, --forbid, --send, --bad-dt or QEMU options")
        guest_dir = a.guest_dir or Path(a.image).parent / "tests" / "guest"
        ran = 0
        for c in selected:
            missing = [f for f in (_expand(n, a.cache_dir) for n in c.needs) if not Path(f).is_file()]
            if missing and os.environ.get("HYP_REQUIRE_GUEST") == "1":
                # scripts/test fetched the guest files first: one missing is a failure.
                print(f"FAIL qemu: {c.name}: {', '.join(missing)} not found, though scripts/fetch-guest "
                      f"ran (HYP_REQUIRE_GUEST=1)")
                ok = False
                continue
            if missing:
                print(f"SKIP qemu: {c.name}: {', '.join(missing)} not found (scripts/fetch-guest fetches it; "
                      f"a partial run skips the case, scripts/test fails it)")
                continue
            ran += 1
            log = a.log_dir / f"{_slug(c.name)}.log" if a.log_dir else None
            # A case may boot another image of the same build (hyp-selftest.bin), or none.
            image = str(Path(a.image).with_name(c.image)) if c.image else a.image
            if c.direct:
                image = None
            try:
                vm_args = primary_vm_args(c, guest_dir, a.cache_dir)
            except (FileNotFoundError, ValueError) as e:
                print(f"FAIL qemu: {c.name}: {e}")
                ok = False
                continue
            ok &= run(f"qemu: {c.name}", image=image, qemu=a.qemu, dtc=a.dtc, machine=c.machine,
                      args=list(c.args) + vm_args, expect=list(c.expect), forbid=list(c.forbid),
                      ordered=c.ordered, status=c.status, timeout=a.timeout or c.timeout,
                      bad_dt_kind=c.bad_dt, files=c.files, log_path=log, verbose=a.verbose,
                      interact=c.interact)
        if ok and ran == 0:
            return SKIP_STATUS
    else:
        forbid = list(cases.NO_CRASH if a.no_default_forbid else cases.HEALTHY) + a.forbid
        ok = run("ad hoc", image=a.image, qemu=a.qemu, dtc=a.dtc, machine=a.machine,
                 args=a.qemu_args, expect=a.expect, forbid=forbid, ordered=a.ordered,
                 status=a.status, timeout=a.timeout or 60, bad_dt_kind=a.bad_dt, files={},
                 log_path=a.log, verbose=a.verbose,
                 interact=[(re_, text.encode("latin-1", "backslashreplace").decode("unicode_escape"))
                           for re_, text in a.send])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
