// The virtual PL011 (see vpl011.h).
#include "kernel/virt/vpl011.h"

namespace hyp::virt {

using namespace pl011;  // register names read as in the TRM

namespace {

// Implemented widths: bits a register stores; anything above reads as zero.
constexpr std::uint32_t ilpr_bits = 0xff;
constexpr std::uint32_t ibrd_bits = 0xffff;
constexpr std::uint32_t fbrd_bits = 0x3f;
constexpr std::uint32_t lcr_h_bits = 0xff;
constexpr std::uint32_t cr_bits = 0xffff;
constexpr std::uint32_t ifls_bits = 0x3f;
constexpr std::uint32_t dmacr_bits = 0x7;

constexpr std::uint32_t lane_mask(unsigned size) { return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1; }

// Stores the lanes `byte_mask` covers, keeping the others: a 16-bit write to UARTCR
// changes the whole register, an 8-bit write to its upper byte only that byte.
void merge(std::uint32_t& reg, std::uint32_t value, std::uint32_t byte_mask, std::uint32_t bits)
{
    reg = ((reg & ~byte_mask) | (value & byte_mask)) & bits;
}

constexpr std::uint8_t id_byte(std::uint32_t offset)
{
    unsigned index = (offset - periph_id0) / 4;
    std::uint32_t id = index < 4 ? periph_id : cell_id;
    return static_cast<std::uint8_t>(id >> ((index % 4) * 8));
}

}  // namespace

Vpl011::Vpl011(LineSink& out, IrqLine* irq) : out_{out}, irq_{irq} {}

MmioResult Vpl011::mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value)
{
    value = 0;
    unsigned lane = offset & 3;
    if ((size != 1 && size != 2 && size != 4) || lane + size > 4 || offset >= region_size) {
        return MmioResult::done;  // RAZ
    }
    LockGuard guard(lock_);
    std::uint32_t word = read_register(static_cast<std::uint32_t>(offset - lane));
    value = (word >> (lane * 8)) & lane_mask(size);
    return MmioResult::done;
}

MmioResult Vpl011::mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value)
{
    unsigned lane = offset & 3;
    if ((size != 1 && size != 2 && size != 4) || lane + size > 4 || offset >= region_size) {
        return MmioResult::done;  // WI
    }
    std::uint32_t shifted = static_cast<std::uint32_t>(value & lane_mask(size)) << (lane * 8);
    std::uint32_t byte_mask = lane_mask(size) << (lane * 8);
    LockGuard guard(lock_);
    write_register(static_cast<std::uint32_t>(offset - lane), shifted, byte_mask);
    return MmioResult::done;
}

std::uint32_t Vpl011::read_register(std::uint32_t offset)
{
    switch (offset) {
    case dr: return pop_rx();  // no error bits: a virtual line has no framing or parity
    case fr: {
        std::uint32_t flags = fr_txfe;
        if (rx_count_ == 0) {
            flags |= fr_rxfe;
        }
        if (rx_count_ >= rx_capacity()) {
            flags |= fr_rxff;
        }
        return flags;
    }
    case ilpr: return ilpr_;
    case ibrd: return ibrd_;
    case fbrd: return fbrd_;
    case lcr_h: return lcr_h_;
    case cr: return cr_;
    case ifls: return ifls_;
    case imsc: return imsc_;
    case ris: return ris_;
    case mis: return ris_ & imsc_;
    case dmacr: return dmacr_;
    default: break;
    }
    if (offset >= periph_id0 && offset < region_size) {
        return id_byte(offset);
    }
    return 0;  // UARTRSR (no errors), UARTICR (write-only), test registers, gaps
}

void Vpl011::write_register(std::uint32_t offset, std::uint32_t value, std::uint32_t byte_mask)
{
    switch (offset) {
    case dr:
        if ((byte_mask & 0xff) != 0) {
            transmit(static_cast<std::uint8_t>(value));
        }
        break;
    case ilpr: merge(ilpr_, value, byte_mask, ilpr_bits); break;
    case ibrd: merge(ibrd_, value, byte_mask, ibrd_bits); break;
    case fbrd: merge(fbrd_, value, byte_mask, fbrd_bits); break;
    case lcr_h: {
        std::uint32_t old = lcr_h_;
        merge(lcr_h_, value, byte_mask, lcr_h_bits);
        // Switching the FIFOs on or off changes the receive depth under the data; start
        // empty, as QEMU does, rather than keep more than a 1-deep holding register holds.
        if (((old ^ lcr_h_) & lcr_h_fen) != 0) {
            flush_rx();
        }
        break;
    }
    case cr: merge(cr_, value, byte_mask, cr_bits); break;
    case ifls: merge(ifls_, value, byte_mask, ifls_bits); break;
    case imsc: merge(imsc_, value, byte_mask, int_all); break;
    case icr: ris_ &= ~(value & byte_mask); break;
    case dmacr: merge(dmacr_, value, byte_mask, dmacr_bits); break;
    default: break;  // UARTECR (no errors to clear), read-only and unknown registers
    }
    update_irq();
}

void Vpl011::transmit(std::uint8_t byte)
{
    // UARTCR.UARTEN/TXE are not checked: earlycon writes to whatever state firmware left
    // the UART in, and QEMU prints regardless too. Loopback (LBE) is honoured: a guest
    // testing its UART must not print the test pattern.
    if ((cr_ & cr_lbe) != 0) {
        if ((cr_ & cr_rxe) != 0) {
            (void)receive(byte);
        }
    } else {
        out_.put(static_cast<char>(byte));
    }
    ris_ |= int_tx;
}

bool Vpl011::receive(std::uint8_t byte)
{
    if (rx_count_ >= rx_capacity()) {
        return false;
    }
    rx_[(rx_head_ + rx_count_) % fifo_depth] = byte;
    ++rx_count_;
    ris_ |= int_rt;
    if (rx_count_ >= rx_trigger()) {
        ris_ |= int_rx;
    }
    return true;
}

std::uint8_t Vpl011::pop_rx()
{
    if (rx_count_ == 0) {
        return 0;
    }
    std::uint8_t byte = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % fifo_depth;
    --rx_count_;
    // Reading below the trigger level clears the receive interrupt, and emptying the
    // FIFO the timeout interrupt (TRM, UARTRXINTR and UARTRTINTR).
    if (rx_count_ < rx_trigger()) {
        ris_ &= ~int_rx;
    }
    if (rx_count_ == 0) {
        ris_ &= ~int_rt;
    }
    update_irq();
    return byte;
}

void Vpl011::flush_rx()
{
    rx_head_ = 0;
    rx_count_ = 0;
    ris_ &= ~(int_rx | int_rt);
}

unsigned Vpl011::rx_capacity() const { return (lcr_h_ & lcr_h_fen) != 0 ? fifo_depth : 1; }

unsigned Vpl011::rx_trigger() const
{
    if ((lcr_h_ & lcr_h_fen) == 0) {
        return 1;
    }
    // IFLS.RXIFLSEL, bits 5:3: 1/8, 1/4, 1/2, 3/4, 7/8 full; reserved values as 1/2.
    switch ((ifls_ >> 3) & 7) {
    case 0: return fifo_depth / 8;
    case 1: return fifo_depth / 4;
    case 3: return fifo_depth * 3 / 4;
    case 4: return fifo_depth * 7 / 8;
    default: return fifo_depth / 2;
    }
}

void Vpl011::update_irq()
{
    bool level = (ris_ & imsc_) != 0;
    if (level != line_) {
        line_ = level;
        if (irq_ != nullptr) {
            irq_->set_level(level);
        }
    }
}

bool Vpl011::push_rx(std::uint8_t byte)
{
    LockGuard guard(lock_);
    bool taken = receive(byte);
    update_irq();
    return taken;
}

std::size_t Vpl011::push_rx(const char* data, std::size_t length)
{
    LockGuard guard(lock_);
    std::size_t taken = 0;
    while (taken < length && receive(static_cast<std::uint8_t>(data[taken]))) {
        ++taken;
    }
    update_irq();
    return taken;
}

void Vpl011::reset()
{
    LockGuard guard(lock_);
    flush_rx();
    ilpr_ = ibrd_ = fbrd_ = lcr_h_ = imsc_ = ris_ = dmacr_ = 0;
    cr_ = cr_reset;
    ifls_ = ifls_reset;
    update_irq();
}

bool Vpl011::irq_level()
{
    LockGuard guard(lock_);
    return line_;
}

unsigned Vpl011::rx_count()
{
    LockGuard guard(lock_);
    return rx_count_;
}

void Vpl011::set_irq(IrqLine* irq)
{
    LockGuard held{lock_};
    irq_ = irq;
    if (irq_ != nullptr) {
        irq_->set_level(line_);
    }
}

void Vpl011::make_output_primary()
{
    LockGuard held{lock_};
    out_.make_primary();
}

void Vpl011::flush_output()
{
    if (!out_.pending()) {
        return;
    }
    LockGuard held{lock_};
    out_.flush();
}

}  // namespace hyp::virt
