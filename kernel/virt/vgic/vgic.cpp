// The vGIC's interrupt state, its sources and its notifications (see vgic.h). The list
// registers are in vgic_lr.cpp, the registers in vgic_regs.cpp, vgic_dist.cpp and
// vgic_redist.cpp.
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vgic/vgic_state.h"

#include <bit>

#include "hyp_api/vcpu_mpidr.h"

namespace hyp::virt {

using namespace gicv3;

Status Vgic::init(const VgicConfig& config, VgicNotify& notify)
{
    if (config.vcpu_count == 0 || config.vcpu_count > max_vcpus) {
        return fail(Error::arg_inval);
    }
    if (config.spi_count != max_spis && (config.spi_count % 32 != 0 || config.spi_count > max_spis)) {
        return fail(Error::arg_inval);
    }
    if (config.distributor.size != distributor_size || !config.distributor.base.is_aligned(frame_size) ||
        !config.distributor.well_formed()) {
        return fail(Error::arg_inval);
    }
    IpaRange redist{config.redistributor_base, std::uint64_t{config.vcpu_count} * redistributor_stride};
    if (!redist.base.is_aligned(frame_size) || !redist.well_formed() || redist.overlaps(config.distributor)) {
        return fail(Error::arg_inval);
    }

    LockGuard held{lock_};
    notify_ = &notify;
    vcpu_count_ = config.vcpu_count;
    spi_count_ = config.spi_count;
    dist_range_ = config.distributor;
    redist_base_ = config.redistributor_base;
    ctlr_ = 0;
    awake_ = 0;
    notified_ = 0;
    // Interrupts reset to Group 1 (as KVM's GICv3 does): Linux sets every IGROUPR to all
    // ones anyway, and a simpler guest that never touches them still gets IRQs, not FIQs.
    Irq reset{};
    reset.flags = f_group1;
    Irq reset_sgi = reset;
    reset_sgi.flags |= f_edge;
    for (Cpu& cpu : cpus_) {
        for (std::uint32_t i = 0; i < private_count; ++i) {
            cpu.irqs[i] = i < sgi_count ? reset_sgi : reset;
        }
        cpu.used = 0;
    }
    for (std::uint32_t i = 0; i < max_spis; ++i) {
        spis_[i] = reset;
        irouter_[i] = 0;
    }
    spi_live_.clear_all();
    // Forwarding belongs to the binding, not to the guest's state, and outlives a reset;
    // but the lines just dropped, so each physical interrupt is to be unmasked again.
    for (std::size_t spi = forwarded_.find_first_set(); spi < max_spis; spi = forwarded_.find_first_set(spi + 1)) {
        resampled_.set(spi);
        __atomic_store_n(&resampled_any_, true, __ATOMIC_RELEASE);
    }
    return success();
}

IpaRange Vgic::redistributor_range() const
{
    return IpaRange{redist_base_, std::uint64_t{vcpu_count_} * redistributor_stride};
}

// --- state -----------------------------------------------------------------------------

// The small queries are inline, in vgic_state.h.

unsigned Vgic::route(const LockGuard&, std::uint32_t spi, std::uint64_t awake) const
{
    if (spi >= max_spis) {
        return no_vcpu;  // never: callers pass an SPI's index (this keeps the bounds visible)
    }
    std::uint64_t router = irouter_[spi];
    if ((router & irouter_irm) != 0) {
        // 1 of N: the lowest-numbered vCPU whose redistributor is awake, else vCPU 0.
        return awake != 0 ? static_cast<unsigned>(std::countr_zero(awake)) : 0;
    }
    std::int64_t index = hyp_abi::vcpu_index_of_mpidr(router & irouter_aff_mask);
    return index >= 0 && index < static_cast<std::int64_t>(vcpu_count_) ? static_cast<unsigned>(index) : no_vcpu;
}



void Vgic::settle(const LockGuard& held, const Ref& ref, const Snapshot& before, Wakeups& wake, unsigned except)
{
    const Irq& irq = *ref.irq;
    if (ref.owner == no_vcpu) {
        bool live = (irq.flags & f_active) != 0 || irq.bound != no_vcpu || pending_now(irq);
        spi_live_.assign(ref.intid - private_count, live);
    }
    Snapshot after = snapshot(held, ref, context(held));
    if (after.target != except && is_news(before, after)) {
        tell(held, after.target, wake);
    }
}

void Vgic::settle_all(const LockGuard& held, const Context& before, Wakeups& wake)
{
    Context now = context(held);
    auto check = [&](const Ref& ref) {
        Snapshot old = snapshot(held, ref, before);
        Snapshot after = snapshot(held, ref, now);
        if (is_news(old, after)) {
            tell(held, after.target, wake);
        }
    };
    for (unsigned v = 0; v < vcpu_count_; ++v) {
        for (std::uint32_t i = 0; i < private_count; ++i) {
            check(Ref{&cpus_[v].irqs[i], i, v});
        }
    }
    for (std::uint32_t spi = 0; spi < spi_count_; ++spi) {
        check(Ref{&spis_[spi], spi + private_count, no_vcpu});
    }
}

void Vgic::deliver(const Wakeups& wake)
{
    for (std::uint64_t mask = wake.mask; mask != 0; mask &= mask - 1) {
        notify_->interrupt_pending(static_cast<unsigned>(std::countr_zero(mask)));
    }
}

// --- sources ---------------------------------------------------------------------------

void Vgic::pend(const LockGuard& held, unsigned owner, std::uint32_t intid, Wakeups& wake, unsigned except)
{
    Ref ref = lookup(held, owner, intid);
    if (ref.irq == nullptr) {
        return;
    }
    Snapshot before = snapshot(held, ref, context(held));
    ref.irq->flags |= f_latch;
    settle(held, ref, before, wake, except);
}

void Vgic::set_level(unsigned vcpu, std::uint32_t intid, bool level)
{
    Wakeups wake;
    {
        LockGuard held{lock_};
        Ref ref = lookup(held, vcpu, intid);
        if (ref.irq == nullptr) {
            return;
        }
        Irq& irq = *ref.irq;
        Snapshot before = snapshot(held, ref, context(held));
        bool rising = level && (irq.flags & f_line) == 0;
        if (level) {
            irq.flags |= f_line;
        } else {
            irq.flags &= static_cast<std::uint8_t>(~f_line);
        }
        if (rising && (irq.flags & f_edge) != 0) {
            irq.flags |= f_latch;
        }
        settle(held, ref, before, wake);
    }
    deliver(wake);
}

void Vgic::raise_edge(unsigned vcpu, std::uint32_t intid, bool target_running)
{
    Wakeups wake;
    {
        LockGuard held{lock_};
        pend(held, vcpu, intid, wake, target_running ? vcpu : no_vcpu);
    }
    deliver(wake);
}

bool Vgic::write_sgi1r(unsigned sender, std::uint64_t value, SgiToSender to_sender)
{
    const unsigned except = to_sender == SgiToSender::tell ? no_vcpu : sender;
    auto field = [value](unsigned shift, std::uint64_t mask) { return (value >> shift) & mask; };
    std::uint32_t intid = static_cast<std::uint32_t>(field(sgi1r_intid_shift, 0xf));
    bool to_self = false;
    Wakeups wake;
    {
        LockGuard held{lock_};
        if (sender >= vcpu_count_) {
            return false;
        }
        if ((value & sgi1r_irm) != 0) {
            for (unsigned v = 0; v < vcpu_count_; ++v) {
                if (v != sender) {
                    pend(held, v, intid, wake);
                }
            }
        } else {
            std::uint64_t cluster = (field(sgi1r_aff3_shift, 0xff) << 32) | (field(sgi1r_aff2_shift, 0xff) << 16) |
                                    (field(sgi1r_aff1_shift, 0xff) << 8);
            std::uint64_t aff0_base = field(sgi1r_rs_shift, 0xf) * 16;
            for (std::uint64_t list = field(sgi1r_target_list_shift, 0xffff); list != 0; list &= list - 1) {
                std::uint64_t aff0 = aff0_base + static_cast<std::uint64_t>(std::countr_zero(list));
                std::int64_t index = hyp_abi::vcpu_index_of_mpidr(cluster | aff0);
                if (index < 0 || index >= static_cast<std::int64_t>(vcpu_count_)) {
                    continue;
                }
                auto target = static_cast<unsigned>(index);
                to_self |= target == sender;
                if (target != sender || to_sender != SgiToSender::to_caller) {
                    pend(held, target, intid, wake, except);
                }
            }
        }
    }
    deliver(wake);
    return to_self;
}

}  // namespace hyp::virt
