#!/usr/bin/env python3
"""Makes broken (or re-identified) device trees for the QEMU tests, at test time.

Each tree starts as QEMU's own DTB for the same machine options (dumped with
`-machine dumpdtb=FILE`), is decompiled with dtc, changed by one transform below,
and compiled again; the test then boots the image with `-dtb FILE`.

QEMU rewrites the /memory nodes of a DTB it is given with -dtb (it adds its own for
the RAM it has), so a transform that should leave no RAM reserves it all instead,
and a bad `reg` length goes on a node QEMU leaves alone (the GIC).

Command line, for a look by hand:
    tests/qemu/bad_dt.py --list
    tests/qemu/bad_dt.py no-gic -o /tmp/no-gic.dtb [--dts /tmp/no-gic.dts] -- -smp 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import dts  # noqa: E402

TRANSFORMS: dict[str, tuple[str, object]] = {}

GIC_COMPATIBLES = ("arm,gic-v3", "arm,cortex-a15-gic", "arm,gic-400")


def transform(name: str, summary: str):
    def register(fn):
        TRANSFORMS[name] = (summary, fn)
        return fn
    return register


def _gic(tree: dts.Tree) -> tuple[str, dts.Node]:
    found = tree.find(lambda n: any(c in n.compatible() for c in GIC_COMPATIBLES))
    if len(found) != 1:
        raise ValueError(f"expected one GIC node, found {len(found)}")
    return found[0]


def _phandles(node: dts.Node) -> set[int]:
    """The phandles of a node and of every node below it."""
    return {p.cells()[0] for _, n in node.walk() if (p := n.prop("phandle"))}


def _drop_references(tree: dts.Tree, gone: set[int]) -> None:
    """Removes what refers to the phandles in `gone`, so the tree stays consistent:
    interrupt-parent links, the interrupts they gave meaning to, interrupt maps,
    and msi-parent links."""
    def visit(node: dts.Node, parent_irq: int | None) -> None:
        p = node.prop("interrupt-parent")
        irq = p.cells()[0] if p else parent_irq
        if irq in gone:
            node.remove_prop("interrupt-parent")
            node.remove_prop("interrupts")
        m = node.prop("interrupt-map")
        if m and gone & set(m.cells()):
            node.remove_prop("interrupt-map")
            node.remove_prop("interrupt-map-mask")
        msi = node.prop("msi-parent")
        if msi and msi.cells()[0] in gone:
            node.remove_prop("msi-parent")
        for c in node.children:
            visit(c, irq)
    visit(tree.root, None)


@transform("no-gic", "delete the GIC node (intc@8000000) and every reference to it")
def no_gic(tree: dts.Tree) -> None:
    path, gic = _gic(tree)
    gone = _phandles(gic)
    tree.remove_node(path)
    _drop_references(tree, gone)


@transform("gicv2", "replace the GICv3 by a GICv2 node (compatible arm,cortex-a15-gic)")
def gicv2(tree: dts.Tree) -> None:
    path, gic = _gic(tree)
    its_phandles = set().union(*(_phandles(c) for c in gic.children))
    # QEMU virt's GICv2 layout: distributor at 0x08000000, CPU interface at 0x08010000.
    gic.props = [
        dts.Property("phandle", gic.prop("phandle").value),
        dts.Property("compatible", '"arm,cortex-a15-gic"'),
        dts.Property("#interrupt-cells", dts.cells(3)),
        dts.Property("interrupt-controller"),
        dts.Property("reg", dts.cells(0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000)),
        dts.Property("interrupts", dts.cells(1, 9, 4)),
    ]
    gic.children = []  # no ITS on a GICv2
    _drop_references(tree, its_phandles)



@transform("all-ram-reserved", "add a /reserved-memory node that covers all RAM (no usable RAM)")
def all_ram_reserved(tree: dts.Tree) -> None:
    root = tree.root
    ac = root.prop("#address-cells").cells()[0]
    sc = root.prop("#size-cells").cells()[0]
    ranges = []
    for _, mem in tree.find(lambda n: n.prop("device_type") and n.prop("device_type").strings() == ["memory"]):
        ranges += dts.split_cells(mem.prop("reg").cells(), ac, sc)
    if not ranges:
        raise ValueError("no memory node to reserve")
    rsv = root.child("reserved-memory") or root.add_child(dts.Node("reserved-memory"))
    rsv.set_prop("#address-cells", dts.cells(ac))
    rsv.set_prop("#size-cells", dts.cells(sc))
    rsv.set_prop("ranges", None)
    for addr, size in ranges:
        def split(v: int, n: int) -> list[int]:
            return [(v >> (32 * (n - 1 - i))) & 0xFFFFFFFF for i in range(n)]
        node = rsv.add_child(dts.Node(f"all-ram@{addr:x}"))
        node.set_prop("reg", dts.cells(*split(addr, ac), *split(size, sc)))
        node.set_prop("no-map", None)


@transform("compatible-sc7280",
           "name the machine as a Qualcomm sc7280 board (root compatible qcom,sc7280): not broken, "
           "but another board entry of the same image (platform/boards/board.cpp)")
def compatible_sc7280(tree: dts.Tree) -> None:
    tree.root.set_prop("compatible", '"qcom,sc7280"')


@transform("cpu-no-reg", "remove `reg` from the last cpu node")
def cpu_no_reg(tree: dts.Tree) -> None:
    cpus = [n for n in tree.node("/cpus").children
            if n.prop("device_type") and n.prop("device_type").strings() == ["cpu"]]
    if not cpus:
        raise ValueError("no cpu nodes")
    cpus[-1].remove_prop("reg")


@transform("gic-reg-length", "cut the GIC's `reg` one cell short of whole (address, size) pairs")
def gic_reg_length(tree: dts.Tree) -> None:
    _, gic = _gic(tree)
    reg = gic.prop("reg").cells()
    gic.set_prop("reg", dts.cells(*reg[:-1]))


# --- making the DTB -------------------------------------------------------------------

def make(kind: str, qemu_command: list[str], dtc: str, out_dtb: Path,
         dts_out: Path | None = None, timeout: float = 30) -> Path:
    """Dumps the DTB QEMU makes for qemu_command (the full boot command), applies
    transform `kind`, and compiles the result to out_dtb."""
    if kind not in TRANSFORMS:
        raise KeyError(f"unknown device-tree transform {kind!r} (have: {', '.join(TRANSFORMS)})")
    with tempfile.TemporaryDirectory(prefix="hyp-dt-") as tmp:
        base = Path(tmp) / "qemu.dtb"
        # The boot's own command line, -nic none included (harness.qemu_command): a default
        # network card's ROM would be looked for even to dump the tree.
        if "-nic" not in qemu_command and "-nodefaults" not in qemu_command:
            raise ValueError("the QEMU command line lacks -nic none")
        r = subprocess.run(qemu_command + ["-machine", f"dumpdtb={base}"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0 or not base.exists():
            raise RuntimeError(f"QEMU could not dump its DTB (exit {r.returncode}): {r.stderr.strip()}")
        text = subprocess.run([dtc, "-q", "-I", "dtb", "-O", "dts", str(base)],
                              capture_output=True, text=True, check=True).stdout
    tree = dts.parse(text)
    TRANSFORMS[kind][1](tree)
    source = tree.text()
    if dts_out:
        dts_out.write_text(source)
    r = subprocess.run([dtc, "-q", "-I", "dts", "-O", "dtb", "-o", str(out_dtb), "-"],
                       input=source, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dtc rejected the {kind} tree: {r.stderr.strip()}")
    return out_dtb


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import harness  # the same QEMU defaults as the tests

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 usage="%(prog)s [--list] KIND -o OUT.dtb [--dts OUT.dts] [options] [-- QEMU_OPTIONS...]",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", nargs="?", help="transform to apply (see --list)")
    ap.add_argument("-o", "--output", type=Path, help="DTB to write")
    ap.add_argument("--dts", type=Path, help="also write the changed source here")
    ap.add_argument("--list", action="store_true", help="list the transforms")
    ap.add_argument("--qemu", default="qemu-system-aarch64")
    ap.add_argument("--dtc", default="dtc")
    ap.add_argument("--machine", default=harness.DEFAULT_MACHINE, help="the -M value")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    a.qemu_args = argv[cut + 1:]
    if a.list or not a.kind:
        for name, (summary, _) in TRANSFORMS.items():
            print(f"{name:18} {summary}")
        return 0
    if not a.output:
        ap.error("-o/--output is required")
    cmd = harness.qemu_command(a.qemu, None, a.machine, a.qemu_args)
    make(a.kind, cmd, a.dtc, a.output, a.dts)
    print(f"{a.output}: {TRANSFORMS[a.kind][0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
