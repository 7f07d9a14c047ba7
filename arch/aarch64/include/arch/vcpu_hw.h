// The hardware side of running vCPUs, for the run loop (kernel/virt/vcpu_run.cpp): how a
// CPU is set up to run guests, how a vCPU's state goes in and out of it, what its virtual
// timer says, and how an exception is delivered into its EL1. Everything here touches EL2
// or EL1 system registers; the run loop decides when.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"

namespace hyp::arch {

// Once per CPU before it runs guests: stage-2 control (VTCR_EL2), FP/SIMD untrapped
// (fp_trap() changes that), EL1 may read the physical counter but not use the physical
// timer, CNTVOFF_EL2 = 0, the guest sees this CPU's MIDR, HCR_EL2 = guest_hcr(false).
void guest_cpu_init(std::uint64_t vtcr);

// HCR_EL2 while a guest runs: stage 2, AArch64 EL1, IRQs/FIQs/SErrors to EL2, SMC and WFI
// trapped (WFE is not: a spin-wait hint is cheaper left alone), IMPLEMENTATION DEFINED
// registers trapped, set/way invalidation upgraded to clean+invalidate, EL1's TLB and
// I-cache maintenance broadcast and barriers inner shareable (a vCPU moves between CPUs).
// `mmu_off_cacheable` adds DC: with its MMU off the guest's data is Normal write-back.
[[nodiscard]] std::uint64_t guest_hcr(bool mmu_off_cacheable);

// What a vCPU runs with beyond its own registers.
struct VcpuHwConfig {
    std::uint64_t hcr = 0;     // guest_hcr()
    std::uint64_t vttbr = 0;   // its VM's stage 2
    std::uint64_t vmpidr = 0;  // the MPIDR_EL1 it reads
};

// Puts a vCPU's EL1 state (system registers, virtual timer) and its VM's configuration
// into this CPU; its general registers go in with guest_run(), its FP/SIMD registers with
// fp_regs_restore() (arch/vcpu_context.h), when the run loop decides.
// With pointer authentication (guest_cpu_init() found it), its keys go in and out too:
// guests use it untrapped (HCR_EL2.API and APK), so each vCPU must have its own keys.
void vcpu_load(const El1SysRegs& el1, const PauthKeys& keys, const VcpuHwConfig& config);
// Takes them out again (and stops its virtual timer in the CPU).
void vcpu_save(El1SysRegs& el1, PauthKeys& keys);

// CPTR_EL2.TFP: on, FP/SIMD instructions and registers trap to EL2 (ESR EC 0x07) at
// EL0, EL1 and EL2 alike; off, they work (EL2's own use may follow at once: the write is
// synchronized). A guest entry synchronizes the other way.
void fp_trap(bool on);

// The loaded vCPU's virtual timer, as a WFI sees it.
struct VtimerWait {
    bool armed = false;        // enabled and not masked: it can end the wait
    bool pending = false;      // armed and its condition already holds
    std::uint64_t deadline = 0;  // when armed: the physical counter value it fires at
};
[[nodiscard]] VtimerWait vtimer_wait();
// Sets CNTV_CTL_EL0.IMASK of the loaded vCPU: its timer's interrupt has been taken at EL2
// and handed to its virtual GIC, and must not fire again until the guest, handling it,
// programs the timer anew (which clears IMASK, as Linux's handler does).
void vtimer_mask();

// The loaded vCPU's VBAR_EL1 and SCTLR_EL1, which exception entry reads.
[[nodiscard]] std::uint64_t guest_vbar_el1();
[[nodiscard]] std::uint64_t guest_sctlr_el1();
// Exception entry's writes to the loaded vCPU's EL1 registers; FAR_EL1 only if asked.
void guest_exception_registers(std::uint64_t elr, std::uint64_t spsr, std::uint64_t esr, bool write_far,
                               std::uint64_t far);

// Optional features that change what exception entry does to PSTATE, as this CPU has them.
struct GuestPstateFeatures {
    bool pan = false;
    bool ssbs = false;
    bool mte = false;
};
[[nodiscard]] GuestPstateFeatures guest_pstate_features();

}  // namespace hyp::arch
