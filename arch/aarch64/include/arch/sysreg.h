// System register accessors for AArch64: read_<reg>() / write_<reg>(v), one pair
// per register the kernel uses, so every access is greppable by register name.
#pragma once

#include <cstdint>

#define HYP_SYSREG_RO(reg)                                   \
    inline std::uint64_t read_##reg()                        \
    {                                                        \
        std::uint64_t value;                                 \
        asm volatile("mrs %0, " #reg : "=r"(value));         \
        return value;                                        \
    }

#define HYP_SYSREG_RW(reg)                                   \
    HYP_SYSREG_RO(reg)                                       \
    inline void write_##reg(std::uint64_t value)             \
    {                                                        \
        asm volatile("msr " #reg ", %0" : : "r"(value) : "memory"); \
    }

namespace hyp::arch {

HYP_SYSREG_RO(currentel)
HYP_SYSREG_RO(mpidr_el1)
HYP_SYSREG_RO(midr_el1)
HYP_SYSREG_RO(id_aa64mmfr0_el1)
HYP_SYSREG_RO(id_aa64mmfr1_el1)
HYP_SYSREG_RO(id_aa64pfr0_el1)
HYP_SYSREG_RO(cntfrq_el0)
HYP_SYSREG_RO(cntpct_el0)
HYP_SYSREG_RO(esr_el2)
HYP_SYSREG_RO(far_el2)
HYP_SYSREG_RO(elr_el2)
HYP_SYSREG_RO(spsr_el2)

HYP_SYSREG_RW(sctlr_el2)
HYP_SYSREG_RW(tcr_el2)
HYP_SYSREG_RW(mair_el2)
HYP_SYSREG_RW(ttbr0_el2)
HYP_SYSREG_RW(hcr_el2)
HYP_SYSREG_RW(tpidr_el2)
HYP_SYSREG_RW(vbar_el2)
HYP_SYSREG_RW(cptr_el2)
HYP_SYSREG_RW(cnthctl_el2)
HYP_SYSREG_RW(cntvoff_el2)
HYP_SYSREG_RW(vttbr_el2)
HYP_SYSREG_RW(vpidr_el2)
HYP_SYSREG_RW(vmpidr_el2)
HYP_SYSREG_RW(mdcr_el2)
HYP_SYSREG_RW(vtcr_el2)
HYP_SYSREG_RW(sctlr_el1)
HYP_SYSREG_RW(vbar_el1)
HYP_SYSREG_RW(elr_el1)
HYP_SYSREG_RW(spsr_el1)
HYP_SYSREG_RW(cntv_ctl_el0)
HYP_SYSREG_RW(cntv_cval_el0)
HYP_SYSREG_RO(cntvct_el0)
HYP_SYSREG_RO(id_aa64pfr1_el1)
HYP_SYSREG_RW(esr_el1)
HYP_SYSREG_RW(far_el1)
HYP_SYSREG_RO(par_el1)

inline void isb() { asm volatile("isb" : : : "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" : : : "memory"); }
inline void dsb_ish() { asm volatile("dsb ish" : : : "memory"); }
inline void dsb_ishst() { asm volatile("dsb ishst" : : : "memory"); }
inline void sev() { asm volatile("sev" : : : "memory"); }
inline void wfe() { asm volatile("wfe" : : : "memory"); }
inline void wfi() { asm volatile("wfi" : : : "memory"); }
// Masks debug, SError, IRQ and FIQ on this CPU (PSTATE.DAIF).
inline void mask_all_exceptions() { asm volatile("msr daifset, #0xf" : : : "memory"); }
// IRQs at the current EL (PSTATE.I): masked by default at EL2, unmasked only where a
// caller waits for one (kernel/core/irq.h).
inline void irq_enable() { asm volatile("msr daifclr, #2" : : : "memory"); }
inline void irq_disable() { asm volatile("msr daifset, #2" : : : "memory"); }

}  // namespace hyp::arch

#undef HYP_SYSREG_RO
#undef HYP_SYSREG_RW
