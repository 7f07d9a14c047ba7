// A virtual Arm PL011 UART (PrimeCell r1p5, TRM DDI 0183) for the MMIO bus: enough for
// Linux's amba-pl011 driver and its earlycon to find it and print, with receive and
// interrupts ready for the vGIC.
//
// Transmit never waits: every byte written to UARTDR goes straight to the VM's LineSink,
// so UARTFR always says TXFE, never TXFF or BUSY, and the transmit interrupt is raised
// after each byte (the FIFO has drained through its trigger level at once, as QEMU
// models it). Receive has a 32-entry FIFO (1 entry with LCR_H.FEN clear) filled by
// push_rx(); the receive interrupt follows the IFLS trigger level, and the receive
// timeout interrupt is raised as soon as data is waiting, since there is no character
// time to wait for. The combined interrupt (UARTINTR = any of RIS & IMSC) is reported to
// an IrqLine whenever its level changes.
//
// Registers are 32 bits at word offsets. 8- and 16-bit accesses see the lanes they cover
// (Linux uses 16-bit reads and 8-bit earlycon writes); accesses that straddle two
// registers, 64-bit accesses and offsets with no register read as zero and ignore
// writes: a guest never faults here.
//
// Locking: one lock per vPL011, taken by the MMIO handlers and push_rx(). The LineSink's
// output and the IrqLine are called with it held, so neither may call back into this
// vPL011 (lock order: vPL011 -> console, vPL011 -> vGIC).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/core/spinlock.h"
#include "kernel/virt/line_sink.h"
#include "kernel/virt/mmio_bus.h"

namespace hyp::virt {

// A level-sensitive interrupt output, for the vGIC to implement.
class IrqLine {
public:
    virtual void set_level(bool asserted) = 0;

protected:
    ~IrqLine() = default;
};

namespace pl011 {
// Register offsets.
inline constexpr std::uint32_t dr = 0x000;
inline constexpr std::uint32_t rsr_ecr = 0x004;
inline constexpr std::uint32_t fr = 0x018;
inline constexpr std::uint32_t ilpr = 0x020;
inline constexpr std::uint32_t ibrd = 0x024;
inline constexpr std::uint32_t fbrd = 0x028;
inline constexpr std::uint32_t lcr_h = 0x02c;
inline constexpr std::uint32_t cr = 0x030;
inline constexpr std::uint32_t ifls = 0x034;
inline constexpr std::uint32_t imsc = 0x038;
inline constexpr std::uint32_t ris = 0x03c;
inline constexpr std::uint32_t mis = 0x040;
inline constexpr std::uint32_t icr = 0x044;
inline constexpr std::uint32_t dmacr = 0x048;
inline constexpr std::uint32_t periph_id0 = 0xfe0;  // ..0xfec
inline constexpr std::uint32_t cell_id0 = 0xff0;    // ..0xffc
// UARTFR.
inline constexpr std::uint32_t fr_busy = 1u << 3;
inline constexpr std::uint32_t fr_rxfe = 1u << 4;
inline constexpr std::uint32_t fr_txff = 1u << 5;
inline constexpr std::uint32_t fr_rxff = 1u << 6;
inline constexpr std::uint32_t fr_txfe = 1u << 7;
// UARTLCR_H and UARTCR.
inline constexpr std::uint32_t lcr_h_fen = 1u << 4;
inline constexpr std::uint32_t cr_lbe = 1u << 7;
inline constexpr std::uint32_t cr_rxe = 1u << 9;
// Interrupt bits, the same in IMSC, RIS, MIS and ICR.
inline constexpr std::uint32_t int_rx = 1u << 4;
inline constexpr std::uint32_t int_tx = 1u << 5;
inline constexpr std::uint32_t int_rt = 1u << 6;
inline constexpr std::uint32_t int_all = 0x7ff;
// UARTPeriphID0..3 as one number: part 0x011, designer 0x41 (Arm), revision 3 (r1p5).
// Linux's driver matches 0x00041011 under mask 0x000fffff; revision >= 3 tells it the
// FIFOs are 32 deep, which is what this model has. (QEMU presents revision 1,
// 0x00141011, with 16-deep FIFOs.)
inline constexpr std::uint32_t periph_id = 0x00341011;
inline constexpr std::uint32_t cell_id = 0xb105f00d;  // the PrimeCell id every AMBA device has
// Reset values.
inline constexpr std::uint32_t cr_reset = 0x0300;   // TXE | RXE
inline constexpr std::uint32_t ifls_reset = 0x12;   // both trigger levels at 1/2
inline constexpr std::uint64_t region_size = 0x1000;
}  // namespace pl011

class Vpl011 final : public MmioDevice {
public:
    static constexpr unsigned fifo_depth = 32;

    // `irq` may be null until a vGIC exists.
    explicit Vpl011(LineSink& out, IrqLine* irq = nullptr);
    Vpl011(const Vpl011&) = delete;
    Vpl011& operator=(const Vpl011&) = delete;

    [[nodiscard]] MmioResult mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value) override;
    [[nodiscard]] MmioResult mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value) override;

    // Console input for the guest. False, with nothing taken, when the receive FIFO is
    // full: the sender keeps the byte and tries later, rather than the model dropping it
    // as an overrun would.
    [[nodiscard]] bool push_rx(std::uint8_t byte);
    // As many of `data` as fit; returns how many were taken.
    [[nodiscard]] std::size_t push_rx(const char* data, std::size_t length);

    // Back to the reset state (VM reset): registers, empty FIFO, interrupt line low.
    void reset();
    // Connects (or with null, disconnects) the interrupt output, and drives it to the
    // current level. For the vGIC, once it exists.
    void set_irq(IrqLine* irq);
    // Sends a partial output line on (see line_sink.h).
    void flush_output();
    // Its output becomes the primary VM's console: no "[vm N] " prefix (see line_sink.h).
    void make_output_primary();

    [[nodiscard]] bool irq_level();
    [[nodiscard]] unsigned rx_count();

private:
    std::uint32_t read_register(std::uint32_t offset);
    void write_register(std::uint32_t offset, std::uint32_t value, std::uint32_t byte_mask);
    void transmit(std::uint8_t byte);
    bool receive(std::uint8_t byte);
    std::uint8_t pop_rx();
    void flush_rx();
    [[nodiscard]] unsigned rx_capacity() const;
    [[nodiscard]] unsigned rx_trigger() const;
    void update_irq();

    SpinLock lock_;
    LineSink& out_;
    IrqLine* irq_;
    bool line_ = false;

    std::uint8_t rx_[fifo_depth] = {};
    unsigned rx_head_ = 0;
    unsigned rx_count_ = 0;

    std::uint32_t ilpr_ = 0;
    std::uint32_t ibrd_ = 0;
    std::uint32_t fbrd_ = 0;
    std::uint32_t lcr_h_ = 0;
    std::uint32_t cr_ = pl011::cr_reset;
    std::uint32_t ifls_ = pl011::ifls_reset;
    std::uint32_t imsc_ = 0;
    std::uint32_t ris_ = 0;
    std::uint32_t dmacr_ = 0;
};

}  // namespace hyp::virt
