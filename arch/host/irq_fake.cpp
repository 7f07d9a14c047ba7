// The host's physical GIC for forwarded SPIs (see arch/host/include/arch/irq_fake.h).
#include <arch/irq_fake.h>

#include "kernel/core/irq.h"

namespace hyp {
namespace {

struct FakeGic {
    std::uint32_t spi_end = 0;
    bool hypervisors[1020] = {};
    bool masked[1020] = {};
    unsigned unmasks[1020] = {};
    IrqHandler forward = nullptr;
};

FakeGic& gic()
{
    static FakeGic instance;
    return instance;
}

bool valid(std::uint32_t intid) { return intid >= 32 && intid < 1020; }

}  // namespace

void irq_set_forwarding_handler(IrqHandler handler) { gic().forward = handler; }
bool irq_spi_is_hypervisors(std::uint32_t intid) { return valid(intid) && gic().hypervisors[intid]; }
std::uint32_t irq_spi_end() { return gic().spi_end; }

void irq_mask_spi(std::uint32_t intid)
{
    if (valid(intid)) {
        gic().masked[intid] = true;
    }
}

void irq_unmask_spi(std::uint32_t intid)
{
    if (valid(intid)) {
        gic().masked[intid] = false;
        ++gic().unmasks[intid];
    }
}

namespace irq_fake {

void reset(std::uint32_t spi_end, std::initializer_list<std::uint32_t> hypervisors)
{
    gic() = FakeGic{};
    gic().spi_end = spi_end;
    for (std::uint32_t i = 0; i < 1020; ++i) {
        gic().masked[i] = true;
    }
    for (std::uint32_t intid : hypervisors) {
        if (valid(intid)) {
            gic().hypervisors[intid] = true;
        }
    }
}

bool masked(std::uint32_t intid) { return !valid(intid) || gic().masked[intid]; }
unsigned unmasks(std::uint32_t intid) { return valid(intid) ? gic().unmasks[intid] : 0; }

bool fire(std::uint32_t intid)
{
    if (gic().forward == nullptr || !valid(intid)) {
        return false;
    }
    gic().forward(intid);
    return true;
}

}  // namespace irq_fake
}  // namespace hyp
