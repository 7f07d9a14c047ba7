// vcpu_run's portable half: the run states it reports (x1 state, x2..x4 data) and the
// resume data a proxy answers a VMMIO exit with. Pure functions over a snapshot of the
// vCPU, so that vcpu_run and vcpu_run_check cannot disagree, and so that all of it runs
// on the host. Numbers: shared/reference/gunyah-hypercalls.md ("Run states"), checked
// against Gunyah's vcpu_run_state enumeration and Linux's gunyah_vcpu.c
// (GUNYAH_ADDRSPACE_VMMIO_ACTION_*); docs/virt.md, "Proxy scheduling", has the rules.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"
#include "support/result.h"
#include "kernel/sched/sched_entity.h"
#include "kernel/virt/fault_injection.h"
#include "kernel/virt/mmio_decode.h"

namespace hyp {

// Why a powered-off vCPU stopped, as vcpu_run / vcpu_run_check report it.
enum class VcpuHalt : std::uint8_t {
    none,          // never started, or vcpu_poweroff / PSCI CPU_OFF
    system_off,    // its VM called PSCI SYSTEM_OFF ("exited")
    system_reset,  // its VM called PSCI SYSTEM_RESET(2)
};

// x1..x4 of vcpu_run and vcpu_run_check.
struct RunReport {
    std::uint64_t state = 0;  // GUNYAH_VCPU_RUN_STATE_*
    std::uint64_t data[3] = {};
    bool operator==(const RunReport&) const = default;
};

// A load or store of a proxy-scheduled vCPU to one of its address space's VMMIO ranges,
// waiting for the proxy's answer. The vCPU's PC is still at the instruction.
struct VmmioExit {
    virt::MmioAccess access{};
    virt::AbortSyndrome syndrome{};  // for stepping over it (IL) or injecting the abort
    std::uint64_t value = 0;         // a write's value (Rt truncated to the access size)
};

// What a report is made from.
struct RunSnapshot {
    bool killed = false;
    bool powered_on = false;
    VcpuHalt halt = VcpuHalt::none;
    sched::BlockReasons reasons;
    const VmmioExit* vmmio = nullptr;  // a pending VMMIO exit, if any
};

// Could it run now (its `proxy` block aside, which only says who runs it)?
[[nodiscard]] bool run_ready(const RunSnapshot& snap);

// The state, in Gunyah's order of precedence: killed -> powered off, exited; powered off
// (exited after SYSTEM_OFF, 0x100 after SYSTEM_RESET); a pending VMMIO read / write
// (data IPA, size, and a write's value); CPU_SUSPEND / WFI -> expects wakeup (data0 the
// suspend state, not recorded: 0; data1 the reason); otherwise ready.
[[nodiscard]] RunReport run_report(const RunSnapshot& snap);

// resume1 of the vcpu_run that answers a VMMIO exit (Linux's
// GUNYAH_ADDRSPACE_VMMIO_ACTION_*, Gunyah's ADDRSPACE_RESUME_ACTION_*).
enum class VmmioAction : std::uint8_t {
    emulate,  // 0: done; a read's value is resume0
    retry,    // 1: run the instruction again
    fault,    // 2: the guest takes a data abort
};

// As Gunyah's addrspace_handle_vcpu_run_resume_vmmio_*: resume2 must be 0, resume1 one
// of the three actions; anything else is `unimplemented` and changes nothing.
[[nodiscard]] Result<VmmioAction> decode_vmmio_resume(std::uint64_t resume1, std::uint64_t resume2);

// Carries out the answer on the registers of a vCPU that is on no CPU (its EL1 registers
// are in `el1`, not live in a CPU): emulate writes a read's value to Rt, zero- or sign-extended as the
// instruction says, and steps over it; retry leaves PC where it is; fault enters the
// guest's data-abort vector as an unclaimed access would. False when no exception can be
// entered (an AArch32 PSTATE): the caller stops the vCPU.
[[nodiscard]] bool apply_vmmio_resume(arch::GuestRegs& gp, arch::El1SysRegs& el1, const VmmioExit& exit,
                                      VmmioAction action, std::uint64_t value, const virt::GuestFeatures& features);

}  // namespace hyp
