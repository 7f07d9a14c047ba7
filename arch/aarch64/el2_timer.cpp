// EL2 physical timer (see el2_timer.h).
#include <arch/el2_timer.h>

#include <arch/sysreg.h>

namespace hyp::arch::el2_timer {

void arm(std::uint64_t deadline)
{
    asm volatile("msr cnthp_cval_el2, %0" : : "r"(deadline) : "memory");
    asm volatile("msr cnthp_ctl_el2, %0" : : "r"(cnthp_ctl::enable) : "memory");
    isb();
}

void stop()
{
    asm volatile("msr cnthp_ctl_el2, xzr" : : : "memory");
    isb();
}

std::uint64_t deadline()
{
    std::uint64_t value;
    asm volatile("mrs %0, cnthp_cval_el2" : "=r"(value));
    return value;
}

std::uint64_t control()
{
    std::uint64_t value;
    asm volatile("mrs %0, cnthp_ctl_el2" : "=r"(value));
    return value;
}

}  // namespace hyp::arch::el2_timer
