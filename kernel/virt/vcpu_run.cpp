// The per-CPU run loop (see vcpu_run.h). One loop per physical CPU, always at EL2 with
// IRQs masked except while it idles; the guest takes IRQs to EL2 (HCR_EL2.IMO), so every
// interrupt comes back here, either through guest_run() returning `irq` or, while idle,
// through the EL2 IRQ vector.
//
// Per-CPU state lives in `RunState`, touched only by its own CPU (the IRQ handlers run on
// that CPU, with the loop interrupted only where it waits). Other CPUs reach a CPU by
// kicks (kernel/sched/kick.h), which become the reschedule SGI.
#include "kernel/virt/vcpu_run.h"

#include <arch/cpu.h>
#include <arch/el2_timer.h>
#include <arch/gic_cpu.h>
#include <arch/gic_virt.h>
#include <arch/guest.h>
#include <arch/psci.h>
#include <arch/smccc.h>
#include <arch/registers.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <arch/vcpu_context.h>
#include <arch/vcpu_hw.h>

#include "hyp_api/gunyah_objects.h"
#include "hyp_api/psci.h"
#include "kernel/core/config.h"
#include "kernel/core/irq.h"
#include "kernel/core/log.h"
#include "kernel/core/percpu.h"
#include "kernel/hypercall/trap.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/addrspace_guest_memory.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"
#include "kernel/sched/kick.h"
#include "kernel/sched/timer_queue.h"
#include "kernel/virt/fault_injection.h"
#include "kernel/virt/guest_trap.h"
#include "kernel/virt/lazy_fp.h"
#include "kernel/virt/vm_devices.h"
#include "kernel/virt/vpsci.h"
#include "platform/qcom/sip_forward.h"
#include "platform/console.h"

namespace hyp::virt {
namespace {

using sched::Ticks;
using sched::no_deadline;

// What a PSCI caller gets when its vCPU is in no VPM group (as no PSCI at all).
constexpr std::uint64_t psci_not_supported = static_cast<std::uint64_t>(std::int64_t{PSCI_RET_NOT_SUPPORTED});

struct RunState {
    Vcpu* loaded = nullptr;  // the scheduler's vCPU on this CPU; a reference held
    // Whose registers are live in the CPU: `loaded`, or the vCPU a vcpu_run of `loaded`
    // runs in its place (proxy_run), which holds its own reference.
    Vcpu* running = nullptr;
    // All-zero until run_vcpus() starts the loop (so that run_states is .bss, not a
    // table in the image), which sets need_schedule, timer_dirty and slice_deadline.
    bool need_schedule = false;
    bool timer_fired = false;
    bool timer_dirty = false;  // the EL2 timer must be programmed again
    bool vtimer_ppi_on = false;  // the virtual timer's PPI is enabled in this CPU's redistributor
    bool fp_trapped = false;     // CPTR_EL2.TFP as last written (lazy FP/SIMD switching)
    // The loaded vCPU's list registers: how many the last entry filled (folded and reset
    // at the exit), and whether they must all be rewritten (a vCPU was just loaded).
    unsigned lrs_in_use = 0;
    bool lrs_forced = false;
    // The loaded vCPU's list registers are as the guest left them at an IRQ exit: not read
    // back nor folded yet, the virtual CPU interface still enabled. Most IRQs do not concern
    // its vGIC (and the virtual timer's goes straight into an LR, on_vtimer), so the next
    // entry folds and refills only if something asked for it (vgic_enter); anything else
    // that needs the vGIC's state current folds first (settle_lrs).
    bool lrs_live = false;
    bool lrs_maintenance = false;  // a maintenance interrupt came while they were live
    Ticks slice_deadline = 0;
    // Idle accounting (report_idle_time): counter ticks spent waiting in WFI.
    std::uint64_t started = 0;
    std::uint64_t idle_ticks = 0;
    std::uint64_t idle_since = 0;  // non-zero while in WFI (read by the report, on another CPU)
    std::uint64_t idle_count = 0;
    std::uint64_t exits = 0;
    // Exits by cause, for report_idle_time(): the exception classes the run loop handles
    // itself, and IRQs.
    std::uint64_t exits_hypercall = 0;
    std::uint64_t exits_mmio = 0;
    std::uint64_t exits_wfi = 0;
    std::uint64_t exits_sysreg = 0;
    std::uint64_t exits_fp = 0;
    std::uint64_t exits_irq = 0;
    // A Qualcomm SiP call of `sip_vcpu` that EL3 interrupted, kept for its resume (the
    // primary VM's vCPUs are pinned, and Linux resumes at once, on the same CPU).
    const Vcpu* sip_vcpu = nullptr;
    platform::qcom::SipSession sip;
};

constinit RunState run_states[HYP_MAX_CPUS];
constinit std::uint64_t stage2_vtcr = 0;
constinit unsigned list_registers = 0;  // ICH_VTR_EL2.ListRegs + 1 (the same on every CPU)
constinit GuestFeatures guest_features{};
constinit bool eager_fp = false;  // lazy_fp::mode(), read once at run_loop_init()
constinit bool forward_qcom_sip = false;  // the board's choice (set_qcom_sip_forwarding)

std::uint32_t this_cpu() { return arch::current_cpu_index(); }

RunState& this_state() { return run_states[this_cpu()]; }

void on_reschedule_sgi(std::uint32_t) { this_state().need_schedule = true; }

// ---- FP/SIMD state, switched lazily (kernel/virt/lazy_fp.h) ----------------------------

void set_fp_trap(RunState& rs, bool on)
{
    if (rs.fp_trapped != on) {
        arch::fp_trap(on);
        rs.fp_trapped = on;
    }
}

// This CPU's FP/SIMD registers, for lazy_fp::Owners; EL2 may touch them with TFP off.
struct CpuFpRegisters {
    RunState& rs;

    void save(arch::FpRegs& regs)
    {
        set_fp_trap(rs, false);
        arch::fp_regs_save(&regs);
    }
    void restore(const arch::FpRegs& regs)
    {
        set_fp_trap(rs, false);
        arch::fp_regs_restore(&regs);
    }
};

// `vcpu`, about to run here, runs with FP/SIMD untrapped exactly when its state is live
// in this CPU's registers.
void arm_fp_trap(Vcpu& vcpu, RunState& rs, std::uint32_t cpu)
{
    set_fp_trap(rs, !lazy_fp::owners().owns(cpu, vcpu.fp_home()));
}

// EC 0x07: the vCPU's first FP/SIMD access since it came onto this CPU. Its state into
// the registers (take), and back to the same instruction, untrapped; or, while another
// CPU still holds its state and has been asked for it, trapped, to come back here.
void fp_first_use(Vcpu& vcpu, RunState& rs, std::uint32_t cpu)
{
    CpuFpRegisters registers{rs};
    (void)lazy_fp::owners().take(cpu, vcpu.fp_home(), registers);
    arm_fp_trap(vcpu, rs, cpu);
}

// Besides ending a WFI, a kick may come from a CPU that waits for the FP/SIMD state this
// one holds (lazy_fp::Owners::take): save it for that CPU.
void on_kick_sgi(std::uint32_t)
{
    RunState& rs = this_state();
    std::uint32_t cpu = this_cpu();
    CpuFpRegisters registers{rs};
    Vcpu* running = rs.running;
    if (lazy_fp::owners().flush(cpu, running != nullptr ? &running->fp_home() : nullptr, registers) &&
        running != nullptr) {
        arm_fp_trap(*running, rs, cpu);
    }
}

// The list registers ran low or a level-sensitive interrupt was EOId: the exit itself is
// the point (the loop folds and refills the list registers before the next entry). If they
// were left live (RunState::lrs_live) the virtual CPU interface is still enabled, and the
// condition, and with it this interrupt, would hold until they are rewritten: off with it
// now (the refill turns it on again).
void on_gic_maintenance(std::uint32_t)
{
    RunState& rs = this_state();
    if (rs.lrs_live) {
        arch::gic_virt::write_hcr(0);
        rs.lrs_maintenance = true;
    }
}

// Pends private interrupt `intid` for `vcpu`, which runs here and whose list registers
// were left live at its exit (RunState::lrs_live): straight into one if that needs no
// choice (Vgic::pend_into_lrs), else pended without telling it and its list registers
// folded and refilled before it enters again.
void pend_live(Vcpu& vcpu, RunState& rs, std::uint32_t intid)
{
    Vgic& vgic = vcpu.vic()->vgic();
    std::uint64_t lrs[arch::gic_virt::max_list_registers];
    for (unsigned n = 0; n < rs.lrs_in_use; ++n) {
        lrs[n] = arch::gic_virt::read_lr(n);
    }
    Vgic::LrWrite w = vgic.pend_into_lrs(vcpu.vm_index(), intid, lrs, rs.lrs_in_use, list_registers);
    if (w.index != Vgic::no_lr) {
        arch::gic_virt::write_lr(w.index, w.value);
        rs.lrs_in_use = w.index + 1 > rs.lrs_in_use ? w.index + 1 : rs.lrs_in_use;
        return;
    }
    vgic.raise_edge(vcpu.vm_index(), intid, /*target_running=*/true);
    vcpu.vic()->request_refill(vcpu.vm_index());
}

// The loaded vCPU's virtual timer fired while it ran: hand it to its virtual GIC and mask
// it in the CPU until the guest programs it again. Only enabled while a vCPU with a vic is
// loaded; one that arrives just after the switch to another vCPU is dropped.
void on_vtimer(std::uint32_t intid)
{
    Vcpu* vcpu = this_state().running;
    if (vcpu == nullptr || vcpu->vic() == nullptr) {
        return;
    }
    arch::vtimer_mask();
    RunState& rs = this_state();
    if (rs.lrs_live) {
        pend_live(*vcpu, rs, intid);
        return;
    }
    // It runs here and this CPU goes round its loop before entering it again: no need to
    // tell it (the scheduler's locks, a reschedule); a refill is enough.
    vcpu->vic()->vgic().raise_edge(vcpu->vm_index(), intid, /*target_running=*/true);
    vcpu->vic()->request_refill(vcpu->vm_index());
}

// The physical UART received something: it is the primary VM's console input. What does
// not fit in its receive FIFO is dropped (and counted): a person typing never fills it.
constinit std::uint64_t console_input_dropped = 0;

void on_console_input(std::uint32_t)
{
    for (int c = platform::console_read(); c >= 0; c = platform::console_read()) {
        if (!console_input(static_cast<char>(c))) {
            __atomic_fetch_add(&console_input_dropped, 1, __ATOMIC_RELAXED);
        }
    }
}

void set_vtimer_ppi(RunState& rs, bool on)
{
    if (rs.vtimer_ppi_on != on && irq_vtimer_intid() != 0) {
        irq_enable_local(irq_vtimer_intid(), on);
        rs.vtimer_ppi_on = on;
    }
}

// The vGIC's part of entering and leaving the guest: list registers in before, out after,
// but only when there is something to move. Most exits (a hypercall, an MMIO access) find
// no list register in use and nothing new for the vCPU, and touch none of this.
void vgic_exit(Vcpu& vcpu, Vic& vic, RunState& rs);

[[gnu::always_inline]] inline void vgic_enter(Vcpu& vcpu, Vic& vic, RunState& rs)
{
    std::uint32_t index = vcpu.vm_index();
    bool forced = rs.lrs_forced;
    if (rs.lrs_live) {
        // Left live at an IRQ exit: enter with them as they are unless something changed.
        rs.lrs_live = false;
        bool maintenance = rs.lrs_maintenance;
        rs.lrs_maintenance = false;
        if (!forced && !maintenance && !vic.take_refill(index)) {
            return;
        }
        vgic_exit(vcpu, vic, rs);  // fold, then refill below
        forced = true;             // (the refill was taken)
    }
    if (!forced && rs.lrs_in_use == 0 && !vic.take_refill(index)) {
        return;  // ICH_HCR_EL2 still says En, the list registers are all invalid
    }
    if (forced) {
        (void)vic.take_refill(index);
    }
    virt::Vgic::Flush flush = vic.vgic().flush(index, list_registers);
    // Rewrite what the last entry used, or every one after a vCPU switch.
    unsigned writes = forced ? list_registers : (flush.used > rs.lrs_in_use ? flush.used : rs.lrs_in_use);
    for (unsigned n = 0; n < writes; ++n) {
        arch::gic_virt::write_lr(n, n < flush.used ? flush.lrs[n] : 0);
    }
    rs.lrs_in_use = flush.used;
    rs.lrs_forced = false;
    arch::gic_virt::write_hcr(arch::gic_virt::ich_hcr::en | (flush.more_pending ? arch::gic_virt::ich_hcr::uie : 0));
}

void vgic_exit(Vcpu& vcpu, Vic& vic, RunState& rs)
{
    if (rs.lrs_in_use == 0) {
        return;
    }
    std::uint64_t lrs[arch::gic_virt::max_list_registers];
    for (unsigned n = 0; n < rs.lrs_in_use; ++n) {
        lrs[n] = arch::gic_virt::read_lr(n);
    }
    // Off until the next entry: with the interface enabled, an EOId level-sensitive
    // interrupt's list register keeps the maintenance interrupt asserted until it is
    // rewritten, and EL2 would take it again and again.
    arch::gic_virt::write_hcr(0);
    vic.vgic().fold(vcpu.vm_index(), lrs, rs.lrs_in_use);
    vic.resample_forwarded();  // hardware interrupts the guest has finished with
}

void on_el2_timer(std::uint32_t)
{
    arch::el2_timer::stop();  // level-triggered; programmed again by the loop
    RunState& rs = this_state();
    rs.timer_fired = true;
    rs.timer_dirty = true;
}

void program_timer(RunState& rs, std::uint32_t cpu)
{
    rs.timer_dirty = false;
    Ticks deadline = rs.slice_deadline;
    Ticks event = sched::cpu_timer_queue(cpu).next_deadline();
    if (event < deadline) {
        deadline = event;
    }
    if (deadline == no_deadline) {
        arch::el2_timer::stop();
    } else {
        arch::el2_timer::arm(deadline);
    }
}

// ---- switching vCPUs ---------------------------------------------------------------

// FP/SIMD: eagerly, in and out with the rest; lazily, left where they are, and trapped
// unless they are the vCPU's already (fp_first_use).
void load(Vcpu& vcpu, RunState& rs, std::uint32_t cpu)
{
    VcpuState& state = vcpu.regs();
    std::uint32_t index = vcpu.vm_index() == vcpu_no_index ? 0 : vcpu.vm_index();
    arch::VcpuHwConfig config;
    config.hcr = arch::guest_hcr(vcpu.mmu_off_cacheable());
    config.vttbr = vcpu.addrspace()->vttbr();
    config.vmpidr = vcpu_vmpidr_el2(index);
    arch::vcpu_load(state.el1, state.pauth, config);
    if (eager_fp) {
        arch::fp_regs_restore(&state.fp);
    } else {
        arm_fp_trap(vcpu, rs, cpu);
    }
    if (vcpu.vic() != nullptr) {
        arch::gic_virt::restore(state.gic);
        rs.lrs_forced = true;
    } else {
        arch::gic_virt::write_hcr(0);
    }
    rs.lrs_in_use = 0;
    set_vtimer_ppi(rs, vcpu.vic() != nullptr);
}

// The list registers of the vCPU leaving this CPU's registers, folded if they were left
// live at its last exit (the vGIC's state must be current before anything reads it).
void settle_lrs(Vcpu& vcpu, RunState& rs)
{
    if (!rs.lrs_live) {
        return;
    }
    rs.lrs_live = false;
    rs.lrs_maintenance = false;
    if (vcpu.vic() != nullptr) {
        vgic_exit(vcpu, *vcpu.vic(), rs);
    }
}

void save(Vcpu& vcpu)
{
    settle_lrs(vcpu, this_state());
    vcpu.addrspace()->devices().flush_console();
    VcpuState& state = vcpu.regs();
    arch::vcpu_save(state.el1, state.pauth);
    if (eager_fp) {
        arch::fp_regs_save(&state.fp);
    }
    if (vcpu.vic() != nullptr) {
        arch::gic_virt::save(state.gic);  // the list registers were folded at the exit
        arch::gic_virt::write_hcr(0);
    }
}

void reschedule(RunState& rs, std::uint32_t cpu)
{
    sched::Scheduler& scheduler = vcpu_scheduler();
    for (;;) {
        rs.need_schedule = false;
        sched::Decision d = scheduler.schedule(cpu, arch::counter());
        rs.slice_deadline = d.deadline;
        rs.timer_dirty = true;
        if (!d.switched) {
            return;
        }
        Vcpu* previous = rs.loaded;
        rs.loaded = nullptr;
        rs.running = nullptr;
        if (previous != nullptr) {
            save(*previous);
        }
        sched::deliver(scheduler.finish_switch(cpu));
        if (previous != nullptr) {
            previous->put();  // may be the last reference: it is off this CPU now
        }
        if (d.next == nullptr) {
            return;
        }
        Vcpu& next = Vcpu::of(*d.next);
        if (next.try_retain()) {
            load(next, rs, cpu);
            rs.loaded = &next;
            rs.running = &next;
            return;
        }
        // Its last reference is gone and its destructor waits for it to leave this CPU.
        (void)scheduler.block(next.entity(), sched::BlockReason::killed);
    }
}

// ---- waiting ------------------------------------------------------------------------

// WFI, or PSCI CPU_SUSPEND: the vCPU waits until something would interrupt it. With no
// virtual interrupt controller yet, that is its own virtual timer, so the wait ends at
// the timer's deadline (or at once if the timer condition already holds), or never when
// the timer is off or masked. The vCPU's timer registers are live in the CPU.
void wait_for_interrupt(Vcpu& vcpu, RunState& rs, std::uint32_t cpu, sched::BlockReason reason)
{
    vcpu.addrspace()->devices().flush_console();  // a prompt waiting for input shows now
    Vic* vic = vcpu.vic();
    arch::VtimerWait timer = arch::vtimer_wait();
    if (timer.armed) {
        if (timer.pending) {
            if (vic != nullptr) {  // its interrupt, not yet taken: into the vGIC with it
                arch::vtimer_mask();
                vic->vgic().raise_edge(vcpu.vm_index(), vic->vtimer_intid());
            }
            return;  // an interrupt would be pending: WFI completes at once
        }
        Ticks deadline = timer.deadline;
        sched::TimerQueue& queue = sched::cpu_timer_queue(cpu);
        if (!queue.update(vcpu.wake_timer(), deadline)) {
            // Still armed on the CPU it last waited on: take it back from there.
            sched::cancel_on_any_cpu(vcpu.wake_timer());
            (void)queue.update(vcpu.wake_timer(), deadline);
        }
        rs.timer_dirty = true;
    }
    if (vic != nullptr && vic->vgic().has_deliverable(vcpu.vm_index())) {
        return;  // an interrupt is already waiting for it
    }
    sched::deliver(vcpu_scheduler().block(vcpu.entity(), reason));
    // An interrupt that became pending between the check and the block found the vCPU
    // not yet waiting and did not wake it: look again now that it is.
    if (vic != nullptr && vic->vgic().has_deliverable(vcpu.vm_index())) {
        sched::deliver(vcpu_scheduler().unblock(vcpu.entity(), reason));
    }
}

// ---- traps --------------------------------------------------------------------------

void inject(Vcpu& vcpu, const GuestFault& fault)
{
    arch::GuestRegs& gp = vcpu.regs().gp;
    RegisterFile regs{gp.x, gp.elr, gp.spsr};
    El1State el1{arch::guest_vbar_el1(), arch::guest_sctlr_el1(), guest_features};
    Injection injection = inject_fault(regs, fault, el1);
    if (!injection.supported) {
        log::warn("hyp: vCPU {} of VM {} is in a state no exception can be injected into (PSTATE {:#x}); "
                  "stopping it",
                  vcpu.vm_index(), vcpu.addrspace()->vmid(), gp.spsr);
        (void)vcpu.kill();
        return;
    }
    arch::guest_exception_registers(injection.elr_el1, injection.spsr_el1, injection.esr_el1, injection.write_far,
                                    injection.far_el1);
}

void act_on(Vcpu& vcpu, const TrapOutcome& outcome)
{
    if (outcome.action == TrapAction::inject) {
        inject(vcpu, outcome.fault);
    }
}

void psci_call(Vcpu& vcpu, RunState& rs, std::uint32_t cpu, bool trapped_smc)
{
    arch::GuestRegs& gp = vcpu.regs().gp;
    if (trapped_smc) {
        gp.elr += 4;  // a trapped SMC returns to itself
    }
    VpmGroup* group = vcpu.vpm_group();
    if (group == nullptr) {
        gp.x[0] = psci_not_supported;
        return;
    }
    const std::uint64_t args[8] = {gp.x[0], gp.x[1], gp.x[2], gp.x[3], gp.x[4], gp.x[5], gp.x[6], gp.x[7]};
    PsciOutcome outcome = group->psci_call(vcpu, args);
    gp.x[0] = outcome.handled ? outcome.x0 : psci_not_supported;
    switch (outcome.effect) {
    case PsciEffect::suspend:
        wait_for_interrupt(vcpu, rs, cpu, sched::BlockReason::suspended);
        break;
    case PsciEffect::system_off:
    case PsciEffect::system_reset:
        vcpu.addrspace()->devices().flush_console();
        if (group->system_power_physical()) {
            bool off = outcome.effect == PsciEffect::system_off;
            log::info("hyp: the resource manager asked for system {}", off ? "off" : "reset");
            report_idle_time();
            if (off) {
                arch::psci::system_off();
            }
            arch::psci::system_reset();
        }
        break;
    case PsciEffect::none:
    case PsciEffect::start_vcpu:
    case PsciEffect::stop_self:
        break;  // the group has done it; the kicks went out as it did
    }
    group->update_virq();  // CPU_ON, CPU_OFF, CPU_SUSPEND, SYSTEM_OFF may change its state
}

void proxy_run(Vcpu& caller, Vcpu& target, RunState& rs, std::uint32_t cpu);

// A Qualcomm SiP (SCM) call, on boards that forward them: answered here or passed to
// EL3 (platform/qcom/sip_forward.h). False when it is not one: the other paths decide.
bool qcom_sip_call(Vcpu& vcpu, RunState& rs, bool trapped_smc)
{
    arch::GuestRegs& gp = vcpu.regs().gp;
    const std::uint64_t regs[8] = {gp.x[0], gp.x[1], gp.x[2], gp.x[3], gp.x[4], gp.x[5], gp.x[6], gp.x[7]};
    if (rs.sip_vcpu != &vcpu) {
        rs.sip = {};  // an interrupted call is only the interrupted vCPU's to resume
    }
    const bool primary = (vcpu.options() & GUNYAH_VCPU_OPTION_HLOS_VM) != 0;
    const platform::qcom::SipPlan plan = platform::qcom::plan_sip_call(regs, primary, rs.sip);
    if (plan.action == platform::qcom::SipAction::not_sip) {
        return false;
    }
    if (trapped_smc) {
        gp.elr += 4;  // a trapped SMC returns to itself
    }
    if (plan.action == platform::qcom::SipAction::answer) {
        for (unsigned i = 0; i < 4; ++i) {
            gp.x[i] = plan.regs[i];
        }
        return true;
    }
    std::uint64_t out[5];
    arch::smccc::smc(plan.regs, out);
    platform::qcom::sip_returned(out, plan, rs.sip);
    rs.sip_vcpu = rs.sip.interrupted ? &vcpu : nullptr;
    for (unsigned i = 0; i < 4; ++i) {
        gp.x[i] = out[i];
    }
    gp.x[6] = out[4];
    return true;
}

void hypercall(Vcpu& vcpu, RunState& rs, std::uint32_t cpu, std::uint64_t ec)
{
    arch::GuestRegs& gp = vcpu.regs().gp;
    bool smccc = (gp.esr & hypercall::esr_imm16_mask) == 0;
    if (smccc && Vpsci::is_psci_call(gp.x[0])) {
        psci_call(vcpu, rs, cpu, ec == arch::esr_ec::smc64);
        return;
    }
    if (smccc && forward_qcom_sip && qcom_sip_call(vcpu, rs, ec == arch::esr_ec::smc64)) {
        return;
    }
    hypercall::Caller caller{vcpu.cspace(), &vcpu};
    caller.cpu = cpu;
    (void)hypercall::handle_hypercall_trap(caller, gp.esr, hypercall::TrapFrame{gp.x, &gp.elr});
    if (caller.yield_requested) {
        vcpu_scheduler().yield(cpu);
        rs.need_schedule = true;
    }
    if (caller.run_target != nullptr) {
        proxy_run(vcpu, *caller.run_target, rs, cpu);  // vcpu_run: writes the caller's x0..x4
    }
}

// A write to one of the GICv3 SGI registers (trapped through HCR_EL2.IMO): ICC_SGI1R_EL1
// goes to the vGIC; the group 0 and alias registers are ignored (the VM's interrupts are
// all group 1). False for any other register.
bool sgi_register_write(Vcpu& vcpu, arch::GuestRegs& gp)
{
    std::uint64_t iss = gp.esr & arch::esr::iss_mask;
    std::uint64_t reg = iss & arch::esr_sys64::register_mask;
    bool sgi1r = reg == arch::esr_sys64::icc_sgi1r_el1;
    if ((iss & arch::esr_sys64::direction_read) != 0 ||
        (!sgi1r && reg != arch::esr_sys64::icc_asgi1r_el1 && reg != arch::esr_sys64::icc_sgi0r_el1)) {
        return false;
    }
    if (sgi1r) {
        auto rt = static_cast<unsigned>((iss >> arch::esr_sys64::rt_shift) & arch::esr_sys64::rt_mask);
        std::uint64_t value = rt < 31 ? gp.x[rt] : 0;
        RunState& rs = this_state();
        Vgic& vgic = vcpu.vic()->vgic();
        if (!rs.lrs_live) {
            (void)vgic.write_sgi1r(vcpu.vm_index(), value, Vgic::SgiToSender::quiet);
            vcpu.vic()->request_refill(vcpu.vm_index());  // for an SGI to itself
        } else if (vgic.write_sgi1r(vcpu.vm_index(), value, Vgic::SgiToSender::to_caller)) {
            // To itself, its list registers live (enter_once): straight into one if it can.
            auto intid = static_cast<std::uint32_t>((value >> gicv3::sgi1r_intid_shift) & 0xf);
            pend_live(vcpu, rs, intid);
        }
    }
    gp.elr += 4;
    return true;
}

// A trapped write of ICC_SGI1R_EL1: handled with the list registers left live.
[[gnu::always_inline]] inline bool is_sgi1r_write(std::uint64_t esr, arch::GuestExit exit)
{
    std::uint64_t iss = esr & arch::esr::iss_mask;
    return exit == arch::GuestExit::sync && ((esr >> arch::esr::ec_shift) & arch::esr::ec_mask) == arch::esr_ec::sys64 &&
           (iss & arch::esr_sys64::direction_read) == 0 &&
           (iss & arch::esr_sys64::register_mask) == arch::esr_sys64::icc_sgi1r_el1;
}

void guest_sync_exception(Vcpu& vcpu, RunState& rs, std::uint32_t cpu)
{
    arch::GuestRegs& gp = vcpu.regs().gp;
    std::uint64_t ec = (gp.esr >> arch::esr::ec_shift) & arch::esr::ec_mask;
    switch (ec) {
    case arch::esr_ec::wfx:
        gp.elr += 4;
        if ((gp.esr & 1) == 0) {  // WFI; a WFE (not trapped) just goes on
            wait_for_interrupt(vcpu, rs, cpu, sched::BlockReason::wfi);
        }
        return;
    case arch::esr_ec::hvc64:
    case arch::esr_ec::smc64:
        hypercall(vcpu, rs, cpu, ec);
        return;
    case arch::esr_ec::dabt_lower: {
        AddrSpace& as = *vcpu.addrspace();
        AddrSpaceGuestMemory memory{as};
        RegisterFile regs{gp.x, gp.elr, gp.spsr};
        AbortSyndrome syndrome{gp.esr, gp.far, gp.hpfar};
        // Only a proxy-scheduled vCPU's accesses may exit to its proxy (as Gunyah).
        const VmmioRanges* vmmio = vcpu.run_scheduled() ? &as.devices().vmmio() : nullptr;
        TrapOutcome outcome = handle_data_abort(as.devices().bus(), memory, regs, syndrome, vmmio);
        if (outcome.action == TrapAction::vmmio) {
            const MmioAccess access = decode_data_abort(syndrome).access;
            std::uint64_t value = access.write ? mmio_write_value(regs, access) : 0;
            vcpu.run_vmmio_exit(VmmioExit{access, syndrome, value});  // the run stops
        } else {
            act_on(vcpu, outcome);
        }
        console_input_drain();
        return;
    }
    case arch::esr_ec::iabt_lower: {
        AddrSpaceGuestMemory memory{*vcpu.addrspace()};
        act_on(vcpu, handle_instruction_abort(memory, AbortSyndrome{gp.esr, gp.far, gp.hpfar}));
        return;
    }
    case arch::esr_ec::fp_asimd:
        if (rs.fp_trapped) {  // lazy switching, and its state is not live here
            fp_first_use(vcpu, rs, cpu);
            return;
        }
        [[fallthrough]];
    case arch::esr_ec::sys64:
        if (ec == arch::esr_ec::sys64 && vcpu.vic() != nullptr && sgi_register_write(vcpu, gp)) {
            return;
        }
        [[fallthrough]];
    default:
        // System registers the guest may not touch (EC 0x18), and every other trap: the
        // instruction is UNDEFINED as far as the guest can tell.
        log::debug("hyp: vCPU {} of VM {}: trap EC {:#x} ISS {:#x} at {:#x}: UNDEFINED", vcpu.vm_index(),
                   vcpu.addrspace()->vmid(), ec, gp.esr & arch::esr::iss_mask, gp.elr);
        act_on(vcpu, undefined_instruction());
        return;
    }
}

[[gnu::always_inline]] inline void count_exit(RunState& rs, std::uint64_t esr)
{
    switch ((esr >> arch::esr::ec_shift) & arch::esr::ec_mask) {
    case arch::esr_ec::hvc64:
    case arch::esr_ec::smc64: ++rs.exits_hypercall; break;
    case arch::esr_ec::dabt_lower: ++rs.exits_mmio; break;
    case arch::esr_ec::wfx: ++rs.exits_wfi; break;
    case arch::esr_ec::sys64: ++rs.exits_sysreg; break;
    case arch::esr_ec::fp_asimd: ++rs.exits_fp; break;
    default: break;
    }
}

void idle(RunState& rs)
{
    // WFI with IRQs masked still wakes on a pending interrupt, so a kick that arrives
    // between the checks above and the WFI is not lost; the unmask then takes it.
    std::uint64_t start = arch::counter();
    __atomic_store_n(&rs.idle_since, start, __ATOMIC_RELAXED);
    arch::wfi();
    __atomic_store_n(&rs.idle_since, std::uint64_t{0}, __ATOMIC_RELAXED);
    __atomic_fetch_add(&rs.idle_ticks, arch::counter() - start, __ATOMIC_RELAXED);
    ++rs.idle_count;
    arch::irq_enable();
    arch::isb();
    arch::irq_disable();
}

// The EL2 timer fired: this CPU's timer events (vCPU wake-ups) and the slice.
void timer_fired(RunState& rs, std::uint32_t cpu)
{
    rs.timer_fired = false;
    if (rs.running != nullptr) {
        rs.running->addrspace()->devices().flush_console();  // at most a slice late
    }
    Ticks now = arch::counter();
    (void)sched::cpu_timer_queue(cpu).expire(now);
    sched::TimerCheck check = vcpu_scheduler().timer_expired(cpu, now);
    if (check.reschedule) {
        rs.need_schedule = true;
    } else {
        rs.slice_deadline = check.deadline;
    }
}

// One entry into `vcpu` (its registers live on this CPU) and the handling of what brought
// it back: the run loop's step, for the scheduler's vCPU and for one a vcpu_run runs.
[[gnu::always_inline]] inline void enter_once(Vcpu& vcpu, RunState& rs, std::uint32_t cpu)
{
    ++rs.exits;
    Vic* vic = vcpu.vic();
    if (vic != nullptr) {
        vgic_enter(vcpu, *vic, rs);
    }
    arch::GuestExit exit = arch::guest_run(&vcpu.regs().gp);
    if (vic != nullptr) {
        if (exit == arch::GuestExit::irq || is_sgi1r_write(vcpu.regs().gp.esr, exit)) {
            rs.lrs_live = true;  // folded only if the exit's handling needs it (vgic_enter)
        } else {
            vgic_exit(vcpu, *vic, rs);
        }
    }
    switch (exit) {
    case arch::GuestExit::sync:
        count_exit(rs, vcpu.regs().gp.esr);
        guest_sync_exception(vcpu, rs, cpu);
        break;
    case arch::GuestExit::irq:
        ++rs.exits_irq;
        handle_el2_irq();
        break;
    case arch::GuestExit::fiq:
    case arch::GuestExit::serror:
        log::warn("hyp: vCPU {} of VM {}: unexpected FIQ/SError exit; resuming it", vcpu.vm_index(),
                  vcpu.addrspace()->vmid());
        break;
    }
}

// ---- proxy scheduling (vcpu_run) -------------------------------------------------------

// The caller's virtual timer cannot fire while its registers are saved: a wake timer on
// this CPU stands in for it, so that its expiry reaches the caller's vGIC, which kicks
// this CPU (the caller runs here) and ends the proxied run.
void watch_caller_timer(Vcpu& caller, RunState& rs, std::uint32_t cpu)
{
    Vic* vic = caller.vic();
    if (vic == nullptr) {
        return;  // without a vGIC its timer only ends a WFI: nothing to stand in for
    }
    arch::VtimerWait timer = arch::vtimer_wait();
    if (!timer.armed) {
        return;
    }
    if (timer.pending) {
        arch::vtimer_mask();
        vic->vgic().raise_edge(caller.vm_index(), vic->vtimer_intid());  // kicks us: no run
        return;
    }
    sched::TimerQueue& queue = sched::cpu_timer_queue(cpu);
    if (!queue.update(caller.wake_timer(), timer.deadline)) {
        sched::cancel_on_any_cpu(caller.wake_timer());
        (void)queue.update(caller.wake_timer(), timer.deadline);
    }
    rs.timer_dirty = true;
}

// vcpu_run: runs `target` (claimed by Vcpu::run_begin, a reference held for us) on this
// CPU in place of `caller`, the scheduler's current vCPU here, whose slice it spends. It
// stops when the target stops being ready (WFI, power off, a VMMIO exit, killed) or when
// this CPU must reschedule (the caller's slice is over, an interrupt or a kick for it, a
// higher priority ready): then READY, so the caller's VM is never starved. The caller's
// EL1, FP (eagerly, or lazily as for any switch), pointer-auth and GIC CPU-interface state
// are saved and restored around it, as for a switch; the target's stage 2 (VTTBR with its
// VMID) and VMPIDR are loaded.
void proxy_run(Vcpu& caller, Vcpu& target, RunState& rs, std::uint32_t cpu)
{
    watch_caller_timer(caller, rs, cpu);
    save(caller);
    load(target, rs, cpu);
    rs.running = &target;
    for (;;) {
        if (rs.timer_fired) {
            timer_fired(rs, cpu);
        }
        if (rs.need_schedule || target.run_should_stop()) {
            break;
        }
        if (rs.timer_dirty) {
            program_timer(rs, cpu);
        }
        enter_once(target, rs, cpu);
    }
    save(target);
    target.run_left_cpu();  // its registers are in memory: another vcpu_run may load them
    RunReport report = target.run_end();
    load(caller, rs, cpu);
    rs.running = &caller;
    sched::cancel_on_any_cpu(caller.wake_timer());  // its own timer is live again
    rs.timer_dirty = true;
    arch::GuestRegs& gp = caller.regs().gp;
    gp.x[0] = 0;  // OK
    gp.x[1] = report.state;
    gp.x[2] = report.data[0];
    gp.x[3] = report.data[1];
    gp.x[4] = report.data[2];
    target.put();  // may be the last reference: it is on no CPU now
}

}  // namespace

bool run_loop_init(unsigned ipa_bits, unsigned pa_bits, unsigned vmid_bits, std::uint32_t cpu_count)
{
    Result<std::uint64_t> vtcr = mem::stage2_vtcr(ipa_bits, pa_bits, vmid_bits);
    if (!vtcr) {
        log::error("hyp: stage 2 cannot be configured for {}-bit IPAs and {}-bit PAs", ipa_bits, pa_bits);
        return false;
    }
    stage2_vtcr = *vtcr;
    arch::GuestPstateFeatures features = arch::guest_pstate_features();
    guest_features = GuestFeatures{features.pan, features.ssbs, features.mte};
    eager_fp = lazy_fp::mode() == lazy_fp::Mode::eager;
    Vcpu::set_guest_features(guest_features);
    list_registers = arch::gic_virt::list_register_count();
    if (!irq_register(sgi_reschedule, on_reschedule_sgi) || !irq_register(sgi_kick, on_kick_sgi) ||
        !irq_register(irq_timer_intid(), on_el2_timer) || !irq_register(irq_maintenance_intid(), on_gic_maintenance) ||
        (irq_vtimer_intid() != 0 && !irq_register(irq_vtimer_intid(), on_vtimer))) {
        log::error("hyp: the run loop's interrupt handlers do not fit the IRQ table");
        return false;
    }
    vcpu_scheduler().init(cpu_count, arch::counter_frequency());
    return true;
}

void set_qcom_sip_forwarding(bool on) { forward_qcom_sip = on; }

void console_input_init(std::uint32_t uart_intid)
{
    if (uart_intid < 32 || !irq_register(uart_intid, on_console_input) || !platform::console_enable_input()) {
        log::warn("hyp: no console input for VMs (UART interrupt {})", uart_intid);
        return;
    }
    irq_enable_spi(uart_intid, irq_priority_guest);
}

void run_vcpus()
{
    std::uint32_t cpu = this_cpu();
    RunState& rs = run_states[cpu];
    arch::guest_cpu_init(stage2_vtcr);
    rs.need_schedule = true;
    rs.timer_dirty = true;
    rs.slice_deadline = no_deadline;
    rs.started = arch::counter();
    for (;;) {
        if (rs.timer_fired) {
            timer_fired(rs, cpu);
        }
        if (rs.need_schedule) {
            reschedule(rs, cpu);
        }
        if (rs.timer_dirty) {
            program_timer(rs, cpu);
        }
        Vcpu* vcpu = rs.loaded;
        if (vcpu == nullptr) {
            idle(rs);
            continue;
        }
        enter_once(*vcpu, rs, cpu);
    }
}

void report_idle_time()
{
    for (std::uint32_t cpu = 0; cpu < vcpu_scheduler().cpu_count(); ++cpu) {
        const RunState& rs = run_states[cpu];
        if (rs.started == 0) {
            continue;
        }
        std::uint64_t now = arch::counter();
        std::uint64_t total = now - rs.started;
        std::uint64_t idle = __atomic_load_n(&rs.idle_ticks, __ATOMIC_RELAXED);
        if (std::uint64_t since = __atomic_load_n(&rs.idle_since, __ATOMIC_RELAXED); since != 0) {
            idle += now - since;  // waiting right now
        }
        std::uint64_t permille = total == 0 ? 0 : idle * 1000 / total;
        // Hypercalls the vector answered itself (fast_answers.h) are not exits.
        std::uint64_t fast = __atomic_load_n(&per_cpu(cpu).fast_hypercalls, __ATOMIC_RELAXED);
        log::info("hyp: cpu {} idle {}.{}% of {} ms ({} waits, {} exits: {} IRQ, {} hypercall, {} MMIO, {} WFI, {} "
                  "sysreg, {} FP traps; {} fast hypercalls)",
                  cpu, permille / 10, permille % 10, total * 1000 / arch::counter_frequency(), rs.idle_count, rs.exits,
                  rs.exits_irq, rs.exits_hypercall, rs.exits_mmio, rs.exits_wfi, rs.exits_sysreg, rs.exits_fp, fast);
    }
}

}  // namespace hyp::virt

namespace hyp::sched {

void deliver(Kick kick)
{
    if (!kick.needed()) {
        return;
    }
    if (kick.cpu == virt::this_cpu()) {
        virt::run_states[kick.cpu].need_schedule = true;
    } else {
        arch::gic_cpu::send_sgi(sgi_reschedule, per_cpu(kick.cpu).mpidr);
    }
}

bool handling_exit_of(const Entity& entity)
{
    Vcpu* running = virt::run_states[virt::this_cpu()].running;
    return running != nullptr && &running->entity() == &entity;
}

void poke(CpuIndex cpu)
{
    // Its own CPU is at EL2 already and looks again before it enters the guest.
    if (cpu != no_cpu && cpu != virt::this_cpu()) {
        arch::gic_cpu::send_sgi(sgi_kick, per_cpu(cpu).mpidr);
    }
}


}  // namespace hyp::sched
