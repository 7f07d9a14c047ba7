// The vic's side of hardware interrupts (kernel/object/hwirq.h): binding a hwirq's
// source with forwarding, and giving the physical interrupts back once the guest is done.
#include "kernel/object/hwirq.h"
#include "kernel/object/vic.h"

namespace hyp {

namespace {
constexpr std::uint32_t spi_base = 32;
}  // namespace

Status Vic::bind_hwirq(VirqSource& source, std::uint64_t virq, std::uint32_t physical)
{
    if (Status s = bind_source(source, virq); !s) {
        return s;
    }
    vgic_.set_forwarded(static_cast<std::uint32_t>(virq), true);
    LockGuard held{lock};
    __atomic_store_n(&forwarded_physical_[virq - spi_base], static_cast<std::uint16_t>(physical), __ATOMIC_RELEASE);
    return success();
}

Result<Vic*> Vic::unbind_hwirq(VirqSource& source)
{
    Vic* vic = source.vic_;
    if (vic == nullptr) {
        return fail(Error::irq_unbound);
    }
    const std::uint32_t virq = source.virq_;
    {
        LockGuard held{vic->lock};
        __atomic_store_n(&vic->forwarded_physical_[virq - spi_base], std::uint16_t{0}, __ATOMIC_RELEASE);
    }
    vic->vgic_.set_forwarded(virq, false);
    vic->vgic_.set_level(0, virq, false);
    return unbind_source(source);
}

void Vic::resample_forwarded_slow()
{
    std::uint32_t virqs[16];
    for (unsigned n = vgic_.take_resampled(virqs, 16); n != 0; n = vgic_.take_resampled(virqs, 16)) {
        for (unsigned i = 0; i < n; ++i) {
            const std::uint32_t physical = __atomic_load_n(&forwarded_physical_[virqs[i] - spi_base], __ATOMIC_ACQUIRE);
            if (physical != 0) {
                hwirq_resampled(physical, *this, virqs[i]);
            }
        }
    }
}

void VirqSource::set_level(bool asserted)
{
    if (vic_ == nullptr) {
        return;
    }
    if (asserted) {
        __atomic_fetch_add(&raised_, 1, __ATOMIC_RELAXED);
    }
    vic_->vgic().set_level(0, virq_, asserted);
}

}  // namespace hyp
