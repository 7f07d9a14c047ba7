// The vGIC's hardware forwarding (see Vgic::set_forwarded in vgic.h): which SPIs follow a
// physical interrupt, and which the guest has finished with. The list-register side is
// in vgic_lr.cpp (the EOI bit, and the fold that records a finished one).
#include "kernel/virt/vgic/vgic.h"

namespace hyp::virt {

using namespace gicv3;

void Vgic::set_forwarded(std::uint32_t intid, bool forwarded)
{
    LockGuard held{lock_};
    if (intid < private_count || intid - private_count >= max_spis) {
        return;
    }
    const std::uint32_t spi = intid - private_count;
    if (forwarded) {
        forwarded_.set(spi);
    } else {
        forwarded_.clear(spi);
        resampled_.clear(spi);
    }
}

unsigned Vgic::take_resampled(std::uint32_t* intids, unsigned capacity)
{
    LockGuard held{lock_};
    unsigned count = 0;
    std::size_t spi = resampled_.find_first_set();
    for (; spi < max_spis && count < capacity; spi = resampled_.find_first_set(spi + 1)) {
        resampled_.clear(spi);
        intids[count++] = static_cast<std::uint32_t>(spi + private_count);
    }
    __atomic_store_n(&resampled_any_, resampled_.any(), __ATOMIC_RELEASE);
    return count;
}

}  // namespace hyp::virt
