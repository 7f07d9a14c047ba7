// The vCPU: Gunyah's thread object (partition_create_thread), portable. It owns a
// scheduler entity, its guest register state, its options and references to the cspace
// and address space attached to it. It does not run yet: the target glue copies regs()
// into arch::GuestRegs / El1SysRegs and acts on the kicks recorded here.
//
//   create ─> init: configure, attach cspace + addrspace, affinity, priority, timeslice
//          ─> activate (needs both attached) ─> active, powered off
//          ─> poweron (entry, context) ─> powered on ─> poweroff / kill
//
// Scheduler: blocked `inactive` from creation, `powered_off` once active; poweron clears
// `powered_off`, poweroff sets it, kill sets `killed` (never cleared). Every call that
// changes the entity delivers the Kick the scheduler returned at once (kernel/sched/
// kick.h: a reschedule IPI, or the local run loop's flag) and records it for the tests
// (take_kick()).
//
// Proxy scheduling (vcpu_configure option run_scheduled; vcpu_proxy.cpp): such a vCPU is
// blocked `proxy` from activation for good, so the scheduler never runs it; it runs only
// inside a vcpu_run call, on the caller's CPU, in the caller's place. run_begin() claims
// it for one caller (in_run) and applies the resume data; the run loop runs it until
// run_should_stop() or the caller's own CPU needs it back, records a VMMIO exit with
// run_vmmio_exit(), saves its registers and calls run_left_cpu(), then run_end() for the
// report. Its run-wakeup interrupt tells the proxy when a vCPU it was told "expects
// wakeup" (or powered off) can run again; its halt interrupt, any vCPU's, when it halts.
//
// Locking: `lock` (the object lock) is taken before any run queue lock (scheduler.h), and
// before the vic that its halt / run-wakeup interrupts are bound to (their VirqSources
// belong to it, raises included). References to the attached objects are dropped outside
// it. Interrupt sources must not form a cycle between two VMs (VM A's vCPU interrupts
// bound to VM B's vic and B's to A's): raising one takes the other vic's locks.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/object/vcpu_run_state.h"
#include "kernel/object/vic.h"
#include "kernel/sched/scheduler.h"
#include "kernel/sched/timer_queue.h"
#include "kernel/virt/lazy_fp.h"

namespace hyp {

class AddrSpace;
class CSpace;
class Vic;
class VpmGroup;

// The scheduler vCPUs are scheduled by: one per kernel. The boot code (and the host
// tests) init() it with the CPU count; until then cpu_count() is 0 and every vCPU call
// that needs it fails with Error::failure.
[[nodiscard]] sched::Scheduler& vcpu_scheduler();

// The register state a vCPU carries: the hardware layout (arch/aarch64/vcpu_state.h), kept
// here while the vCPU is off its CPU. guest_run() works on `gp` in place; the run loop
// saves and restores `el1` when a physical CPU switches vCPUs, and `fp` then too or when
// the vCPU first uses FP/SIMD (kernel/virt/lazy_fp.h: Vcpu::fp_home() says where it is).
struct VcpuState {
    arch::GuestRegs gp;    // x0-x30, SP_EL1, PC (elr), PSTATE (spsr), the last exit's syndrome
    arch::El1SysRegs el1;  // the EL1 system registers, SP_EL0 and the virtual timer
    arch::FpRegs fp;       // Q0-Q31, FPSR, FPCR
    arch::GicCpuInterfaceState gic;  // its virtual GIC CPU interface, with a vic
    arch::PauthKeys pauth;           // its pointer-authentication keys, where the CPU has them
};

// PSTATE at poweron: EL1h (M = 0b0101) with D, A, I and F masked.
inline constexpr std::uint64_t vcpu_reset_pstate = 0x3c5;
// SCTLR_EL1 at poweron: the ARMv8.0 RES1 bits (29, 28, 23, 22, 20, 11); MMU and caches off.
inline constexpr std::uint64_t vcpu_reset_sctlr_el1 = 0x30d00800;

inline constexpr std::uint32_t vcpu_no_index = ~std::uint32_t{0};

class Vcpu final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::thread;

    explicit Vcpu(ObjectDestroyer destroyer);
    // Powered on: first blocked `killed` (off its ready queue). Then the cspace and
    // address-space references go.
    ~Vcpu();

    // ---- init only (object_state otherwise) -------------------------------------------
    // Options word of vcpu_configure; the caller has refused undefined bits.
    [[nodiscard]] Status configure(std::uint64_t options);
    // Replace any earlier attachment (as Gunyah); the target must be active (caller).
    [[nodiscard]] Status attach_cspace(CSpace& cspace);
    [[nodiscard]] Status attach_addrspace(AddrSpace& as);
    // denied above max_vcpu_priority (Gunyah's VCPU_MAX_PRIORITY); scheduler's arg_inval.
    [[nodiscard]] Status set_priority(sched::Priority priority);
    // arg_inval outside the scheduler's 100 us .. 100 ms.
    [[nodiscard]] Status set_timeslice(sched::Nanoseconds ns);
    // Kernel-only (vpm_group_attach_vcpu): joins the VM's power-management group as
    // vCPU `index` (its PSCI MPIDR). The vCPU holds a reference to the group; the group
    // keeps a plain pointer, which the vCPU's destructor takes back. busy if it is in a
    // group already.
    [[nodiscard]] Status attach_vpm_group(VpmGroup& group, std::uint32_t index);
    // vic_attach_vcpu: joins the VM's virtual interrupt controller as GIC CPU `index`
    // (which must equal its VPM group index, if it has one: arg_inval otherwise). The vCPU
    // holds a reference to the vic, which keeps a plain pointer back. busy if attached.
    [[nodiscard]] Status attach_vic(Vic& vic, std::uint32_t index);
    // Kernel-only, for the resource manager's vCPU: with its EL1 MMU off, data accesses
    // are Normal write-back (HCR_EL2.DC), so a program needs no page tables of its own.
    [[nodiscard]] Status set_mmu_off_cacheable();
    // init -> active: object_config without a cspace and an address space attached,
    // failure when the scheduler has no CPUs yet.
    [[nodiscard]] Status activate();

    // ---- init or active ---------------------------------------------------------------
    // arg_inval for a CPU the scheduler does not have; deleted: object_state.
    [[nodiscard]] Status set_affinity(sched::CpuIndex cpu);

    // ---- active only (object_state otherwise) -----------------------------------------
    // busy unless powered off and out of any vcpu_run (one that is still ending holds the
    // registers and takes our lock on its way out); object_state if killed. Unless kept: pc = entry,
    // x0 = context. PSTATE and the EL1 registers reset (see above).
    [[nodiscard]] Status poweron(std::uint64_t entry, bool keep_entry, std::uint64_t context, bool keep_context);
    // vcpu_register_write (Gunyah's vcpu_register_write, in its order): init or active
    // and not killed (object_state), powered off (busy: a runnable vCPU's registers are
    // not ours to change), then the register: set X index 0..30; PC index 0, 4-byte
    // aligned; SP index 0 SP_EL0, 1 SP_EL1, 16-byte aligned; anything else arg_inval.
    // poweron keeps what this wrote, except PC and X0 unless it is told to keep them.
    [[nodiscard]] Status register_write(std::uint32_t register_set, std::uint32_t index, std::uint64_t value);
    // arg_inval unless powered on (it could not be the calling vCPU: Gunyah's rule).
    [[nodiscard]] Status poweroff(bool last_vcpu);
    // Blocks it `killed` for good; killing again is a no-op.
    [[nodiscard]] Status kill();
    // The run loop, on a PSCI SYSTEM_OFF / SYSTEM_RESET of its VM: powered off (as
    // poweroff) with the reason recorded for vcpu_run_check. A no-op when already off.
    void halt(VcpuHalt why);

    // ---- interrupt outputs: vcpu_bind_virq / vcpu_unbind_virq ----------------------------
    // `type` GUNYAH_VCPU_VIRQ_HALT or _RUN_WAKEUP, else arg_inval; then
    // bind_owned_source's errors (object_state unless active, irq_bound if bound, ...).
    [[nodiscard]] Status bind_virq(Vic& vic, std::uint64_t virq, std::uint64_t type);
    // arg_inval for an unknown type; object_state unless active; irq_unbound if unbound.
    [[nodiscard]] Status unbind_virq(std::uint64_t type);
    [[nodiscard]] const VirqSource& halt_virq() const { return halt_virq_; }
    [[nodiscard]] const VirqSource& wakeup_virq() const { return wakeup_virq_; }

    // ---- proxy scheduling: vcpu_run (vcpu_proxy.cpp) -----------------------------------
    [[nodiscard]] bool run_scheduled() const;
    struct RunStart {
        bool run = false;  // true: the caller's CPU runs it now (it is claimed)
        RunReport report;  // false: what to return at once
    };
    // vcpu_run's checks and claim, on CPU `cpu`: busy unless proxy-scheduled, or while
    // another caller runs it; object_state unless active; a pending VMMIO exit takes the
    // resume data (decode_vmmio_resume's unimplemented; nothing changes then). Not ready
    // (run_ready): not claimed, and the report says why.
    [[nodiscard]] Result<RunStart> run_begin(std::uint64_t resume0, std::uint64_t resume1, std::uint64_t resume2,
                                             sched::CpuIndex cpu);
    // The run loop, between two entries of a claimed vCPU: has it stopped being ready?
    [[nodiscard]] bool run_should_stop();
    // The run loop: it accessed a VMMIO range; it stops, and run_end reports the access.
    void run_vmmio_exit(const VmmioExit& exit);
    // The run loop, once the claimed vCPU's registers are saved.
    void run_left_cpu();
    // The run loop, last: the claim ends; the report for the caller.
    [[nodiscard]] RunReport run_end();
    // vcpu_run_check: busy while a caller runs it (Gunyah), else the report vcpu_run
    // would give.
    [[nodiscard]] Result<RunReport> run_check();
    // Whether a caller runs it right now, and on which CPU its registers are (no_cpu).
    [[nodiscard]] bool in_run() const;
    [[nodiscard]] sched::CpuIndex proxy_cpu() const { return __atomic_load_n(&proxy_cpu_, __ATOMIC_ACQUIRE); }
    // Its registers may be live in some CPU: the scheduler has it running or leaving a
    // CPU, or a vcpu_run has it.
    [[nodiscard]] bool registers_live();
    // Its vic, after it made an interrupt pending for it (and unblocked it), with no vic
    // lock held: pokes the CPU a vcpu_run runs it on, or raises its run-wakeup interrupt
    // when the proxy was told to wait; `was_suspended` makes its VPM group look at its
    // state again.
    void interrupt_arrived(bool was_suspended);
    // The machine's PSTATE features, for the data aborts a proxy's "fault" injects into
    // a vCPU that is on no CPU (the run loop sets them at boot; none on the host).
    static void set_guest_features(const virt::GuestFeatures& features);

    // ---- queries (snapshots) ----------------------------------------------------------
    [[nodiscard]] std::uint64_t options() const { return options_; }
    [[nodiscard]] CSpace* cspace() const { return cspace_; }
    [[nodiscard]] AddrSpace* addrspace() const { return addrspace_; }
    [[nodiscard]] std::uint32_t vm_index() const { return vm_index_; }
    [[nodiscard]] bool powered_on() const { return powered_on_; }
    [[nodiscard]] bool killed() const { return killed_; }
    [[nodiscard]] bool last_vcpu() const { return last_vcpu_; }
    [[nodiscard]] VcpuHalt halted() const { return halt_; }
    [[nodiscard]] VpmGroup* vpm_group() const { return vpm_group_; }
    [[nodiscard]] Vic* vic() const { return vic_; }
    [[nodiscard]] bool mmu_off_cacheable() const { return mmu_off_cacheable_; }
    // Armed by the run loop while the vCPU waits (WFI, CPU_SUSPEND) with its virtual
    // timer set: fires at the timer's deadline and wakes it. Its context is the Vcpu.
    [[nodiscard]] sched::TimerEvent& wake_timer() { return wake_timer_; }
    [[nodiscard]] sched::Entity& entity() { return entity_; }
    // The register state, for the run loop (which owns it while the vCPU runs) and tests.
    [[nodiscard]] VcpuState& regs() { return regs_; }
    // Where its FP/SIMD state is: regs().fp, or live in a CPU (lazy switching).
    [[nodiscard]] virt::lazy_fp::Home& fp_home() { return fp_home_; }
    // The vCPU an entity belongs to: every entity the vCPU scheduler runs is a vCPU's.
    [[nodiscard]] static Vcpu& of(sched::Entity& entity);
    // The last kick a call recorded, cleared: the glue sends it.
    [[nodiscard]] sched::Kick take_kick();

    mutable SpinLock lock;

private:
    [[nodiscard]] Status require_init() const;
    void record(sched::Kick kick);
    // Under `lock`.
    [[nodiscard]] RunSnapshot snapshot() const;
    void note_report(const RunReport& report, bool may_disarm);
    // Under `lock`: a halt happened (powered off, halted, killed).
    void halted_now();
    [[nodiscard]] VirqSource* source(std::uint64_t type);

    sched::Entity entity_;
    VcpuState regs_;
    virt::lazy_fp::Home fp_home_{regs_.fp};
    std::uint64_t options_ = 0;
    CSpace* cspace_ = nullptr;    // a reference held
    AddrSpace* addrspace_ = nullptr;  // a reference held
    VpmGroup* vpm_group_ = nullptr;   // a reference held
    Vic* vic_ = nullptr;              // a reference held
    std::uint32_t vm_index_ = vcpu_no_index;
    sched::Kick kick_ = sched::Kick::none();
    bool powered_on_ = false;
    bool killed_ = false;
    bool last_vcpu_ = false;
    VcpuHalt halt_ = VcpuHalt::none;
    bool mmu_off_cacheable_ = false;
    sched::TimerEvent wake_timer_;
    VirqSource halt_virq_;    // raised when it halts (powered off, halted, killed)
    VirqSource wakeup_virq_;  // raised when a proxy may call vcpu_run again
    // Proxy scheduling, under `lock` (proxy_cpu_ also read without it).
    bool in_run_ = false;
    bool wakeup_armed_ = false;  // the proxy was told it must wait (expects wakeup, off)
    bool vmmio_pending_ = false;
    VmmioExit vmmio_;
    sched::CpuIndex proxy_cpu_ = sched::no_cpu;
};

// The wake timer's handler (above): ends the vCPU's wait, delivering the kick; with a
// vic, by raising its virtual timer's interrupt, which wakes it.
void vcpu_wake_timer_fired(sched::TimerEvent& event, sched::Ticks now);

// Gunyah's VCPU_MAX_PRIORITY: 63 is kept for the hypervisor's own threads.
inline constexpr sched::Priority max_vcpu_priority = 62;

}  // namespace hyp
