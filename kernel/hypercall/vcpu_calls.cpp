// The vCPU (thread) calls: partition_create_thread, vcpu_configure, cspace_attach_thread,
// addrspace_attach_thread, vcpu_poweron / poweroff / kill, vcpu_set_affinity /
// _priority / _timeslice, vcpu_run_check. Order of checks as Gunyah (hyp/vm/vcpu/aarch64/src/
// hypercalls.c): undefined flag bits first, then caps, then state. The rules are in
// kernel/object/vcpu.h.
//
// Kicks: each call that changes a scheduler entity records a Kick in the vCPU; these
// handlers leave it there. The target glue will take_kick() and send it.
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/vcpu.h"

namespace hyp::hypercall {
namespace {

constexpr std::uint64_t poweron_flags_valid = GUNYAH_VCPU_POWERON_KEEP_ENTRY | GUNYAH_VCPU_POWERON_KEEP_CONTEXT;
constexpr std::uint64_t poweroff_flags_valid = GUNYAH_VCPU_POWEROFF_LAST_VCPU;

// The thread behind `cap`, any state, with `rights`.
Result<Ref<Vcpu>> vcpu_of(Caller& caller, CapId cap, Rights rights)
{
    return caller.cspace->lookup_as<Vcpu>(cap, rights);
}

// An attach call: (target, thread): the thread cap needs ACTIVATE (looked up first, as
// Gunyah), the target `right` and must be active.
template <typename T, typename Attach>
Return attach(Caller& caller, const Args& a, Rights right, Attach attach_fn)
{
    auto vcpu = vcpu_of(caller, a.arg[1], GUNYAH_RIGHT_ACTIVATE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    auto target = caller.cspace->lookup_as<T>(a.arg[0], right);
    if (!target) {
        return error_return(target.error());
    }
    if ((*target)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    return status_return(attach_fn(**vcpu, **target));
}

}  // namespace

Return partition_create_thread(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::thread);
}

// (vcpu, options, R0): ACTIVATE, init only.
Return vcpu_configure(Caller& caller, const Args& a)
{
    if ((a.arg[1] & ~std::uint64_t{GUNYAH_VCPU_OPTIONS_VALID_MASK}) != 0) {
        return error_return(Error::arg_inval);
    }
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->configure(a.arg[1]));
}

// (cspace, thread, R0)
Return cspace_attach_thread(Caller& caller, const Args& a)
{
    return attach<CSpace>(caller, a, GUNYAH_RIGHT_CSPACE_ATTACH,
                          [](Vcpu& v, CSpace& c) { return v.attach_cspace(c); });
}

// (as, thread, R0)
Return addrspace_attach_thread(Caller& caller, const Args& a)
{
    return attach<AddrSpace>(caller, a, GUNYAH_RIGHT_ADDRSPACE_ATTACH,
                             [](Vcpu& v, AddrSpace& as) { return v.attach_addrspace(as); });
}

// (vcpu, entry, context, flags): POWER.
Return vcpu_poweron(Caller& caller, const Args& a)
{
    if ((a.arg[3] & ~poweron_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_POWER);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->poweron(a.arg[1], (a.arg[3] & GUNYAH_VCPU_POWERON_KEEP_ENTRY) != 0, a.arg[2],
                                          (a.arg[3] & GUNYAH_VCPU_POWERON_KEEP_CONTEXT) != 0));
}

// (vcpu, flags): POWER.
Return vcpu_poweroff(Caller& caller, const Args& a)
{
    if ((a.arg[1] & ~poweroff_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_POWER);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->poweroff((a.arg[1] & GUNYAH_VCPU_POWEROFF_LAST_VCPU) != 0));
}

// (vcpu, R0): LIFECYCLE.
Return vcpu_kill(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_LIFECYCLE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->kill());
}

// (vcpu, cpu index, res1): the CPU is checked first (Gunyah), then AFFINITY.
Return vcpu_set_affinity(Caller& caller, const Args& a)
{
    if (a.arg[1] >= vcpu_scheduler().cpu_count()) {
        return error_return(Error::arg_inval);
    }
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_AFFINITY);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->set_affinity(static_cast<sched::CpuIndex>(a.arg[1])));
}

// (vcpu, priority): PRIORITY; u32 in the ABI, so upper bits count as a huge priority.
Return vcpu_set_priority(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_PRIORITY);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    if (a.arg[1] > max_vcpu_priority) {
        return error_return(Error::denied);
    }
    return status_return((*vcpu)->set_priority(static_cast<sched::Priority>(a.arg[1])));
}

// (vcpu, timeslice ns): TIMESLICE.
Return vcpu_set_timeslice(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_TIMESLICE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->set_timeslice(a.arg[1]));
}

// (vcpu, R0) -> X1 run state, X2..X3 state data 0..1: what vcpu_run would find, without
// running it. STATE and BIND_VIRQ (Gunyah asks for both); active. Any vCPU the caller has
// a cap to (Gunyah restricts vcpu_run, not this, to proxy-scheduled vCPUs). A snapshot:
// the block reasons are the run queue lock's, read without it; the state may change right
// after the call anyway. Gunyah answers BUSY for a runnable vCPU where this says READY.
Return vcpu_run_check(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_STATE | GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    Vcpu& v = **vcpu;
    if (v.state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    bool on = false;
    bool killed = false;
    VcpuHalt halt = VcpuHalt::none;
    sched::BlockReasons reasons;
    {
        Locked<Vcpu> held(v);
        on = v.powered_on();
        killed = v.killed();
        halt = v.halted();
        reasons = v.entity().block_reasons();
    }
    if (killed) {
        // It can never run again: "exited", as Gunyah says of a thread that has exited.
        return ok_return(GUNYAH_VCPU_RUN_STATE_POWERED_OFF, GUNYAH_VCPU_RUN_POWERED_OFF_EXITED);
    }
    if (!on) {
        if (halt == VcpuHalt::system_reset) {
            return ok_return(GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET);  // data: reset type 0, cookie 0
        }
        return ok_return(GUNYAH_VCPU_RUN_STATE_POWERED_OFF,
                         halt == VcpuHalt::system_off ? GUNYAH_VCPU_RUN_POWERED_OFF_EXITED : 0);
    }
    if (reasons.has(sched::BlockReason::suspended)) {
        return ok_return(GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, 0, GUNYAH_VCPU_RUN_WAKEUP_CPU_SUSPEND);
    }
    if (reasons.has(sched::BlockReason::wfi)) {
        return ok_return(GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, 0, GUNYAH_VCPU_RUN_WAKEUP_WFI);
    }
    return ok_return(GUNYAH_VCPU_RUN_STATE_READY);
}

// (control, arg1, R0): ends the caller's time slice. control bits 15:0 are the hint
// (kernel/sched/scheduler.h decodes it: bit 31 or an unknown hint is arg_inval); arg1
// names the target of a directed yield, which is taken as a plain yield (a hint).
Return scheduler_yield(Caller& caller, const Args& a)
{
    Result<sched::YieldHint> hint = sched::decode_yield_control(a.arg[0]);
    if (!hint) {
        return error_return(hint.error());
    }
    caller.yield_requested = true;
    return ok_return();
}

}  // namespace hyp::hypercall
