// The vCPU object (see vcpu.h).
#include "kernel/object/vcpu.h"

#include "kernel/object/addrspace.h"
#include "kernel/object/cspace.h"

namespace hyp {
namespace {

constinit sched::Scheduler kernel_scheduler;

bool scheduler_up() { return kernel_scheduler.cpu_count() != 0; }

}  // namespace

sched::Scheduler& vcpu_scheduler() { return kernel_scheduler; }

Vcpu::Vcpu(ObjectDestroyer destroyer) : Object(ObjectType::thread, destroyer) {}

Vcpu::~Vcpu()
{
    // Nothing else can reach the object now (its last reference is gone), so no lock.
    // A powered-on vCPU may be ready on a queue: take it off before the memory goes. The
    // target glue must also make sure it is not running or leaving a CPU (the scheduler
    // holds no reference; see docs/objects.md, vCPUs).
    if (powered_on_ && !killed_ && scheduler_up()) {
        (void)vcpu_scheduler().block(entity_, sched::BlockReason::killed);
    }
    if (cspace_ != nullptr) {
        cspace_->put();
    }
    if (addrspace_ != nullptr) {
        addrspace_->put();
    }
}

Status Vcpu::require_init() const
{
    return state() == ObjectState::init ? success() : fail(Error::object_state);
}

void Vcpu::record(sched::Kick kick)
{
    if (kick.needed()) {
        kick_ = kick;
    }
}

sched::Kick Vcpu::take_kick()
{
    Locked<Vcpu> held(*this);
    sched::Kick k = kick_;
    kick_ = sched::Kick::none();
    return k;
}

Status Vcpu::configure(std::uint64_t options)
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    options_ = options;
    return success();
}

Status Vcpu::attach_cspace(CSpace& cspace)
{
    CSpace* old = nullptr;
    {
        Locked<Vcpu> held(*this);
        if (Status s = require_init(); !s) {
            return s;
        }
        cspace.retain();
        old = cspace_;
        cspace_ = &cspace;
    }
    if (old != nullptr) {
        old->put();  // outside our lock: it may be the last reference
    }
    return success();
}

Status Vcpu::attach_addrspace(AddrSpace& as)
{
    AddrSpace* old = nullptr;
    {
        Locked<Vcpu> held(*this);
        if (Status s = require_init(); !s) {
            return s;
        }
        as.retain();
        old = addrspace_;
        addrspace_ = &as;
    }
    if (old != nullptr) {
        old->put();
    }
    return success();
}

Status Vcpu::set_priority(sched::Priority priority)
{
    if (priority > max_vcpu_priority) {
        return fail(Error::denied);
    }
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    if (!scheduler_up()) {
        return fail(Error::failure);
    }
    Result<sched::Kick> k = vcpu_scheduler().set_priority(entity_, priority);
    if (!k) {
        return fail(k.error());
    }
    record(*k);
    return success();
}

Status Vcpu::set_timeslice(sched::Nanoseconds ns)
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    if (!scheduler_up()) {
        return fail(Error::failure);
    }
    return vcpu_scheduler().set_timeslice(entity_, ns);
}

Status Vcpu::set_vm_index(std::uint32_t index)
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    vm_index_ = index;
    return success();
}

Status Vcpu::activate()
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    if (cspace_ == nullptr || addrspace_ == nullptr) {
        return fail(Error::object_config);
    }
    if (!scheduler_up()) {
        return fail(Error::failure);
    }
    // Blocked all along: powered_off replaces inactive, nothing can be kicked.
    (void)vcpu_scheduler().block(entity_, sched::BlockReason::powered_off);
    (void)vcpu_scheduler().unblock(entity_, sched::BlockReason::inactive);
    mark_active();
    return success();
}

Status Vcpu::set_affinity(sched::CpuIndex cpu)
{
    Locked<Vcpu> held(*this);
    if (state() == ObjectState::deleted) {
        return fail(Error::object_state);
    }
    if (cpu >= vcpu_scheduler().cpu_count()) {
        return fail(Error::arg_inval);
    }
    Result<sched::Kick> k = vcpu_scheduler().set_affinity(entity_, cpu);
    if (!k) {
        return fail(k.error());
    }
    record(*k);
    return success();
}

Status Vcpu::poweron(std::uint64_t entry, bool keep_entry, std::uint64_t context, bool keep_context)
{
    Locked<Vcpu> held(*this);
    if (state() != ObjectState::active || killed_) {
        return fail(Error::object_state);
    }
    if (powered_on_) {
        return fail(Error::busy);
    }
    if (!keep_entry) {
        regs_.pc = entry;
    }
    if (!keep_context) {
        regs_.x[0] = context;
    }
    regs_.pstate = vcpu_reset_pstate;
    regs_.sctlr_el1 = vcpu_reset_sctlr_el1;
    regs_.tcr_el1 = 0;
    regs_.ttbr0_el1 = 0;
    regs_.ttbr1_el1 = 0;
    regs_.mair_el1 = 0;
    regs_.vbar_el1 = 0;
    regs_.cpacr_el1 = 0;
    powered_on_ = true;
    last_vcpu_ = false;
    record(vcpu_scheduler().unblock(entity_, sched::BlockReason::powered_off));
    return success();
}

Status Vcpu::poweroff(bool last_vcpu)
{
    Locked<Vcpu> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (!powered_on_ || killed_) {
        return fail(Error::arg_inval);
    }
    powered_on_ = false;
    last_vcpu_ = last_vcpu;
    record(vcpu_scheduler().block(entity_, sched::BlockReason::powered_off));
    return success();
}

Status Vcpu::kill()
{
    Locked<Vcpu> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (killed_) {
        return success();
    }
    killed_ = true;
    record(vcpu_scheduler().block(entity_, sched::BlockReason::killed));
    return success();
}

}  // namespace hyp
