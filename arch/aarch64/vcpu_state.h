// The register state of a vCPU as the hardware sees it, as plain data: what guest_run()
// enters EL1 with and saves back (GuestRegs), the EL1 system registers and virtual timer
// the vCPU owns (El1SysRegs), and its FP/SIMD registers (FpRegs). Pure layout, no
// register access, so the portable vCPU object embeds it and the host tests build it;
// arch/guest.h and arch/vcpu_context.h move it in and out of the CPU.
#pragma once

#include <cstdint>

namespace hyp::arch {

struct GuestRegs {
    std::uint64_t x[31] = {};
    std::uint64_t sp_el1 = 0;
    std::uint64_t elr = 0;   // where the guest resumes
    std::uint64_t spsr = 0;  // its PSTATE on resume
    // Captured at the exit:
    std::uint64_t esr = 0;
    std::uint64_t far = 0;
    std::uint64_t hpfar = 0;
};
static_assert(__builtin_offsetof(GuestRegs, sp_el1) == 31 * 8, "guest_entry.S GUEST_SP_EL1");
static_assert(__builtin_offsetof(GuestRegs, elr) == 32 * 8, "guest_entry.S GUEST_ELR");
static_assert(__builtin_offsetof(GuestRegs, esr) == 34 * 8, "guest_entry.S GUEST_ESR");

struct El1SysRegs {
    std::uint64_t sctlr_el1 = 0;
    std::uint64_t actlr_el1 = 0;
    std::uint64_t cpacr_el1 = 0;
    std::uint64_t ttbr0_el1 = 0;
    std::uint64_t ttbr1_el1 = 0;
    std::uint64_t tcr_el1 = 0;
    std::uint64_t mair_el1 = 0;
    std::uint64_t amair_el1 = 0;
    std::uint64_t vbar_el1 = 0;
    std::uint64_t contextidr_el1 = 0;
    std::uint64_t tpidr_el0 = 0;
    std::uint64_t tpidrro_el0 = 0;
    std::uint64_t tpidr_el1 = 0;
    std::uint64_t sp_el0 = 0;
    std::uint64_t elr_el1 = 0;
    std::uint64_t spsr_el1 = 0;
    std::uint64_t esr_el1 = 0;
    std::uint64_t far_el1 = 0;
    std::uint64_t afsr0_el1 = 0;
    std::uint64_t afsr1_el1 = 0;
    std::uint64_t par_el1 = 0;
    std::uint64_t csselr_el1 = 0;
    std::uint64_t cntkctl_el1 = 0;
    std::uint64_t mdscr_el1 = 0;
    // The EL1 virtual timer, which belongs to the vCPU; CNTVOFF_EL2 belongs to its VM.
    std::uint64_t cntv_ctl_el0 = 0;
    std::uint64_t cntv_cval_el0 = 0;
};

// Q0-Q31, FPSR and FPCR. The kernel itself never touches these registers (it is built
// with -mgeneral-regs-only), so they hold whatever the last vCPU left in them.
struct FpRegs {
    alignas(16) std::uint64_t q[32][2] = {};
    std::uint64_t fpsr = 0;
    std::uint64_t fpcr = 0;
};
static_assert(sizeof(FpRegs) == 32 * 16 + 16, "fp_context.S lays out FpRegs by offset");

// The pointer-authentication keys of EL1&0 (FEAT_PAuth): a guest kernel's and its
// processes' keys, switched with the vCPU on CPUs that have them.
struct PauthKeys {
    std::uint64_t apia[2] = {};  // lo, hi
    std::uint64_t apib[2] = {};
    std::uint64_t apda[2] = {};
    std::uint64_t apdb[2] = {};
    std::uint64_t apga[2] = {};
};

// A vCPU's virtual GIC CPU interface beyond its list registers: ICH_VMCR_EL2 (the guest's
// group enables, priority mask, binary points) and the active-priority registers.
struct GicCpuInterfaceState {
    std::uint64_t vmcr = 0;
    std::uint32_t ap0r[4] = {};
    std::uint32_t ap1r[4] = {};
};

}  // namespace hyp::arch
