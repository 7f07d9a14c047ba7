// Arm PrimeCell UART (PL011): polled transmit, enough for the hypervisor's console.
#pragma once

#include <cstdint>

namespace hyp::platform::pl011 {

// Register offsets and flag bits (PL011 TRM, DDI 0183).
inline constexpr std::uintptr_t reg_dr = 0x000;
inline constexpr std::uintptr_t reg_fr = 0x018;
inline constexpr std::uint32_t fr_txff = 1u << 5;  // transmit FIFO full
inline constexpr std::uint32_t fr_busy = 1u << 3;

void put_char(std::uintptr_t base, char c);
void flush(std::uintptr_t base);

}  // namespace hyp::platform::pl011
