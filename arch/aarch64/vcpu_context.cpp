// Saving and restoring a vCPU's EL1 system registers (see arch/vcpu_context.h). Each
// register is named once, in one table, so save and restore cannot drift apart.
#include <arch/vcpu_context.h>

#include <arch/sysreg.h>

namespace hyp::arch {

// X(register name, field): mrs/msr by name.
#define HYP_EL1_SYSREGS(X)                                                                           \
    X(sctlr_el1) X(actlr_el1) X(cpacr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1)          \
    X(amair_el1) X(vbar_el1) X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) X(tpidr_el1) X(sp_el0)    \
    X(elr_el1) X(spsr_el1) X(esr_el1) X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1) X(csselr_el1)  \
    X(cntkctl_el1) X(mdscr_el1)

void el1_sysregs_save(El1SysRegs& regs)
{
#define HYP_SAVE(reg) asm volatile("mrs %0, " #reg : "=r"(regs.reg));
    HYP_EL1_SYSREGS(HYP_SAVE)
#undef HYP_SAVE
    // Stop the timer after reading it, so that it cannot fire for a vCPU that is gone.
    asm volatile("mrs %0, cntv_ctl_el0" : "=r"(regs.cntv_ctl_el0));
    asm volatile("mrs %0, cntv_cval_el0" : "=r"(regs.cntv_cval_el0));
    asm volatile("msr cntv_ctl_el0, xzr");
    isb();
}

void el1_sysregs_restore(const El1SysRegs& regs)
{
#define HYP_RESTORE(reg) asm volatile("msr " #reg ", %0" : : "r"(regs.reg));
    HYP_EL1_SYSREGS(HYP_RESTORE)
#undef HYP_RESTORE
    asm volatile("msr cntv_cval_el0, %0" : : "r"(regs.cntv_cval_el0));
    asm volatile("msr cntv_ctl_el0, %0" : : "r"(regs.cntv_ctl_el0));
    isb();
}

#undef HYP_EL1_SYSREGS

}  // namespace hyp::arch
