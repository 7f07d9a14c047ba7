#!/usr/bin/env bash
# scripts/board-image on dummy files: the boot.cmd it writes loads each file at its
# address, builds the two /chosen/module nodes with the files' sizes and the initrd past
# the kernel's footprint, and boots hyp.bin with booti; overlapping addresses and a
# missing input are refused. Usage: check_board_image.sh PATH/TO/scripts/board-image
set -euo pipefail
script=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { grep -qxF -- "$1" "$work/out/boot.cmd" || fail "boot.cmd lacks the line: $1"; }

# An arm64 Image header: image_size (offset 16) 0x500000, magic "ARM\x64" at 56.
image() {
    head -c "$2" /dev/zero >"$1"
    printf '\x00\x00\x50\x00\x00\x00\x00\x00' | dd of="$1" bs=1 seek=16 conv=notrunc status=none
    printf 'ARM\x64' | dd of="$1" bs=1 seek=56 conv=notrunc status=none
}
image "$work/hyp.bin" 300000
image "$work/Image" $((0x300000))
head -c 4660 /dev/zero >"$work/initrd"
head -c 1000 /dev/zero >"$work/board.dtb"

"$script" --help | grep -q -- "--kernel-addr" || fail "--help does not describe the options"

"$script" --hyp "$work/hyp.bin" --kernel "$work/Image" --initrd "$work/initrd" --dtb "$work/board.dtb" \
    --out "$work/out" --bootargs "console=ttyAMA0 rdinit=/bin/sh" --hyp-args "hyp.log=1"
for f in hyp.bin Image initrd board.dtb boot.cmd; do
    [ -f "$work/out/$f" ] || fail "no $f in the output directory"
done
expect 'setenv fdt_addr_r 0xa1000000'
expect 'setenv hyp_addr_r 0xa1200000'
expect 'setenv kernel_module_r 0xa4000000'
# The kernel's footprint is its image_size (0x500000 > the file): the initrd at 0xa4600000.
expect 'setenv initrd_module_r 0xa4600000'
expect 'setenv bootargs "hyp.log=1"'
expect 'load ${devtype} ${devnum}:${distro_bootpart} ${hyp_addr_r} hyp.bin'
expect 'load ${devtype} ${devnum}:${distro_bootpart} ${initrd_module_r} initrd'
expect 'fdt addr ${fdt_addr_r}'
expect 'fdt mknode /chosen module@a4000000'
expect 'fdt set /chosen/module@a4000000 compatible "multiboot,kernel" "multiboot,module"'
expect 'fdt set /chosen/module@a4000000 reg <0x0 0xa4000000 0x0 0x300000>'
expect 'fdt set /chosen/module@a4000000 bootargs "console=ttyAMA0 rdinit=/bin/sh"'
expect 'fdt mknode /chosen module@a4600000'
expect 'fdt set /chosen/module@a4600000 compatible "multiboot,ramdisk" "multiboot,module"'
expect 'fdt set /chosen/module@a4600000 reg <0x0 0xa4600000 0x0 0x1234>'
expect 'booti ${hyp_addr_r} - ${fdt_addr_r}'
if command -v mkimage >/dev/null 2>&1; then
    [ -f "$work/out/boot.scr" ] || fail "mkimage is installed but no boot.scr was written"
fi

# hyp.bin's footprint (image_size 0x500000) reaches a kernel module put 4 MiB past it.
if "$script" --hyp "$work/hyp.bin" --kernel "$work/Image" --initrd "$work/initrd" --dtb "$work/board.dtb" \
    --out "$work/out2" --kernel-addr 0xa1600000 2>"$work/err"; then
    fail "overlapping hyp.bin and kernel module were accepted"
fi
grep -q "overlaps" "$work/err" || fail "the overlap refusal does not say so: $(cat "$work/err")"
if "$script" --hyp "$work/hyp.bin" --kernel "$work/missing" --initrd "$work/initrd" --dtb "$work/board.dtb" \
    --out "$work/out3" 2>/dev/null; then
    fail "a missing kernel was accepted"
fi
echo "board-image: all checks passed"
