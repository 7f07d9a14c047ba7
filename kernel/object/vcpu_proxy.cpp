// The vCPU's interrupt outputs (vcpu_bind_virq) and proxy scheduling (vcpu_run): see
// vcpu.h, and docs/virt.md "Proxy scheduling" for the run loop's half.
#include "hyp_api/gunyah_objects.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vpm_group.h"
#include "kernel/sched/kick.h"

namespace hyp {
namespace {

constinit virt::GuestFeatures machine_features{};

}  // namespace

void Vcpu::set_guest_features(const virt::GuestFeatures& features) { machine_features = features; }

// ---- interrupt outputs ---------------------------------------------------------------------

VirqSource* Vcpu::source(std::uint64_t type)
{
    switch (type) {
    case GUNYAH_VCPU_VIRQ_HALT: return &halt_virq_;
    case GUNYAH_VCPU_VIRQ_RUN_WAKEUP: return &wakeup_virq_;
    default: return nullptr;
    }
}

Status Vcpu::bind_virq(Vic& vic, std::uint64_t virq, std::uint64_t type)
{
    VirqSource* s = source(type);
    if (s == nullptr) {
        return fail(Error::arg_inval);  // Gunyah: no handler for the selector
    }
    return bind_owned_source(*this, *s, vic, virq);
}

Status Vcpu::unbind_virq(std::uint64_t type)
{
    VirqSource* s = source(type);
    if (s == nullptr) {
        return fail(Error::arg_inval);
    }
    return unbind_owned_source(*this, *s);
}

void Vcpu::halted_now()
{
    halt_virq_.raise();
    if (in_run_) {
        sched::poke(proxy_cpu());  // its runner must see it stop
    }
}

// ---- proxy scheduling ---------------------------------------------------------------------

bool Vcpu::run_scheduled() const { return (options_ & GUNYAH_VCPU_OPTION_RUN_SCHEDULED) != 0; }

RunSnapshot Vcpu::snapshot() const
{
    RunSnapshot snap;
    snap.killed = killed_;
    snap.powered_on = powered_on_;
    snap.halt = halt_;
    // The block reasons belong to the run queue lock: a snapshot, ordered after every
    // block and unblock that happened before our lock was taken (docs/virt.md).
    snap.reasons = entity_.block_reasons();
    snap.vmmio = vmmio_pending_ ? &vmmio_ : nullptr;
    return snap;
}

void Vcpu::note_report(const RunReport& report, bool may_disarm)
{
    // The proxy will wait for the run-wakeup interrupt after these: owe it one.
    bool must_wait = report.state == GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP ||
                     (report.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF &&
                      (report.data[0] & GUNYAH_VCPU_RUN_POWERED_OFF_EXITED) == 0);
    if (must_wait || may_disarm) {
        wakeup_armed_ = must_wait;
    }
}

Result<Vcpu::RunStart> Vcpu::run_begin(std::uint64_t resume0, std::uint64_t resume1, std::uint64_t resume2,
                                       sched::CpuIndex cpu)
{
    Locked<Vcpu> held(*this);
    if (!run_scheduled() || in_run_) {
        return fail(Error::busy);  // Gunyah: "not proxy-scheduled, or run by another caller"
    }
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (vmmio_pending_) {
        Result<VmmioAction> action = decode_vmmio_resume(resume1, resume2);
        if (!action) {
            return fail(action.error());
        }
        // The vCPU is on no CPU (not in a run, its registers saved): its state is here.
        if (!apply_vmmio_resume(regs_.gp, regs_.el1, vmmio_, *action, resume0, machine_features)) {
            vmmio_pending_ = false;
            killed_ = true;  // no exception can be entered: it cannot go on (as the run loop)
            record(vcpu_scheduler().block(entity_, sched::BlockReason::killed));
            halted_now();
        }
        vmmio_pending_ = false;
    }
    // Other states' resume data mean nothing (Gunyah has no handler for them).
    RunSnapshot snap = snapshot();
    if (!run_ready(snap)) {
        RunStart start;
        start.report = run_report(snap);
        note_report(start.report, /*may_disarm=*/true);
        return start;
    }
    in_run_ = true;
    wakeup_armed_ = false;
    __atomic_store_n(&proxy_cpu_, cpu, __ATOMIC_RELEASE);
    RunStart start;
    start.run = true;
    return start;
}

bool Vcpu::run_should_stop()
{
    Locked<Vcpu> held(*this);
    return !run_ready(snapshot());
}

void Vcpu::run_vmmio_exit(const VmmioExit& exit)
{
    Locked<Vcpu> held(*this);
    vmmio_ = exit;
    vmmio_pending_ = true;
}

void Vcpu::run_left_cpu() { __atomic_store_n(&proxy_cpu_, sched::no_cpu, __ATOMIC_RELEASE); }

RunReport Vcpu::run_end()
{
    Locked<Vcpu> held(*this);
    in_run_ = false;
    RunReport report = run_report(snapshot());
    note_report(report, /*may_disarm=*/true);
    return report;
}

Result<RunReport> Vcpu::run_check()
{
    Locked<Vcpu> held(*this);
    if (in_run_) {
        return fail(Error::busy);  // Gunyah: runnable (a caller has it) is busy
    }
    RunReport report = run_report(snapshot());
    if (run_scheduled()) {
        // Only arms: a look from someone else (the RM's watch) that finds the vCPU ready
        // must not take back the wakeup its proxy was promised, which an interrupt that
        // has just made it ready is about to raise (interrupt_arrived, after the vic's lock).
        note_report(report, /*may_disarm=*/false);
    }
    return report;
}

bool Vcpu::in_run() const
{
    LockGuard held{lock};
    return in_run_;
}

bool Vcpu::registers_live() { return vcpu_scheduler().on_cpu(entity_) || proxy_cpu() != sched::no_cpu; }

void Vcpu::interrupt_arrived(bool was_suspended)
{
    if (run_scheduled()) {
        Locked<Vcpu> held(*this);
        if (in_run_) {
            // Its runner refills its list registers at its next entry: another CPU must
            // leave the guest for that; this one is at EL2 already.
            sched::poke(proxy_cpu());
        } else if (wakeup_armed_ && run_ready(snapshot())) {
            wakeup_armed_ = false;
            wakeup_virq_.raise();  // Gunyah's vcpu_run_trigger_virq on vcpu_wakeup
        }
    }
    if (was_suspended && vpm_group_ != nullptr) {
        vpm_group_->update_virq();  // it may have left CPU_SUSPEND: the group's state too
    }
}

}  // namespace hyp
