// The few instructions and system registers the resource manager uses at EL1: a store
// to the PL011's data register, PSCI power calls over HVC, and sleeping on the EL1
// virtual timer. Target only.
#pragma once

#include <cstdint>

#include "hyp_api/psci.h"

namespace hyp::rm::cpu {

// One character to UARTDR (offset 0) with a plain 32-bit store: the hypervisor emulates
// the PL011 and decodes the trapped access, so no pre/post-indexed or paired form.
inline void uart_put(std::uint64_t uart_base, char c)
{
    const std::uint32_t value = static_cast<unsigned char>(c);
    asm volatile("str %w0, [%1]" : : "r"(value), "r"(uart_base) : "memory");
}

// PSCI over HVC #0 (SMCCC): for the root VM the hypervisor turns SYSTEM_OFF and
// SYSTEM_RESET into the machine's own. Neither returns; should one, the RM stops here.
[[noreturn]] inline void psci_power(std::uint32_t function)
{
    for (;;) {
        register std::uint64_t x0 asm("x0") = function;
        asm volatile("hvc #0"
                     : "+r"(x0)
                     :
                     : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
        asm volatile("wfi");
    }
}

[[noreturn]] inline void system_off() { psci_power(PSCI_FN_SYSTEM_OFF); }
[[noreturn]] inline void system_reset() { psci_power(PSCI_FN_SYSTEM_RESET); }

inline std::uint64_t counter_frequency()
{
    std::uint64_t v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

inline std::uint64_t virtual_count()
{
    std::uint64_t v;
    asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

// Sleeps until the virtual counter reaches `deadline`: the EL1 virtual timer armed with
// its interrupt unmasked at the timer (CNTV_CTL_EL0 ENABLE, IMASK clear) while PSTATE.I
// stays masked, then WFI. The hypervisor traps the WFI and resumes the vCPU when the
// timer condition is met; a wake-up before that just waits again.
// Arms the virtual timer to fire at `deadline` (virtual counter ticks); disarm_timer()
// stops it. The interrupt reaches the RM through its virtual GIC (rm/arch/aarch64/gic.h).
inline void arm_timer(std::uint64_t deadline)
{
    asm volatile("msr cntv_cval_el0, %0\n\t"
                 "msr cntv_ctl_el0, %1\n\t"
                 "isb"
                 :
                 : "r"(deadline), "r"(std::uint64_t{1})
                 : "memory");
}
inline void disarm_timer() { asm volatile("msr cntv_ctl_el0, xzr\n\tisb" : : : "memory"); }

// Waits for an interrupt (taken or not: PSTATE.I stays set).
inline void wait_for_interrupt() { asm volatile("wfi" : : : "memory"); }

}  // namespace hyp::rm::cpu
