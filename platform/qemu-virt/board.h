// QEMU virt: the constants a device tree cannot give us early enough.
#pragma once

#include <cstdint>

namespace hyp::board {

// The UART used before the device tree has been read (and to report that we were
// entered at the wrong exception level, when we never read it). Like Linux's earlycon
// or Xen's early printk, this is a property of the board, fixed at build time.
inline constexpr std::uintptr_t early_uart_pl011 = 0x09000000;

// VMs' stage-2 tables with 4 KiB pages only, no 2 MiB or 1 GiB blocks. On hardware blocks
// are better (fewer table pages, more TLB reach), but QEMU's TCG records a guest
// translation through a stage-2 block as a "large page" of the block's size, and every
// TLB invalidation by address that falls in the large-page region of a translation
// regime then flushes that regime's whole software TLB. A Linux guest invalidates by
// address tens of thousands of times while it boots; with blocks in stage 2 each of
// those became a full flush and a refill through both stages (the Debian boot
// benchmark did 5x the TLB fills of a direct boot). A board on real hardware says true.
inline constexpr bool stage2_blocks = false;

}  // namespace hyp::board
