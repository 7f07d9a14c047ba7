// Virtual PSCI 1.1 (Arm DEN 0022) for one VM: the power state of each of its vCPUs and
// the answer to each PSCI call a vCPU makes through HVC #0 or a trapped SMC #0. The
// answer is a description of effects (x0, start that vCPU, stop this one, wait for an
// interrupt, power the VM off or reset it) that the glue and the scheduler carry out;
// nothing here runs or stops anything.
//
// Calls: PSCI_VERSION, PSCI_FEATURES, CPU_SUSPEND, CPU_OFF, CPU_ON, AFFINITY_INFO,
// MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET and SYSTEM_RESET2, in both SMC32 and SMC64
// forms where the spec has both (SMC32 arguments are the low 32 bits of x1..x3). Other
// ids in the PSCI range (0x84000000..1f, 0xc4000000..1f) answer NOT_SUPPORTED.
//
// vCPU power states. CPU_ON moves a vCPU from off to on_pending; the glue calls
// vcpu_started() when it actually runs. CPU_OFF moves the caller to stopping; the glue
// calls vcpu_stopped() once it is off its physical CPU. Until then the vCPU is still on
// as far as the guest can tell (AFFINITY_INFO says ON, CPU_ON says ALREADY_ON), so a
// CPU_ON can never race a vCPU that is still on its way out. Linux's hotplug waits for
// AFFINITY_INFO to say OFF before it powers a CPU on again.
//
// MPIDRs: the convention of hyp_api/vcpu_mpidr.h, which the RM also writes into each VM's
// device tree: Aff0 = index % 16, Aff1 = index / 16.
//
// Locking: one lock per VM, a leaf: nothing is called with it held. The memory check
// of CPU_ON's entry point is made before it is taken.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/virt/guest_context.h"

namespace hyp::virt {

enum class VcpuPower : std::uint8_t {
    off,
    on_pending,  // CPU_ON accepted, not yet running
    on,
    stopping,    // CPU_OFF accepted, not yet off its CPU
};

enum class PsciEffect : std::uint8_t {
    none,          // write x0, resume the caller
    start_vcpu,    // as none, and start vCPU `target`: psci_entry_state(entry, context)
    stop_self,     // CPU_OFF: the caller does not return; take it off its CPU, then
                   // vcpu_stopped()
    suspend,       // CPU_SUSPEND: block the caller until an interrupt is pending for it
                   // (as WFI would), then resume it with x0
    system_off,    // SYSTEM_OFF: the caller does not return; the VM is to power off
                   // (the RM is told; for the primary VM it powers the machine off)
    system_reset,  // SYSTEM_RESET(2): the caller does not return; the VM is to reset
};

struct PsciOutcome {
    bool handled = false;  // false: not a PSCI function id; nothing changed
    std::uint64_t x0 = 0;  // the return value (sign-extended PSCI code)
    PsciEffect effect = PsciEffect::none;
    // start_vcpu:
    unsigned target = 0;
    std::uint64_t entry = 0;
    std::uint64_t context = 0;
};

class Vpsci {
public:
    static constexpr unsigned max_vcpus = 64;

    constexpr Vpsci() = default;
    Vpsci(const Vpsci&) = delete;
    Vpsci& operator=(const Vpsci&) = delete;

    // A VM with `vcpu_count` vCPUs, all off but `boot_vcpu`. arg_inval for a count of 0
    // or above max_vcpus, or a boot vCPU outside it.
    [[nodiscard]] Status init(unsigned vcpu_count, const GuestMemory& memory, unsigned boot_vcpu = 0);

    // x0..x7 of the calling vCPU `caller` (its index in this VM).
    [[nodiscard]] PsciOutcome call(unsigned caller, const std::uint64_t (&regs)[8]);

    // The glue has a vCPU running after CPU_ON (on_pending -> on).
    void vcpu_started(unsigned index);
    // The glue has taken a vCPU off its CPU (after CPU_OFF, or for its own reasons).
    // True when no vCPU of the VM is on or on its way on any more.
    [[nodiscard]] bool vcpu_stopped(unsigned index);
    // VM reset: every vCPU off but `boot_vcpu`, which is on.
    void reset(unsigned boot_vcpu);

    [[nodiscard]] VcpuPower power(unsigned index);
    [[nodiscard]] unsigned vcpu_count() const { return count_; }

    // True for x0 values in the PSCI function-id range (upper 32 bits clear).
    [[nodiscard]] static bool is_psci_call(std::uint64_t x0);

private:
    [[nodiscard]] PsciOutcome cpu_on(unsigned caller, bool smc64, const std::uint64_t (&regs)[8]);
    [[nodiscard]] PsciOutcome affinity_info(bool smc64, const std::uint64_t (&regs)[8]);
    [[nodiscard]] PsciOutcome cpu_off(unsigned caller);
    [[nodiscard]] bool any_running() const;
    [[nodiscard]] int index_of(std::uint64_t mpidr, bool smc64) const;

    SpinLock lock_;
    const GuestMemory* memory_ = nullptr;
    unsigned count_ = 0;
    VcpuPower power_[max_vcpus] = {};
};

// The entry point for the lead's SMCCC dispatch: handled = false for anything that is
// not a PSCI call (the dispatcher answers NOT_SUPPORTED as before).
[[nodiscard]] inline PsciOutcome vpsci_call(Vpsci& vm, unsigned vcpu, const std::uint64_t (&regs)[8])
{
    return vm.call(vcpu, regs);
}

// The state a vCPU starts in after CPU_ON (PSCI, "initial core configuration"): PC =
// entry, x0 = context id, other general registers zero, EL1h with D, A, I and F masked.
// The glue also gives it SCTLR_EL1 with the MMU and caches off
// (arch::sctlr_el1::reset_mmu_off) and the caller's SCTLR_EL1.EE.
void psci_entry_state(const RegisterFile& regs, std::uint64_t entry, std::uint64_t context);

// MPIDR affinity of vCPU `index` (as the VM's device tree lists it), and the value for
// its VMPIDR_EL2 (bit 31 RES1; U = 0, MT = 0).
[[nodiscard]] std::uint64_t vcpu_mpidr(unsigned index);
[[nodiscard]] std::uint64_t vcpu_vmpidr_el2(unsigned index);

}  // namespace hyp::virt
