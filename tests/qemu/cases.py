"""The QEMU boot tests: what each boots and what its serial log must show.

tests/qemu/CMakeLists.txt registers one ctest test per case ("qemu: NAME", label
qemu); `tests/qemu/harness.py --case NAME` runs one by hand and `--list` lists them.

The image's output is a contract with the hypervisor:
  * a normal boot prints `cpus online: N/N` for N = -smp, a summary with a line that
    starts `platform:`, names the GIC (GICv3) and the console (PL011), and lists the
    guest-loader modules (kind and bootargs); then it powers off with PSCI SYSTEM_OFF,
    so QEMU exits with status 0;
  * it never prints PANIC, UNEXPECTED EXCEPTION or fatal on a good machine;
  * entered at EL1 it says `entered at EL1 ... needs EL2` and powers off;
  * a device tree it cannot run on gives one line `fatal: ...` that names the problem,
    then it powers off;
  * with a guest-loader kernel module, the resource manager boots it as the primary VM
    (tests/guest: each test guest ends with one line `guest NAME: PASS` or
    `guest NAME: FAIL: ...` and powers off; the RM then powers the machine off); with
    none, it says `RM: no primary VM kernel` and powers off;
  * Debian's kernel with check.cpio.gz (tests/initramfs) as the primary VM prints one
    `initramfs-check: PASS ...` line, or `initramfs-check: FAIL: ...`, and powers off;
    with shell.cpio.gz it answers commands typed on the serial port (`interact`) and
    `poweroff -f` ends QEMU with status 0. Cases with `direct=True` boot the same
    without the hypervisor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# QEMU virt as scripts/run boots it. Options in a case's `args` come after these and win
# (QEMU merges repeated -M options and keeps the last -smp, -cpu and -m).
DEFAULT_MACHINE = "virt,virtualization=on,gic-version=3"
DEFAULT_ARGS = ("-cpu", "max", "-smp", "4", "-m", "1G")
# On every command line, first (scripts/run and scripts/bench write the same): no
# network card. Without -nic, virt adds a virtio-net card whose option ROM comes from
# ipxe-qemu, which qemu-system-arm only recommends; a bare Debian machine lacks it and
# QEMU would not start. check_command_lines.py checks every command line the project builds.
BASE_ARGS = ("-nic", "none")

# Never in the log of a good boot.
HEALTHY = ("PANIC", "UNEXPECTED EXCEPTION", "fatal")
# Never in the log of a boot that is meant to stop with `fatal:`.
NO_CRASH = ("PANIC", "UNEXPECTED EXCEPTION")

# guest-loader puts its module at an address of our choosing: 0x50000000 is inside RAM
# for -m 512M and up, and clear of the hypervisor (RAM base + 2 MiB) and of the DTB that
# QEMU places at RAM base + 128 MiB (0x48000000).
MODULE_ADDR = 0x50000000


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...] = ()  # QEMU options after the defaults; {tmp} is the case's scratch dir
    expect: tuple[str, ...] = ()  # regexes (re.MULTILINE) that must each match the log
    forbid: tuple[str, ...] = HEALTHY  # regexes that must not match anywhere
    ordered: bool = False  # the expect patterns must match in this order
    status: int = 0  # QEMU's expected exit status
    timeout: float = 60  # seconds of wall clock before the harness kills QEMU
    machine: str = DEFAULT_MACHINE  # the -M value
    bad_dt: str | None = None  # a transform from bad_dt.py: boot with that broken DTB
    files: dict[str, bytes] = field(default_factory=dict, hash=False)  # written to {tmp}
    cores: int = 1  # host cores the case keeps busy (ctest PROCESSORS)
    image: str | None = None  # another image beside --image to boot (e.g. hyp-selftest.bin)
    # The primary VM's kernel, loaded by QEMU's guest-loader at MODULE_ADDR: `guest` names
    # a test guest of the same build (tests/guest/guest-NAME.Image), `kernel` any other
    # file ({cache}: the download cache, .cache/). `bootargs` become its command line.
    guest: str | None = None
    kernel: str | None = None
    bootargs: str | None = None
    append: str | None = None  # the hypervisor's command line (-append)
    needs: tuple[str, ...] = ()  # files ({cache}/...) without which the case is skipped
    # The primary VM's initramfs, loaded by a second guest-loader (initrd=) at the first
    # 2 MiB boundary after the kernel ({cache} as for `kernel`).
    initrd: str | None = None
    # Boot `kernel` (and `initrd`, with `bootargs` as -append) directly on QEMU, without
    # the hypervisor: what the guest does on its own, to compare with.
    direct: bool = False
    # A conversation on the serial console: for each (regex, text) in turn, once the regex
    # matches the log after the previous step's match, the harness writes text to QEMU's
    # stdin (the serial port). Every step must happen before the timeout.
    interact: tuple[tuple[str, str], ...] = ()
    # False keeps the case out of ctest (registered there as DISABLED) and out of --all;
    # --case NAME still runs it.
    enabled: bool = True


def _online(n: int) -> str:
    return rf"cpus online: {n}/{n}\b"


def _boot(name: str, smp: int, *args: str, timeout: float = 60, cores: int = 1,
          expect: tuple[str, ...] = ()) -> Case:
    return Case(name, ("-smp", str(smp)) + args, expect + (_online(smp),),
                timeout=timeout, cores=cores)


def _fatal(name: str, bad_dt: str, word: str, *args: str) -> Case:
    return Case(name, ("-smp", "2") + args, (rf"fatal:.*{word}",), forbid=NO_CRASH, bad_dt=bad_dt)


CASES: list[Case] = [
    # Normal boots: every CPU comes online, and the hypervisor powers off cleanly.
    _boot("smp1", 1),
    _boot("smp4 cpu max", 4, "-cpu", "max", "-m", "1G"),
    _boot("smp3 cortex-a57 768M", 3, "-cpu", "cortex-a57", "-m", "768M"),
    _boot("smp8 cortex-a72 2G", 8, "-cpu", "cortex-a72", "-m", "2G", cores=2),
    _boot("smp2 512M", 2, "-m", "512M"),
    _boot("smp2 4G", 2, "-m", "4G"),
    _boot("platform summary", 4, expect=(r"device tree at 0x[0-9a-f]+, board qemu-virt$", r"^platform:", r"(?i)gicv3", r"(?i)pl011",
                                         r"hyp: memdb: \d+ MiB tracked .* root partition owns 10\d\d MiB "
                                         r".* and 1008 MiB of device memory in 3 ranges$")),
    Case("guest-loader module",
         ("-smp", "2", "-device",
          f"guest-loader,addr={MODULE_ADDR:#x},kernel={{tmp}}/module.bin,bootargs=console=ttyAMA0"),
         (r"(?i)module.*kernel", r"console=ttyAMA0", _online(2)),
         files={"module.bin": bytes(range(256)) * 16}),
    # Started at EL1 (no virtualization=on): refuse, say why, power off.
    Case("entered at EL1", ("-smp", "2"), (r"entered at EL1.*EL2",), forbid=NO_CRASH,
         machine="virt,gic-version=3"),
    # Device trees it cannot run on: one fatal line naming the problem, then power off.
    # One image, the board chosen from the DTB: QEMU's tree named as a Qualcomm sc7280 board
    # takes that board's entry (no early UART, stage-2 blocks, SiP forwarding) and still
    # boots a guest, its console found by discovery. The primary VM gets the board's tree
    # and its devices at IPA = PA, but not the GIC's ITS or the SMMU, which the hypervisor keeps.
    Case("board from the DTB: qcom-sc7280", ("-smp", "2"),
         (r"^hyp: EL2 hypervisor on board qcom-sc7280, device tree at 0x[0-9a-f]+: its first console lines",
          r"stage 2: .*blocks where they fit",
          r"^guest devices: a board tree",
          r"^guest devices:   ok   PL031 PeriphID0/1 read through",
          r"^guest devices:   ok   alarm 2: INTID 34 after",
          r"^guest devices:   ok   the SMMUv3 node is disabled",
          r"^guest devices:   ok   the SMMUv3 at 0x9050000: a read aborts",
          r"^guest devices: PASS$"),
         forbid=HEALTHY + ("FAIL",), bad_dt="compatible-sc7280", guest="devices",
         machine="virt,virtualization=on,gic-version=3,iommu=smmuv3"),
    _fatal("bad dt: no GIC", "no-gic", "GIC"),
    _fatal("bad dt: GICv2 node", "gicv2", "GICv2"),
    _fatal("bad dt: no usable RAM", "all-ram-reserved", "RAM"),
    _fatal("bad dt: cpu without reg", "cpu-no-reg", r"\breg\b"),
    # "length" is the contract's word; the discovery code words it "reg is 28 bytes, not a
    # multiple of 16", which names the same problem.
    _fatal("bad dt: GIC reg length", "gic-reg-length", r"\breg\b.*(?:length|\d+ bytes)"),
    # A real GICv2 machine, as QEMU describes it itself.
    Case("gic-version=2 machine", ("-smp", "2"), (r"fatal:.*GICv2",), forbid=NO_CRASH,
         machine="virt,virtualization=on,gic-version=2"),
]


# In-kernel self-tests (tests/selftest), linked only into hyp-selftest.bin and chosen
# with the hypervisor command line. The fatal paths must say what happened and where.
def _selftest(test: str, *expect: str) -> Case:
    return Case(f"selftest: {test}", ("-smp", "2", "-append", f"selftest={test}"),
                (rf"selftest {test}: start",) + expect, forbid=("fatal",), ordered=True,
                image="hyp-selftest.bin")


_REGISTER_DUMP = (r"x0  0x[0-9a-f]{16}   x1  0x[0-9a-f]{16}", r"x30 0x[0-9a-f]{16}   sp  0x[0-9a-f]{16}")
CASES += [
    _selftest("el2-data-abort",
              r"UNEXPECTED EXCEPTION on cpu 0: synchronous from current EL with SP_EL2",
              r"EC 0x25 \(data abort at EL2\)", r"translation fault on a read",
              r"FAR_EL2  0x0000dead00000000", r"ELR_EL2  0x[0-9a-f]{16} \(hyp\.elf\+0x[0-9a-f]+\)",
              r"mode EL2h",
              _REGISTER_DUMP[0], r"x9  0x0000000000001234", _REGISTER_DUMP[1],
              r"PANIC on cpu 0 at arch/aarch64/exception\.cpp:\d+"),
    _selftest("write-to-text", r"EC 0x25 \(data abort at EL2\)", r"permission fault on a write"),
    _selftest("undefined-instruction", r"EC 0x00 \(unknown reason\)", *_REGISTER_DUMP, r"PANIC"),
    _selftest("panic", r"PANIC on cpu 0 at tests/selftest/fault_selftests\.cpp:\d+: deliberate panic with value 42",
              r"powering off"),
    _selftest("assert", r"PANIC on cpu 0 at tests/selftest/fault_selftests\.cpp:\d+: "
                        r"assertion failed: never_true_at_run_time\(x\) == 0"),
    # Stage-2 tables built by kernel/mem, walked by the CPU (AT S12E1R/W) and compared.
    Case("selftest: stage2-walk cpu max", ("-cpu", "max", "-smp", "2", "-append", "selftest=stage2-walk"),
         (r"stage2-walk: PASS: \d+ hardware walks agree", _online(2)), forbid=HEALTHY + ("FAIL", "mismatch"),
         image="hyp-selftest.bin"),
    Case("selftest: stage2-walk cortex-a57", ("-cpu", "cortex-a57", "-smp", "2", "-append", "selftest=stage2-walk"),
         (r"44-bit PA", r"stage2-walk: PASS: \d+ hardware walks agree"), forbid=HEALTHY + ("FAIL", "mismatch"),
         image="hyp-selftest.bin"),
    # A program at EL1 makes hypercalls through HVC #0, HVC #0x6nnn and a trapped SMC: 14, of
    # which the two hyp_identify over HVC are answered in the EL2 vector without a trap.
    Case("selftest: el1-hypercalls cpu max", ("-cpu", "max", "-smp", "2", "-append", "selftest=el1-hypercalls"),
         (r"el1-hypercalls: PASS: 12 traps from EL1 handled, nothing leaked", _online(2)),
         forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    Case("selftest: el1-hypercalls cortex-a57", ("-cpu", "cortex-a57", "-smp", "1", "-append",
                                                 "selftest=el1-hypercalls"),
         (r"el1-hypercalls: PASS",), forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    # Two EL1 contexts take turns on one CPU: general, EL1 system and FP/SIMD registers survive.
    Case("selftest: vcpu-switch cpu max", ("-cpu", "max", "-smp", "2", "-append", "selftest=vcpu-switch"),
         (r"vcpu-switch: PASS: 400 switches",), forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    Case("selftest: vcpu-switch cortex-a57", ("-cpu", "cortex-a57", "-smp", "1", "-append", "selftest=vcpu-switch"),
         (r"vcpu-switch: PASS: 400 switches",), forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    # Interrupts at EL2: the CNTHP timer PPI and SGIs to every CPU, through the IRQ vector.
    Case("selftest: el2-timer cpu max", ("-cpu", "max", "-smp", "2", "-append", "selftest=el2-timer"),
         (r"el2-timer: PASS: 10 interrupts, first after \d+ ticks", _online(2)), forbid=HEALTHY + ("FAIL",),
         image="hyp-selftest.bin"),
    Case("selftest: el2-timer cortex-a57", ("-cpu", "cortex-a57", "-smp", "2", "-append", "selftest=el2-timer"),
         (r"el2-timer: PASS: 10 interrupts, first after \d+ ticks", _online(2)), forbid=HEALTHY + ("FAIL",),
         image="hyp-selftest.bin"),
    Case("selftest: sgi cpu max smp4", ("-cpu", "max", "-smp", "4", "-append", "selftest=sgi"),
         (_online(4), r"sgi: PASS: 4 CPUs answered"), forbid=HEALTHY + ("FAIL", "no handler"),
         image="hyp-selftest.bin"),
    Case("selftest: sgi cortex-a57 smp2", ("-cpu", "cortex-a57", "-smp", "2", "-append", "selftest=sgi"),
         (_online(2), r"sgi: PASS: 2 CPUs answered"), forbid=HEALTHY + ("FAIL", "no handler"),
         image="hyp-selftest.bin"),
    _boot("GICv3 bring-up smp4", 4, expect=(r"hyp: GICv3: 4 redistributors, 4 CPUs' CPU interfaces up",)),
    # The benchmark self-test must run to the end (its figures are scripts/bench's job).
    Case("selftest: bench-stage2 runs", ("-smp", "1", "-append", "selftest=bench-stage2"),
         (r"bench: stage-2 map one 4 KiB page +\d+ ns/op", r"bench: stage-2 unmap one 2 MiB block +\d+ ns/op"),
         forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    Case("selftest: bench-hypercall runs", ("-smp", "1", "-append", "selftest=bench-hypercall"),
         (r"bench: null hypercall round trip from EL1 +\d+ ns/op", r"bench: same, with a vCPU context switch +\d+"),
         forbid=HEALTHY + ("FAIL",), image="hyp-selftest.bin"),
    Case("selftest: unknown name", ("-smp", "2", "-append", "selftest=no-such-test"),
         (r'no selftest named "no-such-test"', r"^error:   panic", _online(2)), image="hyp-selftest.bin"),
    Case("selftest: none in the production image", ("-smp", "2", "-append", "selftest=panic"),
         (r"this image has no self-tests", _online(2)), forbid=("PANIC",)),
    Case("unknown command-line option", ("-smp", "2", "-append", "frobnicate=1"),
         (r'unknown command-line option "frobnicate"', _online(2))),
]


# Test guests (tests/guest) as the primary VM, on one and on four physical CPUs; the RM
# gives the VM one vCPU per physical CPU unless told `rm.vcpus=N`. Each guest prints
# `guest NAME: ...` lines and exactly one verdict; any FAIL in the log fails the case.
def _guest(name: str, smp: int, *expect: str, append: str | None = None, suffix: str = "") -> Case:
    return Case(f"guest-{name}-smp{smp}{suffix}", ("-smp", str(smp)), expect + (rf"^guest {name}: PASS$",),
                forbid=HEALTHY + ("FAIL",), guest=name, append=append, cores=2 if smp >= 4 else 1)


CASES += [
    *(_guest(name, smp) for name in ("identify", "fault", "bad-args") for smp in (1, 4)),
    # QEMU virt: the RM's own tree, and no physical device in the primary VM.
    _guest("devices", 2, r"^guest devices: the RM's own tree"),
    # The smallest guest says where it runs: vCPU 0, at EL1, its image and device tree where
    # the RM said it put them.
    # (The two VMs' lines may come in either order.)
    *(_guest("hello", smp, r"(?s)\A(?=.*RM: primary VM started: [^\n]* kernel at (0x[0-9a-f]+), DT at (0x[0-9a-f]+))"
                           r"(?=.*^guest hello: hello from vCPU 0 at EL1: image at \1\.\.0x[0-9a-f]+, "
                           r"device tree at \2$)")
      for smp in (1, 4)),
    # The primary VM's RPC link to the RM, as Linux's Gunyah driver uses it: requests,
    # replies, fragments, garbage, the caps' rights, a full queue, 100 round trips.
    *(_guest("rm-rpc", smp, r"^guest rm-rpc: RM link: tx cap 0x[0-9a-f]+, rx cap 0x[0-9a-f]+, tx INTID \d+, rx INTID \d+$",
             r"^guest rm-rpc:   ok   100 VM_GET_VMID round trips") for smp in (1, 2)),
    # A VMM in the primary VM: a secondary VM's whole life through the RM and vcpu_run, one
    # stopped, one the hypervisor schedules, a doorbell rung into the peer guest (a second
    # secondary VM), refusals, a hostile client, then 200 lives with the hypervisor's
    # counts unchanged and the RM's pools empty at the end. On -smp 2, a secondary vCPU
    # whose FP/SIMD state moves between the physical CPUs at each of its exits.
    *(_guest("vmm", smp, r"^\[vm 128\] tiny vm: hello$", r"^guest vmm: vcpu_run: powered off after 5 MMIO exits",
             r"^guest vmm: the tiny VM's FP/SIMD registers were intact in all 40 checks, run from vCPU"
             + ("s 0 and 1 in turn" if smp > 1 else " 0 only"),
             r"^\[vm 128\] guest peer: PASS$",
             r"^guest vmm:   ok   200 of 200 create/run/destroy cycles",
             r"^guest vmm:   ok   the hypervisor's free memory, objects and caps are as before the cycles",
             r"^\[vm 255\] RM: in use at power-off: 0 of 8 VM slots, 0 of 64 parcels, 0 of 30 wake-up SPIs, "
             r"0 RPC links; 0 teardown failures$",
             append="hyp.debug_calls=1") for smp in (1, 2)),
    _guest("cpu-on", 1, r"^guest cpu-on: 1 vCPUs$"),
    _guest("cpu-on", 4, r"^guest cpu-on: 4 vCPUs$"),
    # More vCPUs than physical CPUs: they must still all come and go.
    _guest("cpu-on", 2, r"^guest cpu-on: 8 vCPUs$", append="rm.vcpus=8", suffix="-8vcpus"),
    # Eight vCPUs that never yield, on fewer physical CPUs: only time slicing lets each run.
    # Each keeps its own FP/SIMD values, switched lazily (the default) or, with hyp.fp=eager,
    # at every switch.
    *(_guest("timeshare", smp, r"^guest timeshare: 8 vCPUs", r"^guest timeshare: FP/SIMD registers .* intact",
             append="rm.vcpus=8") for smp in (1, 2, 4)),
    _guest("timeshare", 2, r"^guest timeshare: 8 vCPUs", r"^guest timeshare: FP/SIMD registers .* intact",
           r"hyp: cpu 0 .* 0 FP traps;", append="rm.vcpus=8 hyp.fp=eager", suffix="-eager"),
    # Random accesses to the distributor and each vCPU's redistributor, then a timer interrupt.
    *(_guest("gic-fuzz", smp, rf"^guest gic-fuzz: {smp} vCPUs, seed") for smp in (1, 4)),
    # Thousands of SGIs between the vCPUs (and to itself on one), also with more vCPUs than CPUs.
    # (Not yet on -smp 4: there each SGI to a vCPU on another physical CPU took 20-100 ms
    # under TCG on a loaded 2-core host, and 500 per vCPU did not finish in 60 s.)
    _guest("sgi-storm", 1, r"^guest sgi-storm: 1 vCPUs"),
    _guest("sgi-storm", 2, r"^guest sgi-storm: 4 vCPUs", append="rm.vcpus=4", suffix="-4vcpus"),
    # The benchmark guest must run to the end (its figures are scripts/bench's job, under -icount).
    Case("guest-bench-runs", ("-smp", "1"), (r"^bench: null hypercall .* \d+ instructions", r"^bench: vCPU switch",
                                              r"^bench: RPC round trip .* \d+ instructions",
                                              r"^guest bench: PASS$"),
         forbid=HEALTHY + ("FAIL", "BAD"), guest="bench", bootargs="bench=switch,rpc", append="rm.vcpus=2"),
    # No guest-loader module: nothing to boot.
    Case("rm-no-module", ("-smp", "2"), (r"RM: no primary VM kernel",)),
]


# Debian's kernel with the initramfs archives of tests/initramfs (scripts/fetch-guest
# builds them into .cache/initramfs/), under the hypervisor and directly on QEMU, on
# cortex-a72 (under -cpu max QEMU's pointer-authentication emulation makes Linux several
# times slower). check.cpio.gz ends with one `initramfs-check: PASS ...` or
# `initramfs-check: FAIL: ...` line and powers off; shell.cpio.gz is driven through the
# serial port. The cases through the hypervisor wait for its virtual GIC (Linux stops at
# the GIC without one): LINUX_UNDER_HYPERVISOR enables them when it lands.
LINUX_UNDER_HYPERVISOR = True  # True once the vGIC lands: enables linux-check-smp1/4, linux-shell
DEBIAN_IMAGE = "{cache}/debian/Image"
LINUX_FORBID = HEALTHY + ("Kernel panic", "initramfs-check: FAIL", r"^slept")
SHELL_PROMPT = r"hyp-demo:/# "


def _initramfs(name: str) -> str:
    return f"{{cache}}/initramfs/{name}.cpio.gz"


def _linux(name: str, smp: int, initrd: str, bootargs: str, *expect: str, direct: bool = False,
           interact: tuple[tuple[str, str], ...] = (), enabled: bool = True, timeout: float | None = None,
           cores: int | None = None, forbid: tuple[str, ...] = LINUX_FORBID, bad_dt: str | None = None,
           machine: str | None = None) -> Case:
    # Generous: Linux takes seconds directly on QEMU, more through the hypervisor.
    return Case(name, ("-cpu", "cortex-a72", "-smp", str(smp)), expect, forbid=forbid,
                timeout=timeout or (90 if direct else 180), cores=cores or (2 if smp >= 4 else 1),
                kernel=DEBIAN_IMAGE,
                initrd=_initramfs(initrd), bootargs=f"console=ttyAMA0 earlycon panic=-1 {bootargs}".strip(),
                needs=(DEBIAN_IMAGE, _initramfs(initrd)), direct=direct, interact=interact,
                enabled=enabled, machine=machine or ("virt,gic-version=3" if direct else DEFAULT_MACHINE),
                bad_dt=bad_dt)


def _linux_check(smp: int, direct: bool = False) -> Case:
    # Under the hypervisor the device tree must also show the RM's queue pair.
    gunyah = () if direct else (r"^initramfs-check: PASS .*gunyah: hypervisor node \(gunyah-hypervisor .*"
                                r"resource manager gunyah-resource-mgr@\w+: tx cap \d+, rx cap \d+, "
                                r"SPIs \d+/\d+ edge",)
    return _linux(f"linux-check{'-direct' if direct else ''}-smp{smp}", smp, "check",
                  f"check.cpus={smp}" + ("" if direct else " check.gunyah=1"),
                  rf"^initramfs-check: cpus: online \S+ = {smp}, expected {smp}$",
                  rf"^initramfs-check: PASS {smp}/{smp} CPUs online", *gunyah, direct=direct,
                  enabled=direct or LINUX_UNDER_HYPERVISOR)


# Debian's kernel as the primary VM of a board: QEMU's own tree named as a Qualcomm sc7280
# (the case "board from the DTB: qcom-sc7280" above), so the RM gives the VM the board's
# tree, its device memory at IPA = PA and every SPI. Linux's own drivers then use QEMU's
# devices through the hypervisor: the PL031 (its clock), the PCIe host (its ECAM below
# RAM: highmem=off, as device memory stops at the top of RAM), and gunyah.ko over the RM
# link the board tree's /hypervisor names.
def _linux_board_dt() -> Case:
    return _linux("linux-board-dt", 2, "check", "check.cpus=2 check.gunyah=1",
                  r"^\[ *[\d.]+\] rtc-pl031 9010000\.pl031: setting system clock to",
                  r"pci-host-generic 3f000000\.pcie: ECAM at \[mem 0x3f000000-0x3fffffff\]",
                  r"^\[ *[\d.]+\] gunyah: /dev/gunyah ready$",
                  r"^initramfs-check: PASS 2/2 CPUs online", bad_dt="compatible-sc7280",
                  machine=DEFAULT_MACHINE + ",highmem=off")


# Type a command and read its answer, interrupt a foreground job with Ctrl-C (the shell
# and init survive it), check the shell still answers, then power off from the shell.
SHELL_SESSION = (
    (SHELL_PROMPT, "cat /proc/cpuinfo\r"),
    (r"^processor\s*:\s*1\b[\s\S]*?" + SHELL_PROMPT, "sleep 30; echo slept\r"),
    (r"sleep 30; echo slept\n", "\x03"),
    (SHELL_PROMPT, "echo shell-$((6 * 7))\r"),
    (r"^shell-42$[\s\S]*?" + SHELL_PROMPT, "poweroff -f\r"),
)


def _linux_shell(direct: bool = False) -> Case:
    return _linux(f"linux-shell{'-direct' if direct else ''}", 2, "shell", "",
                  r"Gunyah-style hypervisor demo: Debian \S+ on 2 CPUs", r"^processor\s*:\s*1\b",
                  r"^shell-42$", r"reboot: Power down", direct=direct, interact=SHELL_SESSION,
                  enabled=direct or LINUX_UNDER_HYPERVISOR)


# A second Linux from the primary's shell (issue 12): gunyah.ko (loaded by the shell
# image's init), the VMM (vmm/) and Debian's kernel with tests/initramfs/vm as a
# secondary VM on 2 vCPUs, its console on this serial port through the VMM's PL011:
#   1. `second-linux` boots it to its shell, which answers; `poweroff -f` in it returns
#      to the primary's shell with the VMM's status 0;
#   2. a VMM killed by SIGKILL while that Linux boots: the driver's teardown stops,
#      resets and reclaims the VM (status 137, and the primary goes on);
#   3. 20 start/stop cycles of the tiny VM (tests/guest/secondary/tiny_vm.S), each
#      powering off on its own (status 0; its hello goes to the vPL011 the hypervisor
#      gives every VM, so it shows on this console as "[vm N] tiny vm: hello", 20 times);
#   4. the primary powers off; the RM then reports no VM, no parcel left: every byte
#      lent came back.
_VM_PROMPT = r"hyp-vm:/# "
_VMM_SESSION = (
    (SHELL_PROMPT, "second-linux\r"),
    (r"^second linux: userspace up on 2 CPUs \(Linux \S+\)$[\s\S]*?" + _VM_PROMPT, "echo vm-$((6 * 7))\r"),
    (r"^vm-42$[\s\S]*?" + _VM_PROMPT, "poweroff -f\r"),
    (r"^second-linux: back in the first Linux \(vmm exited with status 0\)$[\s\S]*?" + SHELL_PROMPT,
     "vmm --kernel /vm/Image --initrd /vm/initramfs.cpio.gz --cpus 2 --mem 256M </dev/null >/tmp/killed.log 2>&1 &"
     " sleep 5; kill -9 $!; wait $!; echo killed-status=$?\r"),
    (r"^killed-status=137$[\s\S]*?" + SHELL_PROMPT,
     "i=0; while [ $i -lt 20 ] && vmm --kernel /vm/tiny-vm.bin --mem 16M </dev/null >>/tmp/tiny.log 2>&1;"
     " do i=$((i + 1)); done; echo cycles=$i\r"),
    (r"^cycles=20$[\s\S]*?" + SHELL_PROMPT, "poweroff -f\r"),
)


def _linux_vmm() -> Case:
    return _linux("linux-vmm", 2, "shell", "",
                  r"^second linux: userspace up on 2 CPUs", r"^vm-42$",
                  r"^second-linux: back in the first Linux \(vmm exited with status 0\)$",
                  r"^killed-status=137$", r"(?:\[vm \d+\] tiny vm: hello$[\s\S]*?){20}^cycles=20$",
                  r"RM: in use at power-off: 0 of \d+ VM slots, 0 of \d+ parcels", r"reboot: Power down",
                  interact=_VMM_SESSION, timeout=480, cores=2,
                  forbid=LINUX_FORBID + ("Oops", "Call trace", "stay pinned", "could not be reclaimed"),
                  enabled=LINUX_UNDER_HYPERVISOR)


CASES += [
    _linux_check(1), _linux_check(4), _linux_shell(), _linux_vmm(), _linux_board_dt(),
    # The same directly on QEMU: tests the initramfs and the harness (a few seconds each).
    _linux_check(1, direct=True), _linux_check(4, direct=True), _linux_shell(direct=True),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
