// The vGIC's small state queries (see vgic.h), defined inline for every vgic*.cpp: they
// run several times for each interrupt at each guest entry and exit, and out of line
// their calls cost more than their bodies. Internal to kernel/virt/vgic; include it
// only from there, after vgic.h.
#pragma once

#include <bit>

#include "hyp_api/vcpu_mpidr.h"
#include "kernel/virt/vgic/gicv3_regs.h"
#include "kernel/virt/vgic/vgic.h"

namespace hyp::virt {

inline Vgic::Ref Vgic::lookup(const LockGuard&, unsigned owner, std::uint32_t intid)
{
    if (intid < gicv3::private_count) {
        if (owner < vcpu_count_ && owner < max_vcpus) {  // (the second for the compiler's bounds checks)
            return Ref{&cpus_[owner].irqs[intid], intid, owner};
        }
    } else if (intid - gicv3::private_count < spi_count_) {
        return Ref{&spis_[intid - gicv3::private_count], intid, no_vcpu};
    }
    return Ref{nullptr, intid, no_vcpu};
}

inline Vgic::Context Vgic::context(const LockGuard&) const { return Context{ctlr_, awake_}; }

inline unsigned Vgic::target(const LockGuard& held, const Ref& ref, std::uint64_t awake) const
{
    if (ref.irq->bound != no_vcpu) {
        return ref.irq->bound;
    }
    if (ref.owner != no_vcpu) {
        return ref.owner;
    }
    return route(held, ref.intid - gicv3::private_count, awake);
}

inline bool Vgic::pending_now(const Irq& irq)
{
    return (irq.flags & f_latch) != 0 || ((irq.flags & f_edge) == 0 && (irq.flags & f_line) != 0);
}

inline bool Vgic::group_enabled(const Irq& irq, std::uint32_t ctlr)
{
    return (ctlr & ((irq.flags & f_group1) != 0 ? gicv3::ctlr_enable_grp1 : gicv3::ctlr_enable_grp0)) != 0;
}

inline bool Vgic::pending_seen(const Irq& irq) const
{
    if (pending_now(irq)) {
        return true;
    }
    return (irq.listing & lr_listed) != 0 && (irq.listing & lr_wrote_pending) != 0 &&
           (irq.listing & lr_clear_pending) == 0;
}

inline bool Vgic::deliverable(const Irq& irq, std::uint32_t ctlr)
{
    return (irq.flags & f_enabled) != 0 && group_enabled(irq, ctlr) && pending_now(irq);
}

inline Vgic::Snapshot Vgic::snapshot(const LockGuard& held, const Ref& ref, const Context& ctx) const
{
    bool pending = deliverable(*ref.irq, ctx.ctlr);
    return Snapshot{pending, pending && (ref.irq->flags & f_active) == 0, target(held, ref, ctx.awake)};
}

inline bool Vgic::is_news(const Snapshot& before, const Snapshot& after)
{
    if (after.target == no_vcpu) {
        return false;
    }
    return (after.deliverable && (!before.deliverable || before.target != after.target)) ||
           (after.takeable && !before.takeable);
}

inline void Vgic::tell(const LockGuard&, unsigned vcpu, Wakeups& wake)
{
    if (vcpu >= vcpu_count_ || (notified_ & (std::uint64_t{1} << vcpu)) != 0) {
        return;
    }
    notified_ |= std::uint64_t{1} << vcpu;
    wake.mask |= std::uint64_t{1} << vcpu;
}

}  // namespace hyp::virt
