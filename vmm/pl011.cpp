// The PL011 model (see pl011.h).
#include "vmm/pl011.h"

#include <utility>

namespace vmm {
namespace {

// PeriphID0..3 (part 0x011, designer 0x41 Arm, revision 1) and PCellID0..3 (the
// PrimeCell signature): the AMBA bus reads them to bind amba-pl011.
constexpr std::uint8_t id_registers[] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

constexpr std::uint32_t width_mask(unsigned size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

bool valid_access(std::uint64_t offset, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && offset < pl011::window && offset % 4 == 0;
}

}  // namespace

Pl011::Pl011(Output output) : output_(std::move(output)) {}

std::uint32_t Pl011::raw_interrupts() const
{
    // Receive and receive-timeout follow the FIFO (a level, gone when it empties); TX is
    // always at or below its trigger level, because transmission is instant.
    std::uint32_t ris = pl011::int_tx;
    if (rx_count_ != 0) {
        ris |= pl011::int_rx | pl011::int_rt;
    }
    return ris;
}

bool Pl011::push_rx(std::uint8_t byte)
{
    if (rx_count_ == pl011::rx_fifo_depth) {
        return false;
    }
    rx_fifo_[(rx_head_ + rx_count_) % pl011::rx_fifo_depth] = byte;
    ++rx_count_;
    return true;
}

std::uint32_t Pl011::read_register(std::uint64_t offset, Effect& effect)
{
    using namespace pl011;
    switch (offset) {
    case dr: {
        if (rx_count_ == 0) {
            return 0;
        }
        const std::uint8_t byte = rx_fifo_[rx_head_];
        rx_head_ = (rx_head_ + 1) % rx_fifo_depth;
        --rx_count_;
        effect.rx_drained = true;
        return byte;  // error bits 11:8 are never set
    }
    case rsr_ecr: return 0;
    case fr: {
        std::uint32_t flags = fr_txfe;
        if (rx_count_ == 0) flags |= fr_rxfe;
        if (rx_count_ == rx_fifo_depth) flags |= fr_rxff;
        return flags;
    }
    case ilpr: return ilpr_;
    case ibrd: return ibrd_;
    case fbrd: return fbrd_;
    case lcr_h: return lcr_h_;
    case cr: return cr_;
    case ifls: return ifls_;
    case imsc: return imsc_;
    case ris: return raw_interrupts();
    case mis: return masked_interrupts();
    case dmacr: return dmacr_;
    default: break;
    }
    if (offset >= periph_id0 && offset <= pcell_id3) {
        return id_registers[(offset - periph_id0) / 4];
    }
    ++bad_accesses_;  // ICR is write-only; the rest is not a register
    return 0;
}

void Pl011::write_register(std::uint64_t offset, std::uint32_t value, Effect& effect)
{
    using namespace pl011;
    switch (offset) {
    case dr:
        // Sent whatever CR says: earlycon writes before (or without) enabling the UART,
        // as firmware would have left it enabled on real hardware.
        if ((cr_ & cr_lbe) != 0) {
            if (push_rx(static_cast<std::uint8_t>(value & dr_data)) && (imsc_ & (int_rx | int_rt)) != 0) {
                effect.raise_irq = true;
            }
        } else {
            output_(static_cast<std::uint8_t>(value & dr_data));
        }
        return;
    case rsr_ecr: return;  // clears the error flags, which are never set
    case ilpr: ilpr_ = value & ilpr_mask; return;
    case ibrd: ibrd_ = value & ibrd_mask; return;
    case fbrd: fbrd_ = value & fbrd_mask; return;
    case lcr_h: lcr_h_ = value & lcr_h_mask; return;
    case cr: cr_ = value & cr_mask; return;
    case ifls: ifls_ = value & ifls_mask; return;
    case imsc: imsc_ = value & int_all; return;
    // Every interrupt here is a level of the FIFOs' state, none latched: clearing one
    // that is still true leaves it set, as the hardware does for RX at or above trigger.
    case icr: return;
    case dmacr: dmacr_ = value & dmacr_mask; return;
    default: break;
    }
    ++bad_accesses_;  // a read-only register (FR, RIS, MIS, the IDs) or no register at all
}

Pl011::Effect Pl011::read(std::uint64_t offset, unsigned size, std::uint32_t& value)
{
    Effect effect;
    if (!valid_access(offset, size)) {
        ++bad_accesses_;
        value = 0;
        return effect;
    }
    value = read_register(offset, effect) & width_mask(size);
    return effect;
}

Pl011::Effect Pl011::write(std::uint64_t offset, unsigned size, std::uint32_t value)
{
    Effect effect;
    if (!valid_access(offset, size)) {
        ++bad_accesses_;
        return effect;
    }
    const bool before = line();
    write_register(offset, value & width_mask(size), effect);
    // Unmasking a pending interrupt (IMSC) raises the line just as new data does.
    if (!before && line()) {
        effect.raise_irq = true;
    }
    return effect;
}

std::size_t Pl011::receive(const std::uint8_t* bytes, std::size_t count, Effect& effect)
{
    const bool before = line();
    std::size_t taken = 0;
    while (taken < count && push_rx(bytes[taken])) {
        ++taken;
    }
    // An edge on 0 -> 1, and also for any new data while RX interrupts are unmasked:
    // the line may already be high (TX is always pending while TXIM is set) with the
    // guest's handler past its last look at the FIFO; an extra edge only costs the
    // handler one more pass, a lost one leaves the input unread.
    if ((!before && line()) || (taken != 0 && (imsc_ & (pl011::int_rx | pl011::int_rt)) != 0)) {
        effect.raise_irq = true;
    }
    return taken;
}

}  // namespace vmm
