// vcpu_run's run states and resume data (see vcpu_run_state.h).
#include "kernel/object/vcpu_run_state.h"

#include "hyp_api/gunyah_objects.h"
#include "kernel/virt/guest_trap.h"

namespace hyp {

bool run_ready(const RunSnapshot& snap)
{
    sched::BlockReasons others = snap.reasons;
    others.remove(sched::BlockReason::proxy);
    return !snap.killed && snap.powered_on && snap.vmmio == nullptr && others.none();
}

RunReport run_report(const RunSnapshot& snap)
{
    RunReport r;
    if (snap.killed) {
        // It can never run again: "exited", as Gunyah says of a thread that has exited.
        r.state = GUNYAH_VCPU_RUN_STATE_POWERED_OFF;
        r.data[0] = GUNYAH_VCPU_RUN_POWERED_OFF_EXITED;
        return r;
    }
    if (!snap.powered_on) {
        if (snap.halt == VcpuHalt::system_reset) {
            r.state = GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET;  // data: reset type 0, cookie 0
            return r;
        }
        r.state = GUNYAH_VCPU_RUN_STATE_POWERED_OFF;
        r.data[0] = snap.halt == VcpuHalt::system_off ? GUNYAH_VCPU_RUN_POWERED_OFF_EXITED : 0;
        return r;
    }
    if (snap.vmmio != nullptr) {
        const virt::MmioAccess& a = snap.vmmio->access;
        r.state = a.write ? GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE : GUNYAH_VCPU_RUN_STATE_VMMIO_READ;
        r.data[0] = a.ipa.raw();
        r.data[1] = a.size;
        r.data[2] = a.write ? snap.vmmio->value : 0;
        return r;
    }
    if (snap.reasons.has(sched::BlockReason::suspended)) {
        r.state = GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP;
        r.data[1] = GUNYAH_VCPU_RUN_WAKEUP_CPU_SUSPEND;
        return r;
    }
    if (snap.reasons.has(sched::BlockReason::wfi)) {
        r.state = GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP;
        r.data[1] = GUNYAH_VCPU_RUN_WAKEUP_WFI;
        return r;
    }
    r.state = GUNYAH_VCPU_RUN_STATE_READY;
    return r;
}

Result<VmmioAction> decode_vmmio_resume(std::uint64_t resume1, std::uint64_t resume2)
{
    if (resume2 != 0) {
        return fail(Error::unimplemented);
    }
    switch (resume1) {
    case GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE: return VmmioAction::emulate;
    case GUNYAH_VCPU_RUN_VMMIO_ACTION_RETRY: return VmmioAction::retry;
    case GUNYAH_VCPU_RUN_VMMIO_ACTION_FAULT: return VmmioAction::fault;
    default: return fail(Error::unimplemented);
    }
}

bool apply_vmmio_resume(arch::GuestRegs& gp, arch::El1SysRegs& el1, const VmmioExit& exit, VmmioAction action,
                        std::uint64_t value, const virt::GuestFeatures& features)
{
    virt::RegisterFile regs{gp.x, gp.elr, gp.spsr};
    switch (action) {
    case VmmioAction::emulate:
        if (!exit.access.write) {
            virt::complete_mmio_read(regs, exit.access, value);
        }
        virt::skip_instruction(regs, exit.syndrome.esr);
        return true;
    case VmmioAction::retry:
        return true;
    case VmmioAction::fault:
        break;
    }
    virt::TrapOutcome outcome = virt::vmmio_fault(exit.syndrome);
    virt::Injection in = virt::inject_fault(regs, outcome.fault, virt::El1State{el1.vbar_el1, el1.sctlr_el1, features});
    if (!in.supported) {
        return false;
    }
    el1.elr_el1 = in.elr_el1;
    el1.spsr_el1 = in.spsr_el1;
    el1.esr_el1 = in.esr_el1;
    if (in.write_far) {
        el1.far_el1 = in.far_el1;
    }
    return true;
}

}  // namespace hyp
