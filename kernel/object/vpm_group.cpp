// The VPM group (see vpm_group.h): its vCPU table, the Vpsci it owns, and the object-level
// effects of PSCI calls.
#include "kernel/object/vpm_group.h"

#include "hyp_api/gunyah_objects.h"
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "kernel/object/addrspace_guest_memory.h"
#include "kernel/object/vcpu.h"

namespace hyp {
namespace {

constexpr std::uint64_t psci_ret(std::int64_t code) { return static_cast<std::uint64_t>(code); }

constexpr std::uint32_t smc64_bit = 0x40000000u;

// The Vpsci's power-state machine has no "set" call (it is driven by PSCI calls and the
// glue's started/stopped reports), so the group borrows its own calls to move one vCPU:
// CPU_OFF as that vCPU (-> stopping), CPU_ON of that vCPU by itself (-> on_pending).
const std::uint64_t cpu_off_regs[8] = {PSCI_FN_CPU_OFF};

// The powered-on, not killed state, read under the vCPU's lock.
struct VcpuSnapshot {
    std::uint32_t index;
    bool running;
};

VcpuSnapshot snapshot(Vcpu& vcpu)
{
    Locked<Vcpu> held(vcpu);
    return VcpuSnapshot{vcpu.vm_index(), vcpu.powered_on() && !vcpu.killed()};
}

}  // namespace

bool VpmGroup::EntryCheck::is_executable_ram(Ipa ipa) const
{
    return accept_any || (as != nullptr && AddrSpaceGuestMemory(*as).is_executable_ram(ipa));
}

bool VpmGroup::EntryCheck::is_mapped(Ipa ipa) const
{
    return as != nullptr && AddrSpaceGuestMemory(*as).is_mapped(ipa);
}

VpmGroup::VpmGroup(ObjectDestroyer destroyer) : Object(ObjectType::vpm_group, destroyer)
{
    // Sized for every index once: vCPUs attach after activation, one at a time, and an
    // index with no vCPU is refused before the Vpsci sees it (psci_call). All
    // off: init() makes its boot vCPU on, which no vCPU is yet.
    (void)vpsci_.init(capacity, entry_check_, 0);
    (void)vpsci_.vcpu_stopped(0);
}

Status VpmGroup::configure(std::uint64_t flags)
{
    Locked<VpmGroup> held(*this);
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    no_aggregation_ = (flags & GUNYAH_VPM_GROUP_CONFIGURE_NO_AGGREGATION) != 0;
    return success();
}

Status VpmGroup::activate()
{
    Locked<VpmGroup> held(*this);
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    mark_active();
    return success();
}

void VpmGroup::set_system_power_physical(bool physical)
{
    Locked<VpmGroup> held(*this);
    physical_ = physical;
}

bool VpmGroup::system_power_physical() const
{
    LockGuard held{lock};
    return physical_;
}

// ---- the vCPU table ------------------------------------------------------------------

Status VpmGroup::add_vcpu(std::uint32_t index, Vcpu& vcpu)
{
    Locked<VpmGroup> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (index >= capacity) {
        return fail(Error::arg_inval);
    }
    if (vcpus_[index] != nullptr) {
        return fail(Error::busy);
    }
    vcpus_[index] = &vcpu;
    return success();
}

void VpmGroup::remove_vcpu(std::uint32_t index, const Vcpu& vcpu)
{
    Locked<VpmGroup> held(*this);
    if (attached(index, vcpu)) {
        vcpus_[index] = nullptr;
        (void)vpsci_.vcpu_stopped(index);  // a vCPU attached here later starts off
    }
}

bool VpmGroup::attached(std::uint32_t index, const Vcpu& vcpu) const
{
    return index < capacity && vcpus_[index] == &vcpu;
}

bool VpmGroup::has_vcpu(std::uint32_t index) const
{
    LockGuard held{lock};
    return index < capacity && vcpus_[index] != nullptr;
}

virt::VcpuPower VpmGroup::power(std::uint32_t index)
{
    Locked<VpmGroup> held(*this);
    if (index < capacity) {
        sync(index);
    }
    return vpsci_.power(index);
}

bool VpmGroup::all_off()
{
    Locked<VpmGroup> held(*this);
    for (std::uint32_t i = 0; i < capacity; ++i) {
        sync(i);
        if (vpsci_.power(i) != virt::VcpuPower::off) {
            return false;
        }
    }
    return true;
}

// ---- keeping the Vpsci in step -------------------------------------------------------

void VpmGroup::sync(std::uint32_t index)
{
    Vcpu* v = vcpus_[index];
    if (v == nullptr) {
        return;  // off since remove_vcpu (or for ever)
    }
    virt::VcpuPower p = vpsci_.power(index);
    if (snapshot(*v).running) {
        if (p != virt::VcpuPower::on) {
            mark_on(index);
        }
        return;
    }
    if (p == virt::VcpuPower::off) {
        return;
    }
    if (v->registers_live()) {
        // Still running or leaving a CPU: its registers may not be saved yet (the run
        // loop saves them before finish_switch()). `stopping` until it has left.
        if (p != virt::VcpuPower::stopping) {
            (void)vpsci_.call(index, cpu_off_regs);
        }
    } else {
        (void)vpsci_.vcpu_stopped(index);
    }
}

void VpmGroup::mark_on(std::uint32_t index)
{
    switch (vpsci_.power(index)) {
    case virt::VcpuPower::on: return;
    case virt::VcpuPower::on_pending: vpsci_.vcpu_started(index); return;
    case virt::VcpuPower::stopping: (void)vpsci_.vcpu_stopped(index); break;
    case virt::VcpuPower::off: break;
    }
    // off -> on_pending through a CPU_ON of the vCPU by itself (its own state is off, so
    // Vpsci's "the caller is evidently running" step leaves it alone), with the entry
    // check waived: the entry of a vCPU powered on outside PSCI is not PSCI's to judge.
    const std::uint64_t regs[8] = {PSCI_FN_CPU_ON_64, virt::vcpu_mpidr(index)};
    entry_check_.accept_any = true;
    (void)vpsci_.call(index, regs);
    entry_check_.accept_any = false;
    vpsci_.vcpu_started(index);
}

void VpmGroup::vcpu_powered_on(Vcpu& vcpu)
{
    Locked<VpmGroup> held(*this);
    VcpuSnapshot v = snapshot(vcpu);
    if (attached(v.index, vcpu)) {
        sync(v.index);
    }
}

void VpmGroup::vcpu_powered_off(Vcpu& vcpu)
{
    vcpu_powered_on(vcpu);  // the same: bring its entry in step with what it is now
}

// ---- PSCI ------------------------------------------------------------------------------

std::int64_t VpmGroup::target_index(const std::uint64_t (&regs)[8]) const
{
    auto id = static_cast<std::uint32_t>(regs[0]);
    if (id != PSCI_FN_CPU_ON_32 && id != PSCI_FN_CPU_ON_64 && id != PSCI_FN_AFFINITY_INFO_32 &&
        id != PSCI_FN_AFFINITY_INFO_64) {
        return -1;
    }
    std::uint64_t mpidr = (id & smc64_bit) != 0 ? regs[1] : regs[1] & 0xffffffffu;
    // An MPIDR no vCPU index could have is the Vpsci's INVALID_PARAMETERS already.
    std::int64_t index = hyp_abi::vcpu_index_of_mpidr(mpidr);
    return index < capacity ? index : -1;
}

virt::PsciOutcome VpmGroup::psci_call(Vcpu& caller, const std::uint64_t (&regs)[8])
{
    virt::PsciOutcome out;
    if (!virt::Vpsci::is_psci_call(regs[0])) {
        return out;  // handled = false
    }
    out.handled = true;

    Locked<VpmGroup> held(*this);
    VcpuSnapshot me = snapshot(caller);
    if (!attached(me.index, caller)) {
        out.x0 = psci_ret(PSCI_RET_INTERNAL_FAILURE);  // the run loop's mistake
        return out;
    }
    if (!me.running) {
        // Halted (another vCPU's SYSTEM_OFF) or powered off while the call was on its way
        // in: it will not resume, so nothing may change on its behalf.
        out.x0 = psci_ret(PSCI_RET_DENIED);
        return out;
    }
    sync(me.index);  // evidently on, whatever the Vpsci last heard
    if (std::int64_t target = target_index(regs); target >= 0) {
        auto t = static_cast<std::uint32_t>(target);
        if (vcpus_[t] == nullptr) {
            out.x0 = psci_ret(PSCI_RET_INVALID_PARAMETERS);
            return out;
        }
        sync(t);
    }

    entry_check_.as = caller.addrspace();
    out = vpsci_.call(me.index, regs);
    entry_check_.as = nullptr;

    switch (out.effect) {
    case virt::PsciEffect::none:
    case virt::PsciEffect::suspend: break;
    case virt::PsciEffect::start_vcpu: start_target(out); break;
    case virt::PsciEffect::stop_self:
        // Fails only if someone powered it off since the snapshot: off either way.
        (void)caller.poweroff(false);
        sync(me.index);
        break;
    case virt::PsciEffect::system_off:
        if (!physical_) {
            halt_all(VcpuHalt::system_off);
        }
        break;
    case virt::PsciEffect::system_reset:
        if (!physical_) {
            halt_all(VcpuHalt::system_reset);
        }
        break;
    }
    return out;
}

void VpmGroup::start_target(virt::PsciOutcome& out)
{
    Vcpu* target = vcpus_[out.target];
    if (target == nullptr) {  // unattached targets were refused before the Vpsci saw them
        (void)vpsci_.vcpu_stopped(out.target);
        out.effect = virt::PsciEffect::none;
        out.x0 = psci_ret(PSCI_RET_INVALID_PARAMETERS);
        return;
    }
    {
        // The PSCI entry state, written only while it is off: the Vpsci said off, so it is
        // also off its CPU (sync() saw to that). poweron then resets PSTATE, SCTLR_EL1
        // (MMU and caches off), the other EL1 registers and FP/SIMD.
        Locked<Vcpu> held(*target);
        if (target->state() == ObjectState::active && !target->powered_on() && !target->killed()) {
            arch::GuestRegs& gp = target->regs().gp;
            virt::psci_entry_state(virt::RegisterFile{gp.x, gp.elr, gp.spsr}, out.entry, out.context);
        }
    }
    Status s = target->poweron(out.entry, false, out.context, false);
    if (s) {
        vpsci_.vcpu_started(out.target);  // on at once, as Gunyah reports it
        return;
    }
    out.effect = virt::PsciEffect::none;
    if (s.error() == Error::busy) {
        // vcpu_poweron won the race since sync().
        vpsci_.vcpu_started(out.target);
        out.x0 = psci_ret(PSCI_RET_ALREADY_ON);
    } else {
        // Never activated, or killed: Gunyah answers INVALID_PARAMETERS for poweron errors
        // other than "failure" and "retry".
        (void)vpsci_.vcpu_stopped(out.target);
        out.x0 = psci_ret(PSCI_RET_INVALID_PARAMETERS);
    }
}

void VpmGroup::halt_all(VcpuHalt why)
{
    for (std::uint32_t i = 0; i < capacity; ++i) {
        if (Vcpu* v = vcpus_[i]; v != nullptr) {
            v->halt(why);  // its kick is delivered by halt()
            sync(i);       // off, or stopping while still on a CPU (the caller is)
        }
    }
}

// ---- queries ---------------------------------------------------------------------------

VpmGroup::~VpmGroup() { release_source(source_); }

Status VpmGroup::bind_virq(Vic& vic, std::uint64_t virq)
{
    Locked<VpmGroup> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (Status s = vic.bind_source(source_, virq); !s) {
        return s;
    }
    reported_state_ = state_locked();  // changes from here on raise it
    return success();
}

Status VpmGroup::unbind_virq() { return unbind_owned_source(*this, source_); }

void VpmGroup::update_virq()
{
    if (!source_.bound()) {
        return;  // a racy look, without the lock: a bind after it starts from its own state
    }
    Locked<VpmGroup> held(*this);
    std::uint32_t now = state_locked();
    if (now != reported_state_) {
        reported_state_ = now;
        source_.raise();
    }
}

std::uint32_t VpmGroup::vpm_state() const
{
    LockGuard held{lock};
    return state_locked();
}

std::uint32_t VpmGroup::state_locked() const
{
    unsigned on = 0;
    unsigned suspended = 0;
    for (Vcpu* v : vcpus_) {
        if (v == nullptr) {
            continue;
        }
        Locked<Vcpu> vl(*v);
        if (!v->powered_on() || v->killed()) {
            continue;
        }
        ++on;
        // The entity's block reasons are the run queue lock's; this is a snapshot, which
        // may be stale by the time the caller reads the answer anyway.
        if (v->entity().block_reasons().has(sched::BlockReason::suspended)) {
            ++suspended;
        }
    }
    if (on == 0) {
        return GUNYAH_VPM_STATE_NONE;
    }
    return suspended == on ? GUNYAH_VPM_STATE_CPUS_SUSPENDED : GUNYAH_VPM_STATE_RUNNING;
}

}  // namespace hyp
