// The EL1 state a vCPU owns beyond its general registers (those are in GuestRegs,
// arch/guest.h): the EL1 system registers a guest OS programs, its virtual timer, and its
// FP/SIMD registers. Saved when a vCPU leaves a physical CPU and restored when it comes
// back, so that any number of vCPUs can share one.
#pragma once

#include <cstdint>

namespace hyp::arch {

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

void el1_sysregs_save(El1SysRegs& regs);
void el1_sysregs_restore(const El1SysRegs& regs);

extern "C" void fp_regs_save(FpRegs* regs);
extern "C" void fp_regs_restore(const FpRegs* regs);

}  // namespace hyp::arch
