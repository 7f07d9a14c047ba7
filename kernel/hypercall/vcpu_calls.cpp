// The vCPU (thread) calls: partition_create_thread, vcpu_configure, cspace_attach_thread,
// addrspace_attach_thread, vcpu_poweron / poweroff / kill, vcpu_set_affinity /
// _priority / _timeslice, vcpu_bind_virq / unbind_virq, vcpu_run and vcpu_run_check. Order of checks as Gunyah (hyp/vm/vcpu/aarch64/src/
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
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"

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

// After a power change, with no lock held: its VPM group's interrupt may be due.
void group_state_may_change(Vcpu& vcpu)
{
    if (VpmGroup* group = vcpu.vpm_group(); group != nullptr) {
        group->update_virq();
    }
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
    Status s = (*vcpu)->poweron(a.arg[1], (a.arg[3] & GUNYAH_VCPU_POWERON_KEEP_ENTRY) != 0, a.arg[2],
                                (a.arg[3] & GUNYAH_VCPU_POWERON_KEEP_CONTEXT) != 0);
    group_state_may_change(**vcpu);
    return status_return(s);
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
    Status s = (*vcpu)->poweroff((a.arg[1] & GUNYAH_VCPU_POWEROFF_LAST_VCPU) != 0);
    group_state_may_change(**vcpu);
    return status_return(s);
}

// (vcpu, R0): LIFECYCLE.
Return vcpu_kill(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_LIFECYCLE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    Status s = (*vcpu)->kill();
    group_state_may_change(**vcpu);
    return status_return(s);
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

// (vcpu, register set, index, value, R0): WRITE_CONTEXT, any state; the rest is
// Vcpu::register_write's (Gunyah's vcpu_register_write).
Return vcpu_register_write(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_WRITE_CONTEXT);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    if (a.arg[1] > UINT32_MAX || a.arg[2] > UINT32_MAX) {
        return error_return(Error::arg_inval);  // u32 register set and index
    }
    return status_return((*vcpu)->register_write(static_cast<std::uint32_t>(a.arg[1]),
                                                 static_cast<std::uint32_t>(a.arg[2]), a.arg[3]));
}

// (vcpu, R0) -> X1 run state, X2..X4 state data 0..2: what vcpu_run would report,
// without running it (the same function makes both reports). STATE and BIND_VIRQ (Gunyah
// asks for both); active. Busy while a vcpu_run runs it (Gunyah: runnable is busy). Any
// vCPU the caller has a cap to: a hypervisor-scheduled one that runs or is ready reads
// READY here, where Gunyah answers BUSY.
Return vcpu_run_check(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_STATE | GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    if ((*vcpu)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    Result<RunReport> report = (*vcpu)->run_check();
    if (!report) {
        return error_return(report.error());
    }
    return run_return(report->state, report->data[0], report->data[1], report->data[2]);
}

// (vcpu, resume0, resume1, resume2, R0) -> X1 state, X2..X4 data. As Gunyah's
// hypercall_vcpu_run: AFFINITY and YIELD_TO; active; busy unless proxy-scheduled or
// while another caller runs it; a pending VMMIO exit takes the resume data. A vCPU that
// cannot run reports at once; one that can is left to the run loop (Caller::run_target),
// which runs it in the caller's place and writes the report. A caller that is itself run
// by vcpu_run may not run another (denied: the run loop does not nest them).
Return vcpu_run(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_AFFINITY | GUNYAH_RIGHT_THREAD_YIELD_TO);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    Vcpu& v = **vcpu;
    if (v.state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    if (caller.vcpu != nullptr && caller.vcpu->run_scheduled()) {
        return error_return(Error::denied);
    }
    Result<Vcpu::RunStart> start = v.run_begin(a.arg[1], a.arg[2], a.arg[3], caller.cpu);
    if (!start) {
        return error_return(start.error());
    }
    if (!start->run) {
        const RunReport& r = start->report;
        return run_return(r.state, r.data[0], r.data[1], r.data[2]);
    }
    v.retain();  // the run loop's, dropped when the run ends
    caller.run_target = &v;
    return run_return(GUNYAH_VCPU_RUN_STATE_READY, 0, 0, 0);  // the run loop writes the real one
}

// (vcpu, vic, virq, virq_type, R0): as Gunyah: the thread cap BIND_VIRQ, the vic's
// BIND_SOURCE, then the type (arg_inval), then the source's and the vic's checks.
Return vcpu_bind_virq(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    auto vic = caller.cspace->lookup_as<Vic>(a.arg[1], GUNYAH_RIGHT_VIC_BIND_SOURCE);
    if (!vic) {
        return error_return(vic.error());
    }
    return status_return((*vcpu)->bind_virq(**vic, a.arg[2], a.arg[3]));
}

// (vcpu, virq_type, R0): BIND_VIRQ; an unknown type arg_inval; not bound irq_unbound (as
// our doorbells and queues; Gunyah answers OK).
Return vcpu_unbind_virq(Caller& caller, const Args& a)
{
    auto vcpu = vcpu_of(caller, a.arg[0], GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    return status_return((*vcpu)->unbind_virq(a.arg[1]));
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
