// The vCPU object (see vcpu.h).
#include "kernel/object/vcpu.h"

#include "hyp_api/gunyah_objects.h"

#include <bit>
#include <cstddef>

#include "kernel/core/log.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/cspace.h"
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"
#include "kernel/sched/kick.h"

namespace hyp {
namespace {

constinit sched::Scheduler kernel_scheduler;

bool scheduler_up() { return kernel_scheduler.cpu_count() != 0; }

}  // namespace

sched::Scheduler& vcpu_scheduler() { return kernel_scheduler; }

Vcpu::Vcpu(ObjectDestroyer destroyer)
    : Object(ObjectType::thread, destroyer), wake_timer_{vcpu_wake_timer_fired, this}
{
}

void vcpu_wake_timer_fired(sched::TimerEvent& event, sched::Ticks)
{
    Vcpu& vcpu = *static_cast<Vcpu*>(event.context());
    if (Vic* vic = vcpu.vic(); vic != nullptr) {
        vic->vgic().raise_edge(vcpu.vm_index(), vic->vtimer_intid());  // wakes it (Vic::interrupt_pending)
        return;
    }
    bool was_suspended = vcpu.entity().block_reasons().has(sched::BlockReason::suspended);  // a snapshot
    sched::deliver(vcpu_scheduler().unblock(vcpu.entity(), sched::BlockReason::wfi));
    sched::deliver(vcpu_scheduler().unblock(vcpu.entity(), sched::BlockReason::suspended));
    vcpu.interrupt_arrived(was_suspended);  // no lock held: the timer queue calls us outside its own
}

Vcpu::~Vcpu()
{
    // Nothing else can reach the object now (its last reference is gone), so no lock.
    // A powered-on vCPU may be ready on a queue: take it off before the memory goes.
    // A CPU whose run loop holds a reference never lets it get here; one that has just
    // picked it from a queue fails to take a reference (try_retain), blocks it itself and
    // switches away: wait for that, so that no CPU has its registers live any more.
    if (scheduler_up()) {
        sched::deliver(vcpu_scheduler().block(entity_, sched::BlockReason::killed));
        while (vcpu_scheduler().on_cpu(entity_)) {
        }
    }
    virt::lazy_fp::owners().forget(fp_home_);  // no CPU may keep it as its FP/SIMD owner
    sched::cancel_on_any_cpu(wake_timer_);
    // Off the vic first: remove_vcpu returns once no interrupt_pending still tells this
    // vCPU anything (interrupt_arrived may raise its wakeup virq or update its VPM group).
    if (vic_ != nullptr) {
        vic_->remove_vcpu(vm_index_, *this);
    }
    release_source(halt_virq_);  // as Gunyah's deactivate: bound interrupts go with it
    release_source(wakeup_virq_);
    if (vpm_group_ != nullptr) {
        vpm_group_->remove_vcpu(vm_index_, *this);
        vpm_group_->put();
    }
    if (vic_ != nullptr) {
        vic_->put();
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
        sched::deliver(kick);
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
    if (vic_ != nullptr) {
        if (Status s = vic_->vcpu_activated(*addrspace_); !s) {
            return s;  // arg_inval: its vic serves another address space
        }
    }
    // Blocked all along: powered_off replaces inactive, nothing can be kicked. A
    // proxy-scheduled vCPU is blocked `proxy` for good (Gunyah's SCHEDULER_BLOCK_VCPU_RUN,
    // set at activation too): only vcpu_run runs it.
    if (run_scheduled()) {
        (void)vcpu_scheduler().block(entity_, sched::BlockReason::proxy);
    }
    (void)vcpu_scheduler().block(entity_, sched::BlockReason::powered_off);
    (void)vcpu_scheduler().unblock(entity_, sched::BlockReason::inactive);
    mark_active();
    // The resource manager marks the primary VM's vCPUs; its console becomes the primary
    // one (vm_devices.h). A second VM so marked keeps a prefixed console without input.
    if ((options_ & GUNYAH_VCPU_OPTION_HLOS_VM) != 0 && !addrspace_->devices().make_primary() &&
        addrspace_->devices().has_uart()) {
        log::warn("hyp: vCPU of VM {} is marked HLOS, but another VM has the primary console", addrspace_->vmid());
    }
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
    // Still in a vcpu_run that is ending (powered off by another CPU, or by itself): that
    // run's CPU takes our lock on its way out, so it cannot be waited for here; the
    // caller tries again (Gunyah's vcpu_poweron is BUSY for a vCPU not yet fully off).
    if (in_run_) {
        return fail(Error::busy);
    }
    // Powered off but still leaving its CPU: that CPU is saving its registers into regs_
    // right now. Wait until it has (it is kicked already and takes no lock of ours).
    while (vcpu_scheduler().on_cpu(entity_)) {
    }
    if (!keep_entry) {
        regs_.gp.elr = entry;
    }
    if (!keep_context) {
        regs_.gp.x[0] = context;
    }
    regs_.gp.spsr = vcpu_reset_pstate;
    // Every EL1 register, the virtual timer included, as after a reset; FP/SIMD too. The
    // stack pointers are UNKNOWN after a reset: they keep what vcpu_register_write set.
    const std::uint64_t sp_el0 = regs_.el1.sp_el0;
    regs_.el1 = arch::El1SysRegs{};
    regs_.el1.sp_el0 = sp_el0;
    regs_.el1.sctlr_el1 = vcpu_reset_sctlr_el1;
    virt::lazy_fp::owners().forget(fp_home_);  // what a CPU still holds of it is stale now
    regs_.fp = arch::FpRegs{};
    regs_.pauth = arch::PauthKeys{};
    powered_on_ = true;
    last_vcpu_ = false;
    halt_ = VcpuHalt::none;
    vmmio_pending_ = false;  // a fresh start answers no old access
    // A vCPU that was stopped while it waited must not come back still waiting.
    (void)vcpu_scheduler().unblock(entity_, sched::BlockReason::wfi);
    (void)vcpu_scheduler().unblock(entity_, sched::BlockReason::suspended);
    record(vcpu_scheduler().unblock(entity_, sched::BlockReason::powered_off));
    // Gunyah's vcpu_run_handle_vcpu_poweron: a proxy not running it may call vcpu_run.
    if (run_scheduled() && !in_run_) {
        wakeup_armed_ = false;
        wakeup_virq_.raise();
    }
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
    halted_now();
    return success();
}

void Vcpu::halt(VcpuHalt why)
{
    Locked<Vcpu> held(*this);
    if (!powered_on_ || killed_) {
        return;
    }
    powered_on_ = false;
    halt_ = why;
    record(vcpu_scheduler().block(entity_, sched::BlockReason::powered_off));
    halted_now();
}

Vcpu& Vcpu::of(sched::Entity& entity)
{
    // The entity is a member: step back to the object that holds it. A pointer to data
    // member is the member's byte offset in the Itanium C++ ABI (as support/list.h).
    constexpr auto member = &Vcpu::entity_;
    static_assert(sizeof(member) == sizeof(std::ptrdiff_t));
    auto offset = static_cast<std::uintptr_t>(std::bit_cast<std::ptrdiff_t>(member));
    return *reinterpret_cast<Vcpu*>(reinterpret_cast<std::uintptr_t>(&entity) - offset);
}

Status Vcpu::attach_vic(Vic& vic, std::uint32_t index)
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    if (vic_ != nullptr) {
        return fail(Error::busy);
    }
    if (vm_index_ != vcpu_no_index && vm_index_ != index) {
        return fail(Error::arg_inval);  // its VPM group knows it by another index
    }
    if (Status s = vic.add_vcpu(index, *this); !s) {
        return s;
    }
    vic.retain();
    vic_ = &vic;
    vm_index_ = index;
    return success();
}

Status Vcpu::attach_vpm_group(VpmGroup& group, std::uint32_t index)
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    if (vpm_group_ != nullptr) {
        return fail(Error::busy);
    }
    if (vm_index_ != vcpu_no_index && vm_index_ != index) {
        return fail(Error::arg_inval);  // its vic knows it by another index
    }
    if (Status s = group.add_vcpu(index, *this); !s) {
        return s;
    }
    group.retain();
    vpm_group_ = &group;
    vm_index_ = index;
    return success();
}

Status Vcpu::register_write(std::uint32_t register_set, std::uint32_t index, std::uint64_t value)
{
    Locked<Vcpu> held(*this);
    if ((state() != ObjectState::init && state() != ObjectState::active) || killed_) {
        return fail(Error::object_state);
    }
    if (powered_on_ || in_run_) {
        return fail(Error::busy);  // in a vcpu_run that is ending: see poweron
    }
    // Powered off but still leaving its CPU: wait for its registers.
    while (vcpu_scheduler().on_cpu(entity_)) {
    }
    switch (register_set) {
    case GUNYAH_VCPU_REG_SET_X:
        if (index >= 31) {
            return fail(Error::arg_inval);
        }
        regs_.gp.x[index] = value;
        return success();
    case GUNYAH_VCPU_REG_SET_PC:
        if (index != 0 || value % 4 != 0) {
            return fail(Error::arg_inval);
        }
        regs_.gp.elr = value;
        return success();
    case GUNYAH_VCPU_REG_SET_SP:
        if (value % 16 != 0 || index > 1) {
            return fail(Error::arg_inval);
        }
        (index == 0 ? regs_.el1.sp_el0 : regs_.gp.sp_el1) = value;
        return success();
    default: return fail(Error::arg_inval);
    }
}

Status Vcpu::set_mmu_off_cacheable()
{
    Locked<Vcpu> held(*this);
    if (Status s = require_init(); !s) {
        return s;
    }
    mmu_off_cacheable_ = true;
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
    const bool was_on = powered_on_;
    killed_ = true;
    record(vcpu_scheduler().block(entity_, sched::BlockReason::killed));
    if (was_on) {
        halted_now();  // a vCPU that was off has halted already
    } else if (in_run_) {
        sched::poke(proxy_cpu());
    }
    // Gunyah's vcpu_run_handle_thread_killed: the proxy finds it exited at its next call.
    if (run_scheduled() && !in_run_) {
        wakeup_armed_ = false;
        wakeup_virq_.raise();
    }
    return success();
}

}  // namespace hyp
