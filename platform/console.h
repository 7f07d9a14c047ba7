// The hypervisor's console: where the log goes. The boot code picks the device
// (the board's early UART first, then the one the device tree names).
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/boards/board.h"

namespace hyp::platform {

// Raw bytes to the console; "\n" becomes "\r\n". Callers serialise (see log.cpp).
void console_write(const char* text, std::size_t length);
// Bytes exactly as given: a guest's console output, whose line ends are its own business.
void console_write_raw(const char* text, std::size_t length);

// Console input: turns on the UART's receive interrupt (false when the console cannot
// receive), and reads what arrived, a byte at a time (-1 when nothing is left).
[[nodiscard]] bool console_enable_input();
[[nodiscard]] int console_read();

// Switches output to a PL011 at `base` (already mapped). A null base silences output.
void console_use_pl011(std::uintptr_t base);

// Switches output to a Qualcomm GENI debug UART at `base` (already mapped).
void console_use_geni(std::uintptr_t base);

// Output before discovery: the board's early UART (platform/boards/board.h), or none.
void console_use_early(const EarlyUart& uart);

}  // namespace hyp::platform
