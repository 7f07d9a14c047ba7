// QEMU virt, as the test guests (tests/guest) see it: where their platform UART, the
// hypervisor's vPL011, sits. The hypervisor itself takes its board from the device tree
// at run time (platform/boards/board.h) and includes nothing from here.
#pragma once

#include <cstdint>

namespace hyp::board {

inline constexpr std::uintptr_t early_uart_pl011 = 0x09000000;

}  // namespace hyp::board
