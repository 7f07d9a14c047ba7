// Arm PrimeCell UART (PL011): polled transmit, enough for the hypervisor's console.
#pragma once

#include <cstdint>

namespace hyp::platform::pl011 {

// Register offsets and flag bits (PL011 TRM, DDI 0183).
inline constexpr std::uintptr_t reg_dr = 0x000;
inline constexpr std::uintptr_t reg_fr = 0x018;
inline constexpr std::uint32_t fr_txff = 1u << 5;  // transmit FIFO full
inline constexpr std::uint32_t fr_busy = 1u << 3;
inline constexpr std::uint32_t fr_rxfe = 1u << 4;  // receive FIFO empty
inline constexpr std::uintptr_t reg_imsc = 0x038;  // interrupt mask set/clear
inline constexpr std::uintptr_t reg_icr = 0x044;   // interrupt clear
inline constexpr std::uint32_t int_rx = 1u << 4;   // receive
inline constexpr std::uint32_t int_rt = 1u << 6;   // receive timeout

void put_char(std::uintptr_t base, char c);
void flush(std::uintptr_t base);
// Receive: interrupts on received data (and on the receive timeout, for the last bytes of
// a burst); the next received byte, or -1 when the FIFO is empty.
void enable_rx_interrupt(std::uintptr_t base);
[[nodiscard]] int get_char(std::uintptr_t base);

}  // namespace hyp::platform::pl011
