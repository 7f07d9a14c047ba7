// QEMU virt: the constants a device tree cannot give us early enough.
#pragma once

#include <cstdint>

namespace hyp::board {

// The UART used before the device tree has been read (and to report that we were
// entered at the wrong exception level, when we never read it). Like Linux's earlycon
// or Xen's early printk, this is a property of the board, fixed at build time.
inline constexpr std::uintptr_t early_uart_pl011 = 0x09000000;

}  // namespace hyp::board
