// Hardware interrupts (see hwirq.h).
#include "kernel/object/hwirq.h"

#include <new>

#include "hyp_api/gunyah_rights.h"
#include "kernel/core/irq.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint32_t first_spi = 32;
constexpr std::size_t max_hwirqs = Vic::max_virqs;  // SPIs 32..1019

// Every Hwirq by INTID - 32, written at boot before the forwarding handler is installed
// and never changed after: read without a lock.
constinit Hwirq* by_spi[max_hwirqs] = {};

Hwirq* lookup(std::uint32_t intid)
{
    return intid >= first_spi && intid - first_spi < max_hwirqs ? by_spi[intid - first_spi] : nullptr;
}

}  // namespace

std::uint32_t Hwirq::bound_virq() const
{
    LockGuard held{lock};
    return source_.bound() ? source_.virq() : 0;
}

Status Hwirq::bind(Vic& vic, std::uint64_t virq)
{
    Locked<Hwirq> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (Status s = vic.bind_hwirq(source_, virq, intid_); !s) {
        return s;
    }
    irq_unmask_spi(intid_);
    return success();
}

Status Hwirq::unbind()
{
    Vic* vic = nullptr;
    {
        Locked<Hwirq> held(*this);
        Result<Vic*> was = Vic::unbind_hwirq(source_);
        if (!was) {
            return fail(was.error());
        }
        irq_mask_spi(intid_);
        vic = *was;
    }
    vic->put();
    return success();
}

Result<std::size_t> create_hwirqs(Partition& partition, CSpace& cspace, std::uint64_t* caps, std::size_t capacity)
{
    std::uint32_t end = irq_spi_end();
    if (end > first_spi + capacity) {
        end = static_cast<std::uint32_t>(first_spi + capacity);
    }
    for (std::size_t i = 0; i < capacity; ++i) {
        caps[i] = invalid_cap_id;
    }
    if (end <= first_spi) {
        return std::size_t{0};
    }
    const std::size_t count = end - first_spi;
    Result<PhysAddr> memory = partition.allocate_pages(Partition::pages_for(count * sizeof(Hwirq)));
    if (!memory) {
        return fail(memory.error());
    }
    auto* storage = static_cast<Hwirq*>(Partition::to_pointer(*memory));
    std::size_t made = 0;
    for (std::uint32_t intid = first_spi; intid < end; ++intid) {
        if (irq_spi_is_hypervisors(intid)) {
            continue;
        }
        Hwirq* hwirq = new (&storage[intid - first_spi]) Hwirq(intid);
        hwirq->mark_active();
        Result<CapId> cap = cspace.insert_root(*hwirq, GUNYAH_RIGHTS_HWIRQ_ALL);
        if (!cap) {
            return fail(cap.error());
        }
        caps[intid - first_spi] = *cap;
        by_spi[intid - first_spi] = hwirq;
        ++made;
    }
    irq_set_forwarding_handler(hwirq_fired);
    return made;
}

void hwirq_fired(std::uint32_t intid)
{
    irq_mask_spi(intid);  // before the end of interrupt, which follows this
    Hwirq* hwirq = lookup(intid);
    if (hwirq == nullptr) {
        return;
    }
    Locked<Hwirq> held(*hwirq);
    hwirq->source_.set_level(true);
}

void hwirq_resampled(std::uint32_t intid, const Vic& vic, std::uint32_t virq)
{
    Hwirq* hwirq = lookup(intid);
    if (hwirq == nullptr) {
        return;
    }
    Locked<Hwirq> held(*hwirq);
    if (hwirq->source_.vic() == &vic && hwirq->source_.virq() == virq) {
        irq_unmask_spi(intid);
    }
}

}  // namespace hyp
