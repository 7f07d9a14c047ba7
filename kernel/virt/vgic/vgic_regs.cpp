// The per-INTID registers the distributor (SPIs) and the redistributors' SGI_base frames
// (SGIs and PPIs) share: the one-bit-per-INTID set/clear registers, IPRIORITYR and ICFGR
// (see vgic.h). INTIDs the VM does not have read as zero and ignore writes.
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vgic/vgic_state.h"

namespace hyp::virt {

using namespace gicv3;

namespace {

// 5 priority bits, as ICH_VTR_EL2.PRIbits = 5: the low 3 bits are RAZ/WI.
constexpr std::uint8_t priority_bits = 0xf8;

constexpr std::uint8_t without(std::uint8_t flags, std::uint8_t bits)
{
    return static_cast<std::uint8_t>(flags & ~bits);
}

}  // namespace

std::uint32_t Vgic::read_bits(const LockGuard& held, BitReg reg, unsigned owner, std::uint32_t first)
{
    std::uint32_t value = 0;
    for (std::uint32_t i = 0; i < 32; ++i) {
        Ref ref = lookup(held, owner, first + i);
        if (ref.irq == nullptr) {
            continue;
        }
        const Irq& irq = *ref.irq;
        bool set = false;
        switch (reg) {
        case BitReg::group: set = (irq.flags & f_group1) != 0; break;
        case BitReg::set_enable:
        case BitReg::clear_enable: set = (irq.flags & f_enabled) != 0; break;
        case BitReg::set_pending:
        case BitReg::clear_pending: set = pending_seen(irq); break;
        case BitReg::set_active:
        case BitReg::clear_active: set = (irq.flags & f_active) != 0; break;
        }
        value |= set ? 1u << i : 0;
    }
    return value;
}

void Vgic::write_bits(const LockGuard& held, BitReg reg, unsigned owner, std::uint32_t first, std::uint32_t value,
                      Wakeups& wake)
{
    for (std::uint32_t i = 0; i < 32; ++i) {
        bool one = (value & (1u << i)) != 0;
        if (!one && reg != BitReg::group) {
            continue;  // the set/clear registers ignore zeros
        }
        Ref ref = lookup(held, owner, first + i);
        if (ref.irq == nullptr) {
            continue;
        }
        Irq& irq = *ref.irq;
        Snapshot before = snapshot(held, ref, context(held));
        bool listed = (irq.listing & lr_listed) != 0;
        switch (reg) {
        case BitReg::group: irq.flags = one ? (irq.flags | f_group1) : without(irq.flags, f_group1); break;
        case BitReg::set_enable: irq.flags |= f_enabled; break;
        case BitReg::clear_enable: irq.flags = without(irq.flags, f_enabled); break;
        case BitReg::set_pending: irq.flags |= f_latch; break;
        case BitReg::clear_pending:
            // The line of a level interrupt is not the register's to clear; it stays pending
            // while the line is high.
            irq.flags = without(irq.flags, f_latch);
            if (listed) {
                irq.listing |= lr_clear_pending;
            }
            break;
        case BitReg::set_active:
            irq.flags |= f_active;
            if (listed) {
                irq.listing = static_cast<std::uint8_t>(without(irq.listing, lr_clear_active) | lr_set_active);
            }
            break;
        case BitReg::clear_active:
            irq.flags = without(irq.flags, f_active);
            if (listed) {
                irq.listing = static_cast<std::uint8_t>(without(irq.listing, lr_set_active) | lr_clear_active);
            } else {
                irq.bound = no_vcpu;  // nothing holds an inactive SPI outside the LRs
            }
            break;
        }
        settle(held, ref, before, wake);
    }
}

std::uint8_t Vgic::read_priority(const LockGuard& held, unsigned owner, std::uint32_t intid)
{
    Ref ref = lookup(held, owner, intid);
    return ref.irq != nullptr ? ref.irq->priority : 0;
}

void Vgic::write_priority(const LockGuard& held, unsigned owner, std::uint32_t intid, std::uint8_t value)
{
    Ref ref = lookup(held, owner, intid);
    if (ref.irq != nullptr) {
        ref.irq->priority = value & priority_bits;  // takes effect in the LRs at the next flush
    }
}

// ICFGR: two bits per INTID, Int_config[1] set for edge-triggered; Int_config[0] RES0.
std::uint32_t Vgic::read_config(const LockGuard& held, unsigned owner, std::uint32_t first)
{
    std::uint32_t value = 0;
    for (std::uint32_t i = 0; i < 16; ++i) {
        Ref ref = lookup(held, owner, first + i);
        if (ref.irq != nullptr && (ref.irq->flags & f_edge) != 0) {
            value |= 2u << (2 * i);
        }
    }
    return value;
}

void Vgic::write_config(const LockGuard& held, unsigned owner, std::uint32_t first, std::uint32_t value, Wakeups& wake)
{
    for (std::uint32_t i = 0; i < 16; ++i) {
        std::uint32_t intid = first + i;
        Ref ref = lookup(held, owner, intid);
        if (ref.irq == nullptr || intid < sgi_count) {
            continue;  // SGIs are always edge-triggered
        }
        Irq& irq = *ref.irq;
        Snapshot before = snapshot(held, ref, context(held));
        bool edge = (value & (2u << (2 * i))) != 0;
        irq.flags = edge ? (irq.flags | f_edge) : without(irq.flags, f_edge);
        settle(held, ref, before, wake);
    }
}

}  // namespace hyp::virt
