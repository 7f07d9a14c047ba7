// The vGIC's list registers: what the guest did to them (fold), what goes into them next
// (flush), and whether a waiting vCPU has anything to take (see vgic.h).
#include <cstddef>

#include "kernel/virt/vgic/list_register.h"
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vgic/vgic_state.h"

namespace hyp::virt {

using namespace gicv3;

namespace {

constexpr std::uint64_t bit(unsigned i) { return std::uint64_t{1} << i; }

// An interrupt that wants a list register, and its place in the order: active ones first,
// then by priority, then by INTID (smaller keys first).
struct Candidate {
    std::uint64_t key;
    std::uint32_t intid;
};

constexpr std::uint64_t order_key(bool active, std::uint8_t priority, std::uint32_t intid)
{
    return (active ? 0 : std::uint64_t{1} << 40) | (std::uint64_t{priority} << 32) | intid;
}

}  // namespace

void Vgic::unlist(const LockGuard& held, unsigned vcpu, const std::uint64_t* lrs, unsigned lr_count, Wakeups& wake)
{
    Cpu& cpu = cpus_[vcpu];
    for (unsigned s = 0; s < cpu.used; ++s) {
        const Slot& slot = cpu.slots[s];
        Ref ref = lookup(held, vcpu, slot.intid);
        if (ref.irq == nullptr) {
            continue;
        }
        Irq& irq = *ref.irq;
        std::uint64_t state = std::uint64_t{slot.state} << lr::state_shift;
        if (lrs != nullptr && s < lr_count && lr::vintid(lrs[s]) == slot.intid) {
            state = lrs[s] & lr::state_mask;
        }
        Snapshot before = snapshot(held, ref, context(held));
        bool active = lr::is_active(state);
        if ((irq.listing & lr_set_active) != 0) {
            active = true;
        } else if ((irq.listing & lr_clear_active) != 0) {
            active = false;
        }
        // Still pending in the LR: the guest has not taken it. Only a latch that went into
        // the LR comes back; a level interrupt pending by its line alone stays so only
        // while the line is high.
        if (lr::is_pending(state) && (irq.listing & lr_moved_latch) != 0 && (irq.listing & lr_clear_pending) == 0) {
            irq.flags |= f_latch;
        }
        if (active) {
            irq.flags |= f_active;
        } else {
            irq.flags &= static_cast<std::uint8_t>(~f_active);
            irq.bound = no_vcpu;  // an active SPI stays with this vCPU until deactivated
        }
        // A forwarded SPI the guest took and finished: its physical source, masked since
        // it fired, is to be unmasked (take_resampled); until it fires again, no line.
        if (ref.owner == no_vcpu && slot.state != 0 && !active && !lr::is_pending(state) &&
            forwarded_.test(slot.intid - private_count)) {
            irq.flags &= static_cast<std::uint8_t>(~f_line);
            resampled_.set(slot.intid - private_count);
            __atomic_store_n(&resampled_any_, true, __ATOMIC_RELEASE);
        }
        irq.listing = 0;
        // This vCPU refills its LRs next, or is asked has_deliverable(): no need to tell it.
        settle(held, ref, before, wake, vcpu);
    }
    cpu.used = 0;
}

void Vgic::fold(unsigned vcpu, const std::uint64_t* lrs, unsigned lr_count)
{
    Wakeups wake;
    {
        LockGuard held{lock_};
        if (vcpu >= vcpu_count_) {
            return;
        }
        unlist(held, vcpu, lrs, lrs != nullptr ? lr_count : 0, wake);
    }
    deliver(wake);
}

Vgic::Flush Vgic::flush(unsigned vcpu, unsigned lr_count)
{
    Flush out;  // lrs[] beyond `used` are never read: not cleared, this runs at every entry
    out.used = 0;
    out.more_pending = false;
    unsigned capacity = lr_count < max_lrs ? lr_count : max_lrs;
    Wakeups wake;
    {
        LockGuard held{lock_};
        if (vcpu >= vcpu_count_) {
            return out;
        }
        unlist(held, vcpu, nullptr, 0, wake);
        Context ctx = context(held);

        Candidate chosen[max_lrs];
        unsigned count = 0;
        unsigned wanting = 0;
        auto consider = [&](const Ref& ref) {
            const Irq& irq = *ref.irq;
            bool active = (irq.flags & f_active) != 0;
            if (!active && !deliverable(irq, ctx.ctlr)) {
                return;
            }
            ++wanting;
            Candidate c{order_key(active, irq.priority, ref.intid), ref.intid};
            if (count == capacity && (count == 0 || c.key >= chosen[count - 1].key)) {
                return;
            }
            unsigned at = count < capacity ? count++ : count - 1;  // drop the last when full
            while (at > 0 && chosen[at - 1].key > c.key) {
                chosen[at] = chosen[at - 1];
                --at;
            }
            chosen[at] = c;
        };
        Cpu& cpu = cpus_[vcpu];
        // At an entry nearly none are active or pending: test eight at a time (four
        // words of two), and look closer only in a group that has one.
        constexpr std::uint64_t wanting_pair = (std::uint64_t{wanting_flags} << (8 * offsetof(Irq, flags))) |
                                               (std::uint64_t{wanting_flags} << (8 * (sizeof(Irq) + offsetof(Irq, flags))));
        constexpr std::uint32_t group = 8;
        static_assert(2 * sizeof(Irq) == sizeof(std::uint64_t) && private_count % group == 0);
        for (std::uint32_t first = 0; first < private_count; first += group) {
            std::uint64_t words[group / 2];
            __builtin_memcpy(words, __builtin_assume_aligned(&cpu.irqs[first], 8), sizeof words);
            if (((words[0] | words[1] | words[2] | words[3]) & wanting_pair) == 0) {
                continue;
            }
            for (std::uint32_t i = first; i < first + group; ++i) {
                if ((cpu.irqs[i].flags & wanting_flags) != 0) {
                    consider(Ref{&cpu.irqs[i], i, vcpu});
                }
            }
        }
        for (std::size_t spi = spi_live_.find_first_set(0, spi_count_); spi < spi_count_;
             spi = spi_live_.find_first_set(spi + 1, spi_count_)) {
            Ref ref{&spis_[spi], static_cast<std::uint32_t>(spi + private_count), no_vcpu};
            if (target(held, ref, ctx.awake) == vcpu) {
                consider(ref);
            }
        }

        for (unsigned s = 0; s < count; ++s) {
            Ref ref = lookup(held, vcpu, chosen[s].intid);
            Irq& irq = *ref.irq;
            bool edge = (irq.flags & f_edge) != 0;
            bool active = (irq.flags & f_active) != 0;
            bool latch = (irq.flags & f_latch) != 0;
            // Pending only if deliverable (an active one is listed even when disabled). A
            // level interrupt that is active is listed active only: its EOI maintenance
            // interrupt resamples the line, rather than the guest taking it again at once.
            // Only a line that is high needs resampling: a level interrupt pended through
            // its latch alone (the virtual timer, which the glue masks as it raises it)
            // asks for no maintenance, so its EOI costs no exit. A line that rises later
            // is a new pend, which refills the list registers with the EOI bit.
            bool pending = deliverable(irq, ctx.ctlr) && (edge || !active);
            bool resample = (!edge && (irq.flags & f_line) != 0) ||
                            (ref.owner == no_vcpu && forwarded_.test(ref.intid - private_count));
            std::uint64_t state = (pending ? lr::state_pending : 0) | (active ? lr::state_active : 0);
            out.lrs[s] = lr::make(ref.intid, irq.priority, (irq.flags & f_group1) != 0, state, resample);
            cpu.slots[s] = Slot{static_cast<std::uint16_t>(ref.intid),
                                static_cast<std::uint8_t>(state >> lr::state_shift)};
            irq.bound = static_cast<std::uint8_t>(vcpu);
            irq.listing = lr_listed;
            if (pending) {
                irq.listing |= lr_wrote_pending;
                if (latch) {
                    irq.listing |= lr_moved_latch;
                    irq.flags &= static_cast<std::uint8_t>(~f_latch);
                }
            }
            if (ref.owner == no_vcpu) {
                spi_live_.set(ref.intid - private_count);
            }
        }
        cpu.used = count;
        out.used = count;
        out.more_pending = wanting > count;
        notified_ &= ~bit(vcpu);
    }
    deliver(wake);
    return out;
}

Vgic::LrWrite Vgic::pend_into_lrs(unsigned vcpu, std::uint32_t intid, const std::uint64_t* lrs, unsigned lr_count,
                                  unsigned capacity)
{
    LockGuard held{lock_};
    if (vcpu >= vcpu_count_ || intid >= private_count) {
        return {};
    }
    Cpu& cpu = cpus_[vcpu];
    Irq& irq = cpu.irqs[intid];
    // Listed now only if it could be taken at once, as flush() would list it: enabled,
    // its group enabled, and not active (an active one would go in pending and active).
    if ((irq.flags & (f_enabled | f_active)) != f_enabled || !group_enabled(irq, ctlr_) ||
        (irq.flags & f_latch) != 0) {
        return {};
    }
    unsigned slot = cpu.used;
    for (unsigned s = 0; s < cpu.used; ++s) {
        if (cpu.slots[s].intid == intid) {
            slot = s;
            break;
        }
    }
    if (slot < cpu.used) {
        // Where it was listed: the guest must have finished with it (invalid in the LR)
        // and no register write since may have changed what fold() would make of that.
        if (slot >= lr_count || lr::vintid(lrs[slot]) != intid || lr::is_valid(lrs[slot]) ||
            (irq.listing & (lr_set_active | lr_clear_active | lr_clear_pending)) != 0) {
            return {};
        }
    } else if (cpu.used >= capacity || cpu.used >= max_lrs || cpu.used != lr_count) {
        return {};
    }
    // What fold() makes of an invalid LR (not active, nothing to give back), then what
    // flush() writes for a pending private interrupt: its latch moved into the LR. A
    // level interrupt whose line is high keeps the EOI bit, for resampling.
    const bool resample = (irq.flags & f_edge) == 0 && (irq.flags & f_line) != 0;
    const std::uint64_t value =
        lr::make(intid, irq.priority, (irq.flags & f_group1) != 0, lr::state_pending, resample);
    irq.bound = static_cast<std::uint8_t>(vcpu);
    irq.listing = lr_listed | lr_wrote_pending | lr_moved_latch;
    cpu.slots[slot] = Slot{static_cast<std::uint16_t>(intid), static_cast<std::uint8_t>(lr::state_pending >> lr::state_shift)};
    if (slot == cpu.used) {
        ++cpu.used;
    }
    return {slot, value};
}

bool Vgic::has_deliverable(unsigned vcpu)
{
    LockGuard held{lock_};
    if (vcpu >= vcpu_count_) {
        return false;
    }
    Context ctx = context(held);
    // Pending and not active: an interrupt that is active and pending is not signalled
    // until the guest deactivates it, which it cannot do while it waits.
    auto takeable = [&](const Irq& irq) {
        return (irq.flags & (f_enabled | f_active)) == f_enabled && group_enabled(irq, ctx.ctlr) && pending_seen(irq);
    };
    for (const Irq& irq : cpus_[vcpu].irqs) {
        if (takeable(irq)) {
            return true;
        }
    }
    for (std::size_t spi = spi_live_.find_first_set(); spi < spi_count_; spi = spi_live_.find_first_set(spi + 1)) {
        Ref ref{&spis_[spi], static_cast<std::uint32_t>(spi + private_count), no_vcpu};
        if (takeable(spis_[spi]) && target(held, ref, ctx.awake) == vcpu) {
            return true;
        }
    }
    // Nothing to take: whatever becomes deliverable from now on is news to this vCPU.
    notified_ &= ~bit(vcpu);
    return false;
}

}  // namespace hyp::virt
