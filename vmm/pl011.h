// A PL011 UART (Arm PrimeCell UART, DDI 0183) as the guest's console: enough of it for
// Linux's amba-pl011 driver and earlycon. Transmission is instant (each DR write goes to
// the output callback), so the TX FIFO is always empty; received bytes wait in a 32-byte
// RX FIFO. Pure: the VMM calls it under its own mutex and turns `raise_irq` into a
// doorbell ring (an edge on the guest's SPI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace vmm {

namespace pl011 {
// Register offsets.
inline constexpr std::uint64_t dr = 0x000;
inline constexpr std::uint64_t rsr_ecr = 0x004;
inline constexpr std::uint64_t fr = 0x018;
inline constexpr std::uint64_t ilpr = 0x020;
inline constexpr std::uint64_t ibrd = 0x024;
inline constexpr std::uint64_t fbrd = 0x028;
inline constexpr std::uint64_t lcr_h = 0x02c;
inline constexpr std::uint64_t cr = 0x030;
inline constexpr std::uint64_t ifls = 0x034;
inline constexpr std::uint64_t imsc = 0x038;
inline constexpr std::uint64_t ris = 0x03c;
inline constexpr std::uint64_t mis = 0x040;
inline constexpr std::uint64_t icr = 0x044;
inline constexpr std::uint64_t dmacr = 0x048;
inline constexpr std::uint64_t periph_id0 = 0xfe0;  // PeriphID0..3, then PCellID0..3
inline constexpr std::uint64_t pcell_id3 = 0xffc;

// FR bits.
inline constexpr std::uint32_t fr_busy = 1u << 3;
inline constexpr std::uint32_t fr_rxfe = 1u << 4;
inline constexpr std::uint32_t fr_txff = 1u << 5;
inline constexpr std::uint32_t fr_rxff = 1u << 6;
inline constexpr std::uint32_t fr_txfe = 1u << 7;

// Interrupt bits (IMSC, RIS, MIS, ICR).
inline constexpr std::uint32_t int_rx = 1u << 4;  // RXRIS
inline constexpr std::uint32_t int_tx = 1u << 5;  // TXRIS
inline constexpr std::uint32_t int_rt = 1u << 6;  // RTRIS: receive timeout
inline constexpr std::uint32_t int_all = 0x7ff;

// CR bits and reset values.
inline constexpr std::uint32_t cr_lbe = 1u << 7;  // loopback: TX feeds RX
inline constexpr std::uint32_t cr_reset = 0x300;  // TXE | RXE
inline constexpr std::uint32_t ifls_reset = 0x12; // both FIFOs' trigger at half

// Writable widths.
inline constexpr std::uint32_t ilpr_mask = 0xff;
inline constexpr std::uint32_t ibrd_mask = 0xffff;
inline constexpr std::uint32_t fbrd_mask = 0x3f;
inline constexpr std::uint32_t lcr_h_mask = 0xff;
inline constexpr std::uint32_t cr_mask = 0xff87;  // bits 6:3 are reserved
inline constexpr std::uint32_t ifls_mask = 0x3f;
inline constexpr std::uint32_t dmacr_mask = 0x7;
inline constexpr std::uint32_t dr_data = 0xff;

inline constexpr std::size_t rx_fifo_depth = 32;
inline constexpr std::uint64_t window = 0x1000;
}  // namespace pl011

class Pl011 {
public:
    using Output = std::function<void(std::uint8_t)>;

    // What an access or new input asks of the VMM.
    struct Effect {
        bool raise_irq = false;   // ring the doorbell: the line went (or may go again) high
        bool rx_drained = false;  // the guest took bytes: the RX FIFO has room again
    };

    explicit Pl011(Output output);

    // offset within the 4 KiB window; size 1, 2 or 4 bytes at a 4-byte-aligned register
    // (the low bytes of it). Anything else: reads give 0, writes are dropped, counted.
    Effect read(std::uint64_t offset, unsigned size, std::uint32_t& value);
    Effect write(std::uint64_t offset, unsigned size, std::uint32_t value);

    // Host input: takes as many bytes as the RX FIFO has room for, returns how many.
    std::size_t receive(const std::uint8_t* bytes, std::size_t count, Effect& effect);

    std::size_t rx_space() const { return pl011::rx_fifo_depth - rx_count_; }
    std::uint32_t raw_interrupts() const;
    std::uint32_t masked_interrupts() const { return raw_interrupts() & imsc_; }
    // Accesses the model could not make sense of: the VMM reports them at exit.
    std::uint64_t bad_accesses() const { return bad_accesses_; }

private:
    bool line() const { return masked_interrupts() != 0; }
    std::uint32_t read_register(std::uint64_t offset, Effect& effect);
    void write_register(std::uint64_t offset, std::uint32_t value, Effect& effect);
    bool push_rx(std::uint8_t byte);

    Output output_;
    std::uint8_t rx_fifo_[pl011::rx_fifo_depth] = {};
    std::size_t rx_head_ = 0;  // the oldest byte
    std::size_t rx_count_ = 0;
    std::uint32_t ilpr_ = 0;
    std::uint32_t ibrd_ = 0;
    std::uint32_t fbrd_ = 0;
    std::uint32_t lcr_h_ = 0;
    std::uint32_t cr_ = pl011::cr_reset;
    std::uint32_t ifls_ = pl011::ifls_reset;
    std::uint32_t imsc_ = 0;
    std::uint32_t dmacr_ = 0;
    std::uint64_t bad_accesses_ = 0;
};

}  // namespace vmm
