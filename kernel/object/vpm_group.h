// The VPM group: Gunyah's virtual power-management group (partition_create_vpm_group),
// the vCPUs of one VM seen together for PSCI. It owns the VM's virtual PSCI state
// (kernel/virt/vpsci.h) and a table of its vCPUs by index. A vCPU joins with
// vpm_group_attach_vcpu and holds a reference to the group; the group keeps plain
// pointers, which each vCPU takes back when it is destroyed.
//
//   create ─> init: configure (flags) ─> activate ─> active: vCPUs attach (each in init)
//
// What the run loop calls (docs/objects.md, "VPM groups", has the table):
//   psci_call(caller, x0..x7)   a PSCI call of a vCPU in the group: answers it and carries
//                               out its object-level effects (PsciOutcome says which)
//   system_power_physical()     whether SYSTEM_OFF / SYSTEM_RESET mean the machine
// and, optionally, what code powering vCPUs on or off outside PSCI calls (vcpu_poweron,
// the boot code) may call to update the PSCI view at once: vcpu_powered_on(vcpu),
// vcpu_powered_off(vcpu). Nothing depends on them: see "in step" below.
//
// The Vpsci's view of each vCPU (off / on / stopping) follows the vCPUs themselves. It
// is brought in step with a vCPU (sync()) whenever PSCI is about to act on it: the
// caller of every call, the target of CPU_ON and AFFINITY_INFO, all of them for
// SYSTEM_OFF and the queries. So:
//  - a vCPU powered on by vcpu_poweron (the RM starts the boot vCPU that way) is `on`;
//  - a vCPU never powered on is `off` (AFFINITY_INFO says OFF);
//  - CPU_ON powers the target on at once and marks it `on` (as Gunyah, whose
//    AFFINITY_INFO reads the scheduler's "off" block: ON_PENDING is never reported);
//  - a vCPU powered off (CPU_OFF, vcpu_poweroff, kill) is `stopping` while the scheduler
//    still has it running or leaving a CPU (Scheduler::on_cpu), and `off` once it has
//    left, which the run loop's finish_switch() marks after saving its registers. Until
//    then CPU_ON answers ALREADY_ON, so no CPU rewrites the registers of a vCPU whose
//    old CPU may still save them;
//  - SYSTEM_OFF / SYSTEM_RESET halt every vCPU (Vcpu::halt), which then read as off (or
//    stopping, as above), so the RM's next vcpu_poweron starts the VM from a clean slate.
//
// LOCKING. VpmGroup::lock -> Vcpu::lock -> run queue locks; VpmGroup::lock -> AddrSpace::
// lock (CPU_ON's entry check); the Vpsci's own lock is a leaf, taken only under ours.
// The one call made the other way, add_vcpu(), comes with the lock of a vCPU that is not
// (yet) in any group, which the group never locks; so: never call into a group holding
// the lock of a vCPU that is in it. A vCPU in the table is alive while the group lock is
// held: its destructor takes that lock (remove_vcpu) before its memory goes.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/object/vic.h"
#include "kernel/virt/vpsci.h"

namespace hyp {

class AddrSpace;
class Vcpu;
enum class VcpuHalt : std::uint8_t;

class VpmGroup final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::vpm_group;
    // vCPU indices 0 .. capacity - 1 (the MPIDRs of hyp_api/vcpu_mpidr.h).
    static constexpr std::uint32_t capacity = virt::Vpsci::max_vcpus;

    explicit VpmGroup(ObjectDestroyer destroyer);
    // Every vCPU holds a reference, so none is attached any more. Unbinds its interrupt.
    ~VpmGroup();

    // ---- lifecycle ---------------------------------------------------------------------
    // vpm_group_configure flags (the caller refused undefined bits); init only.
    [[nodiscard]] Status configure(std::uint64_t flags);
    // init -> active; nothing needs configuring.
    [[nodiscard]] Status activate();
    // The no_aggregation flag. Stored and reported; nothing aggregates vCPU suspend
    // states into physical CPU states here, so it changes nothing.
    [[nodiscard]] bool no_aggregation() const { return no_aggregation_; }

    // Kernel-only: this group is the root VM's (the RM's, or the primary VM's if the boot
    // code so decides). Its SYSTEM_OFF / SYSTEM_RESET are the physical machine's: psci_call
    // changes nothing and returns the effect; the run loop asks this and calls the firmware.
    void set_system_power_physical(bool physical);
    [[nodiscard]] bool system_power_physical() const;

    // ---- the vCPU table (called by Vcpu) ----------------------------------------------
    // Called by Vcpu::attach_vpm_group with the vCPU's lock held: records `vcpu` as
    // index `index`. arg_inval for an index out of range, busy if it is taken,
    // object_state unless the group is active.
    [[nodiscard]] Status add_vcpu(std::uint32_t index, Vcpu& vcpu);
    // Called by the vCPU's destructor: forgets it, and its index is `off` again.
    void remove_vcpu(std::uint32_t index, const Vcpu& vcpu);

    // ---- PSCI (the run loop) -----------------------------------------------------------
    // x0..x7 of a PSCI call (HVC #0 or trapped SMC #0) by `caller`, a vCPU of this group
    // that the run loop holds a reference to. handled = false: not a PSCI function id,
    // nothing changed. Otherwise x0 is the caller's return value, and by effect:
    //   none          nothing else (write x0, resume the caller)
    //   start_vcpu    done: the target (outcome.target) has the PSCI entry state and is
    //                 powered on (its kick delivered by Vcpu::poweron); resume the caller
    //   stop_self     done: the caller is powered off (blocked): the run loop's next
    //                 schedule() takes it off its CPU
    //   suspend       the run loop blocks the caller `suspended` until an interrupt is
    //                 pending for it (as WFI), then resumes it with x0 (SUCCESS)
    //   system_off /  with system_power_physical(): nothing changed, the run loop calls
    //   system_reset  the firmware. Otherwise done: every vCPU of the group is halted
    //                 (VcpuHalt::system_off / system_reset, which vcpu_run_check reports)
    //                 and the caller leaves its CPU at the next schedule(); the RM is to
    //                 be told (not yet)
    // CPU_ON and AFFINITY_INFO naming an index with no vCPU attached answer
    // INVALID_PARAMETERS (as Gunyah without a vIC); a target that cannot be powered on
    // (never activated, or killed) also INVALID_PARAMETERS (Gunyah's mapping of poweron
    // errors). A caller that is no longer powered on (halted by another vCPU's SYSTEM_OFF
    // while its call was on its way in) gets DENIED and nothing changes.
    [[nodiscard]] virt::PsciOutcome psci_call(Vcpu& caller, const std::uint64_t (&regs)[8]);

    // ---- optional: the PSCI view updated at once, not at its next use ------------------
    // After a successful Vcpu::poweron other than CPU_ON's (vcpu_poweron, boot code).
    void vcpu_powered_on(Vcpu& vcpu);
    // After a successful Vcpu::poweroff or kill.
    void vcpu_powered_off(Vcpu& vcpu);

    // ---- its interrupt: vpm_group_bind_virq / unbind_virq ---------------------------------
    // Raised (an edge) each time vpm_state() is seen to change, by update_virq(). Errors
    // as every VirqSource owner's (bind_owned_source, unbind_owned_source).
    [[nodiscard]] Status bind_virq(Vic& vic, std::uint64_t virq);
    [[nodiscard]] Status unbind_virq();
    [[nodiscard]] const VirqSource& virq() const { return source_; }
    // Looks at vpm_state() again and raises the interrupt if it differs from the last
    // state it saw (the state at bind time to begin with). Called with no lock held after
    // anything that may change it: vcpu_poweron / poweroff / kill, each PSCI call, a
    // suspended vCPU's wake-up. Cheap when nothing is bound.
    void update_virq();

    // ---- queries (snapshots) -----------------------------------------------------------
    // vpm_group_get_state: GUNYAH_VPM_STATE_NONE when no vCPU is powered on, RUNNING
    // when one is and not in CPU_SUSPEND, CPUS_SUSPENDED when every powered-on vCPU is
    // blocked `suspended`. SYSTEM_SUSPENDED never (SYSTEM_SUSPEND is not offered).
    [[nodiscard]] std::uint32_t vpm_state() const;
    [[nodiscard]] bool has_vcpu(std::uint32_t index) const;
    // The PSCI view of vCPU `index` (off for an index out of range), brought in step.
    [[nodiscard]] virt::VcpuPower power(std::uint32_t index);
    // True when no vCPU of the group is on, or on its way on or off: for telling the RM
    // that its VM has stopped (e.g. after the last CPU_OFF).
    [[nodiscard]] bool all_off();

    mutable SpinLock lock;

private:
    // CPU_ON's entry check for the Vpsci: the calling vCPU's address space, bound for the
    // length of one call under `lock`. accept_any is for mark_on(), which borrows CPU_ON.
    class EntryCheck final : public virt::GuestMemory {
    public:
        const AddrSpace* as = nullptr;
        bool accept_any = false;
        [[nodiscard]] bool is_executable_ram(Ipa ipa) const override;
        [[nodiscard]] bool is_mapped(Ipa ipa) const override;
    };

    // All under `lock`.
    void sync(std::uint32_t index);
    void mark_on(std::uint32_t index);
    [[nodiscard]] bool attached(std::uint32_t index, const Vcpu& vcpu) const;
    [[nodiscard]] std::int64_t target_index(const std::uint64_t (&regs)[8]) const;
    void start_target(virt::PsciOutcome& out);
    void halt_all(VcpuHalt why);
    [[nodiscard]] std::uint32_t state_locked() const;

    // Mutable: the Vpsci's queries take its (leaf) lock.
    mutable virt::Vpsci vpsci_;
    EntryCheck entry_check_;
    Vcpu* vcpus_[capacity] = {};
    bool no_aggregation_ = false;
    bool physical_ = false;
    VirqSource source_;                  // under `lock`
    std::uint32_t reported_state_ = 0;   // the state update_virq() last saw, under `lock`
};

}  // namespace hyp
