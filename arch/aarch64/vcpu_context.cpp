// Saving and restoring a vCPU's EL1 system registers (see arch/vcpu_context.h). Each
// register is named once, in one table, so save and restore cannot drift apart.
#include <arch/vcpu_context.h>

#include <arch/registers.h>
#include <arch/sysreg.h>
#include <arch/vcpu_hw.h>

namespace hyp::arch {

// X(register name, field): mrs/msr by name. SCTLR_EL1 and TCR_EL1 are apart: see
// el1_sysregs_restore().
#define HYP_EL1_SYSREGS(X)                                                                           \
    X(actlr_el1) X(cpacr_el1) X(ttbr0_el1) X(ttbr1_el1) X(mair_el1)                                  \
    X(amair_el1) X(vbar_el1) X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) X(tpidr_el1) X(sp_el0)    \
    X(elr_el1) X(spsr_el1) X(esr_el1) X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1) X(csselr_el1)  \
    X(cntkctl_el1) X(mdscr_el1)

void el1_sysregs_save(El1SysRegs& regs)
{
#define HYP_SAVE(reg) asm volatile("mrs %0, " #reg : "=r"(regs.reg));
    HYP_EL1_SYSREGS(HYP_SAVE)
    HYP_SAVE(sctlr_el1)
    HYP_SAVE(tcr_el1)
#undef HYP_SAVE
    // Stop the timer after reading it, so that it cannot fire for a vCPU that is gone.
    asm volatile("mrs %0, cntv_ctl_el0" : "=r"(regs.cntv_ctl_el0));
    asm volatile("mrs %0, cntv_cval_el0" : "=r"(regs.cntv_cval_el0));
    asm volatile("msr cntv_ctl_el0, xzr");
    isb();
}

// SCTLR_EL1 and TCR_EL1 are written only when they change. On hardware that saves
// little, but QEMU's TCG drops its whole software TLB on every TCR_EL1 write (and on an
// SCTLR_EL1 write that changes it): a vCPU that idles and comes back to the same CPU
// would otherwise refill every translation through both stages, at each wake-up.
void el1_sysregs_restore(const El1SysRegs& regs)
{
#define HYP_RESTORE(reg) asm volatile("msr " #reg ", %0" : : "r"(regs.reg));
    HYP_EL1_SYSREGS(HYP_RESTORE)
#undef HYP_RESTORE
#define HYP_RESTORE_IF_CHANGED(reg)                         \
    {                                                       \
        std::uint64_t live;                                 \
        asm volatile("mrs %0, " #reg : "=r"(live));         \
        if (live != regs.reg) {                             \
            asm volatile("msr " #reg ", %0" : : "r"(regs.reg)); \
        }                                                   \
    }
    HYP_RESTORE_IF_CHANGED(sctlr_el1)
    HYP_RESTORE_IF_CHANGED(tcr_el1)
#undef HYP_RESTORE_IF_CHANGED
    asm volatile("msr cntv_cval_el0, %0" : : "r"(regs.cntv_cval_el0));
    asm volatile("msr cntv_ctl_el0, %0" : : "r"(regs.cntv_ctl_el0));
    isb();
}

#undef HYP_EL1_SYSREGS

// ---- the run loop's hardware side (arch/vcpu_hw.h) --------------------------------

namespace {

// FEAT_PAuth in any form: ID_AA64ISAR1_EL1.APA [7:4], API [11:8], GPA [27:24], GPI [31:28];
// ID_AA64ISAR2_EL1.APA3 [15:12], GPA3 [11:8] (ID_AA64ISAR2_EL1 reads 0 before Armv8.7).
bool cpu_has_pauth()
{
    std::uint64_t isar1;
    std::uint64_t isar2;
    asm volatile("mrs %0, id_aa64isar1_el1" : "=r"(isar1));
    asm volatile("mrs %0, S3_0_C0_C6_2" : "=r"(isar2));
    constexpr std::uint64_t isar1_fields = (0xfull << 4) | (0xfull << 8) | (0xfull << 24) | (0xfull << 28);
    constexpr std::uint64_t isar2_fields = (0xfull << 8) | (0xfull << 12);
    return (isar1 & isar1_fields) != 0 || (isar2 & isar2_fields) != 0;
}

constinit bool pauth = false;  // set by guest_cpu_init(); the same on every CPU

#define HYP_PAUTH_KEYS(X)                                                                       \
    X(apia, "S3_0_C2_C1_0", "S3_0_C2_C1_1") X(apib, "S3_0_C2_C1_2", "S3_0_C2_C1_3")             \
    X(apda, "S3_0_C2_C2_0", "S3_0_C2_C2_1") X(apdb, "S3_0_C2_C2_2", "S3_0_C2_C2_3")             \
    X(apga, "S3_0_C2_C3_0", "S3_0_C2_C3_1")

void pauth_save(PauthKeys& keys)
{
#define HYP_SAVE_KEY(name, lo, hi)                                   \
    asm volatile("mrs %0, " lo : "=r"(keys.name[0]));                \
    asm volatile("mrs %0, " hi : "=r"(keys.name[1]));
    HYP_PAUTH_KEYS(HYP_SAVE_KEY)
#undef HYP_SAVE_KEY
}

void pauth_restore(const PauthKeys& keys)
{
#define HYP_RESTORE_KEY(name, lo, hi)                                \
    asm volatile("msr " lo ", %0" : : "r"(keys.name[0]));            \
    asm volatile("msr " hi ", %0" : : "r"(keys.name[1]));
    HYP_PAUTH_KEYS(HYP_RESTORE_KEY)
#undef HYP_RESTORE_KEY
}

#undef HYP_PAUTH_KEYS

// HCR_EL2.APK (bit 40): EL1 may access the key registers; API (bit 41): pointer
// authentication instructions do not trap.
constexpr std::uint64_t hcr_apk = 1ull << 40;
constexpr std::uint64_t hcr_api = 1ull << 41;

}  // namespace

std::uint64_t guest_hcr(bool mmu_off_cacheable)
{
    std::uint64_t hcr = hcr_el2::rw | hcr::vm | hcr::imo | hcr::fmo | hcr::amo | hcr::tsc | hcr::twi | hcr::tidcp |
                        hcr::swio | hcr::fb | hcr::bsu_inner;
    if (pauth) {
        hcr |= hcr_api | hcr_apk;
    }
    return mmu_off_cacheable ? hcr | hcr::dc : hcr;
}

void guest_cpu_init(std::uint64_t vtcr)
{
    pauth = cpu_has_pauth();
    write_vtcr_el2(vtcr);
    write_cptr_el2(cptr_el2::res1);          // no FP/SIMD traps until fp_trap(true)
    write_cnthctl_el2(cnthctl_el2::el1pcten);  // the counter yes, the EL1 physical timer no
    write_cntvoff_el2(0);
    write_vpidr_el2(read_midr_el1());
    write_hcr_el2(guest_hcr(false));
    isb();
}

void vcpu_load(const El1SysRegs& el1, const PauthKeys& keys, const VcpuHwConfig& config)
{
    el1_sysregs_restore(el1);
    if (pauth) {
        pauth_restore(keys);
    }
    write_vttbr_el2(config.vttbr);
    write_vmpidr_el2(config.vmpidr);
    write_hcr_el2(config.hcr);
    isb();
}

void vcpu_save(El1SysRegs& el1, PauthKeys& keys)
{
    el1_sysregs_save(el1);
    if (pauth) {
        pauth_save(keys);
    }
}

void fp_trap(bool on)
{
    write_cptr_el2(on ? cptr_el2::res1 | cptr_el2::tfp : cptr_el2::res1);
    if (!on) {
        isb();
    }
}

VtimerWait vtimer_wait()
{
    std::uint64_t control = read_cntv_ctl_el0();
    VtimerWait wait;
    wait.armed = (control & cntv_ctl::enable) != 0 && (control & cntv_ctl::imask) == 0;
    if (wait.armed) {
        wait.pending = (control & cntv_ctl::istatus) != 0;
        wait.deadline = read_cntv_cval_el0() + read_cntvoff_el2();
    }
    return wait;
}

void vtimer_mask()
{
    write_cntv_ctl_el0(read_cntv_ctl_el0() | cntv_ctl::imask);
    isb();
}

std::uint64_t guest_vbar_el1() { return read_vbar_el1(); }

std::uint64_t guest_sctlr_el1() { return read_sctlr_el1(); }

void guest_exception_registers(std::uint64_t elr, std::uint64_t spsr, std::uint64_t esr, bool write_far,
                               std::uint64_t far)
{
    write_elr_el1(elr);
    write_spsr_el1(spsr);
    write_esr_el1(esr);
    if (write_far) {
        write_far_el1(far);
    }
}

GuestPstateFeatures guest_pstate_features()
{
    constexpr unsigned pan_shift = 20;  // ID_AA64MMFR1_EL1.PAN
    constexpr unsigned ssbs_shift = 4;  // ID_AA64PFR1_EL1.SSBS
    constexpr unsigned mte_shift = 8;   // ID_AA64PFR1_EL1.MTE
    constexpr std::uint64_t field = 0xf;
    GuestPstateFeatures features;
    features.pan = ((read_id_aa64mmfr1_el1() >> pan_shift) & field) != 0;
    std::uint64_t pfr1 = read_id_aa64pfr1_el1();
    features.ssbs = ((pfr1 >> ssbs_shift) & field) != 0;
    features.mte = ((pfr1 >> mte_shift) & field) != 0;
    return features;
}

}  // namespace hyp::arch
