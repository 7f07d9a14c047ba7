// vcpu_run (0x65) and vcpu_run_check (0x68) with proxy scheduling: the argument checks,
// the claim, the run states, the resume data of a VMMIO exit, the run-wakeup interrupt,
// and the portable encoding both calls share (kernel/object/vcpu_run_state.h).
#include "hyp_api/hyp_debug.h"
#include "kernel/object/addrspace_guest_memory.h"
#include "kernel/object/cspace.h"
#include "kernel/virt/guest_trap.h"
#include "kernel/virt/vmmio_ranges.h"
#include "test_vcpu_proxy_fixture.h"

using namespace proxytest;

namespace {

constexpr std::uint64_t mmio_ipa = 0x1000'0000;
// ESR_EL2 of a 32-bit load / store with ISV, IL set (the instruction is 4 bytes).
constexpr std::uint64_t esr_il = std::uint64_t{1} << 25;

VmmioExit read_exit(unsigned reg, std::uint8_t size = 4, bool sign = false)
{
    VmmioExit x;
    x.access.ipa = Ipa{mmio_ipa};
    x.access.size = size;
    x.access.reg = static_cast<std::uint8_t>(reg);
    x.access.sign_extend = sign;
    x.syndrome.esr = (std::uint64_t{0x24} << 26) | esr_il;
    x.syndrome.far = 0xffff'0000'0000'1000;
    return x;
}

VmmioExit write_exit(std::uint64_t value)
{
    VmmioExit x = read_exit(2);
    x.access.write = true;
    x.value = value;
    return x;
}

}  // namespace

TEST_CASE("vcpu_run: caps, rights, R0, state, a hypervisor-scheduled vCPU is busy")
{
    Proxy s;
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.p, 0, 0, 0, 1) == GUNYAH_ERROR_ARG_INVAL);  // x5 must be 0
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, 0x7777) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.vic_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    for (Rights missing : {GUNYAH_RIGHT_THREAD_AFFINITY, GUNYAH_RIGHT_THREAD_YIELD_TO}) {
        CapId weak = s.weak(s.p, GUNYAH_RIGHTS_THREAD_ALL & ~missing);
        CHECK(s.e(GUNYAH_HC_VCPU_RUN, weak) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    }
    CapId only = s.weak(s.p, GUNYAH_RIGHT_THREAD_AFFINITY | GUNYAH_RIGHT_THREAD_YIELD_TO);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, only) == GUNYAH_ERROR_OK);  // powered off: reported at once
    CapId fresh = s.new_thread();
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, fresh) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.t1) == GUNYAH_ERROR_BUSY);  // not proxy-scheduled (Gunyah)
    REQUIRE(s.poweron(s.t1) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.t1) == GUNYAH_ERROR_BUSY);
    CHECK(s.caller.run_target == nullptr);
}

TEST_CASE("a proxy-scheduled vCPU is never on a run queue: powered on, it waits for vcpu_run")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    Vcpu& v = s.v(s.p);
    CHECK(v.entity().state() == sched::EntityState::blocked);
    CHECK(v.entity().block_reasons() == sched::BlockReasons::of(sched::BlockReason::proxy));
    for (sched::CpuIndex c = 0; c < vcpu_scheduler().cpu_count(); ++c) {
        CHECK(vcpu_scheduler().ready_count(c) == 0);
    }
}

TEST_CASE("vcpu_run: powered off reports at once and owes a wake-up, which poweron raises once")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_a, GUNYAH_VCPU_VIRQ_RUN_WAKEUP) == GUNYAH_ERROR_OK);
    Return r = s.run(s.p);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.count == 5);
    CHECK(Proxy::report_of(r) == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {0, 0, 0}});
    CHECK(s.caller.run_target == nullptr);
    CHECK(s.wakeup_raised(s.p) == 0);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    CHECK(s.wakeup_raised(s.p) == 1);
    CHECK(s.spi_pending(spi_a));
}

TEST_CASE("vcpu_run: a ready vCPU is claimed, a second caller and run_check are busy until it ends")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    CHECK(s.v(s.p).in_run());
    CHECK(s.v(s.p).proxy_cpu() == 0);
    hypercall::Caller other{s.caller.cspace, &s.v(s.t1)};
    const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(GUNYAH_HC_VCPU_RUN), s.p};
    CHECK(err(dispatch_smccc(other, regs)) == GUNYAH_ERROR_BUSY);
    CHECK(err(s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p)) == GUNYAH_ERROR_BUSY);
    CHECK(s.finish() == RunReport{GUNYAH_VCPU_RUN_STATE_READY, {}});
    CHECK_FALSE(s.v(s.p).in_run());
    CHECK(s.v(s.p).proxy_cpu() == sched::no_cpu);
    Return c = s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p);
    CHECK(err(c) == GUNYAH_ERROR_OK);
    CHECK(Proxy::report_of(c) == RunReport{GUNYAH_VCPU_RUN_STATE_READY, {}});
}

TEST_CASE("vcpu_run: a vCPU run by vcpu_run may not run another (denied)")
{
    Proxy s;
    CapId q = s.attached_thread(3);
    REQUIRE(s.e(GUNYAH_HC_VCPU_CONFIGURE, q, run_scheduled) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, q) == GUNYAH_ERROR_OK);
    s.caller.vcpu = &s.v(s.p);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, q) == GUNYAH_ERROR_DENIED);
    s.caller.vcpu = &s.v(s.t0);
}

TEST_CASE("WFI: expects wakeup at once, the interrupt that ends it raises the wake-up exactly once")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_b, GUNYAH_VCPU_VIRQ_RUN_WAKEUP) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    const std::uint64_t after_poweron = s.wakeup_raised(s.p);
    s.run_claimed(s.p);
    s.wfi(s.p);  // the guest's WFI, in the run loop
    CHECK(s.v(s.p).run_should_stop());
    const RunReport waiting{GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, {0, GUNYAH_VCPU_RUN_WAKEUP_WFI, 0}};
    CHECK(s.finish() == waiting);
    // Again: still waiting, reported at once (the caller is not blocked).
    Return r = s.run(s.p);
    CHECK(Proxy::report_of(r) == waiting);
    CHECK(s.caller.run_target == nullptr);
    Return c = s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p);
    CHECK(Proxy::report_of(c) == waiting);
    CHECK(s.wakeup_raised(s.p) == after_poweron);
    s.interrupt(s.p);
    CHECK(s.wakeup_raised(s.p) == after_poweron + 1);
    s.v(s.p).interrupt_arrived(false);  // a second interrupt: the same edge
    CHECK(s.wakeup_raised(s.p) == after_poweron + 1);
    s.run_claimed(s.p);
    CHECK(s.finish().state == GUNYAH_VCPU_RUN_STATE_READY);
}

TEST_CASE("an interrupt for a vCPU being run pokes its CPU and raises no wake-up")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_b, GUNYAH_VCPU_VIRQ_RUN_WAKEUP) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    const std::uint64_t raised = s.wakeup_raised(s.p);
    s.run_claimed(s.p);
    const std::uint64_t pokes = sched::pokes_sent();
    s.wfi(s.p);
    s.interrupt(s.p);  // before the run loop saw the WFI: it goes on
    CHECK(sched::pokes_sent() == pokes + 1);
    CHECK_FALSE(s.v(s.p).run_should_stop());
    CHECK(s.finish().state == GUNYAH_VCPU_RUN_STATE_READY);
    CHECK(s.wakeup_raised(s.p) == raised);
}

TEST_CASE("kill and SYSTEM_OFF while running: the run stops, powered off, exited")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_a, GUNYAH_VCPU_VIRQ_HALT) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    s.v(s.p).halt(VcpuHalt::system_off);
    CHECK(s.v(s.p).run_should_stop());
    CHECK(s.halt_raised(s.p) == 1);
    CHECK(s.finish() == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0, 0}});

    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, s.p) == GUNYAH_ERROR_OK);
    CHECK(s.v(s.p).run_should_stop());
    CHECK(s.finish() == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0, 0}});
    // Dropping every cap while claimed: the run loop's reference keeps it until the end.
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OBJECT_STATE);  // killed for good
}

TEST_CASE("destroying a vCPU's last cap during its run is safe: the run holds it")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    Vcpu* v = s.caller.run_target;
    s.drop(s.p);
    CHECK(v->references() == 1);  // the run loop's
    CHECK(s.finish().state == GUNYAH_VCPU_RUN_STATE_READY);
}

TEST_CASE("SYSTEM_RESET reports 0x100")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.v(s.p).halt(VcpuHalt::system_reset);
    CHECK(Proxy::report_of(s.run(s.p)) == RunReport{GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET, {}});
}

TEST_CASE("VMMIO read: reported by run and run_check, emulate writes Rt zero-extended and steps")
{
    Proxy s;
    REQUIRE(s.poweron(s.p, 0x8000'0000) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    s.v(s.p).regs().gp.x[3] = ~std::uint64_t{0};
    s.v(s.p).run_vmmio_exit(read_exit(3));
    CHECK(s.v(s.p).run_should_stop());
    const RunReport exit{GUNYAH_VCPU_RUN_STATE_VMMIO_READ, {mmio_ipa, 4, 0}};
    CHECK(s.finish() == exit);
    CHECK(Proxy::report_of(s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p)) == exit);
    // Bad resume data: unimplemented (Gunyah), nothing changes.
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.p, 1, GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE, 1) == GUNYAH_ERROR_UNIMPLEMENTED);
    CHECK(s.e(GUNYAH_HC_VCPU_RUN, s.p, 1, 3) == GUNYAH_ERROR_UNIMPLEMENTED);
    CHECK(Proxy::report_of(s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p)) == exit);
    CHECK(s.v(s.p).regs().gp.elr == 0x8000'0000);
    s.run_claimed(s.p, 0xffff'ffff'1234'5678, GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE);
    CHECK(s.v(s.p).regs().gp.x[3] == 0x1234'5678);
    CHECK(s.v(s.p).regs().gp.elr == 0x8000'0004);
    CHECK(s.finish().state == GUNYAH_VCPU_RUN_STATE_READY);
}

TEST_CASE("VMMIO read: a signed 16-bit load sign-extends the answer")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    VmmioExit x = read_exit(5, 2, true);
    x.access.reg64 = true;
    s.v(s.p).run_vmmio_exit(x);
    (void)s.finish();
    s.run_claimed(s.p, 0x8001, GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE);
    CHECK(s.v(s.p).regs().gp.x[5] == 0xffff'ffff'ffff'8001);
}

TEST_CASE("VMMIO write: the value in data2, retry leaves PC, fault enters the abort vector")
{
    Proxy s;
    REQUIRE(s.poweron(s.p, 0x8000'0000) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    s.v(s.p).run_vmmio_exit(write_exit(0xabcd));
    CHECK(s.finish() == RunReport{GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, {mmio_ipa, 4, 0xabcd}});
    s.run_claimed(s.p, 0, GUNYAH_VCPU_RUN_VMMIO_ACTION_RETRY);
    CHECK(s.v(s.p).regs().gp.elr == 0x8000'0000);
    s.v(s.p).run_vmmio_exit(write_exit(0xabcd));
    (void)s.finish();
    s.v(s.p).regs().el1.vbar_el1 = 0x4000'0000;
    s.run_claimed(s.p, 0, GUNYAH_VCPU_RUN_VMMIO_ACTION_FAULT);
    Vcpu& v = s.v(s.p);
    CHECK(v.regs().gp.elr == 0x4000'0200);  // current EL with SP_ELx, synchronous
    CHECK(v.regs().el1.elr_el1 == 0x8000'0000);
    CHECK(((v.regs().el1.esr_el1 >> 26) & 0x3f) == 0x25);  // data abort, same EL
    CHECK(v.regs().el1.far_el1 == 0xffff'0000'0000'1000);
    (void)s.finish();
}

TEST_CASE("poweron forgets an unanswered VMMIO exit")
{
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    s.v(s.p).run_vmmio_exit(write_exit(1));
    (void)s.finish();
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, s.p, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    CHECK(Proxy::report_of(s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p)).state == GUNYAH_VCPU_RUN_STATE_READY);
}

TEST_CASE("run_report: the states in order of precedence")
{
    RunSnapshot snap;
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {}});
    snap.halt = VcpuHalt::system_off;
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {1, 0, 0}});
    snap.halt = VcpuHalt::system_reset;
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET, {}});
    snap.powered_on = true;
    snap.reasons.add(sched::BlockReason::proxy);
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_READY, {}});
    CHECK(run_ready(snap));
    snap.reasons.add(sched::BlockReason::wfi);
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, {0, 1, 0}});
    snap.reasons.add(sched::BlockReason::suspended);
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, {0, 2, 0}});
    CHECK_FALSE(run_ready(snap));
    VmmioExit x = write_exit(7);
    snap.vmmio = &x;
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, {mmio_ipa, 4, 7}});
    snap.killed = true;
    CHECK(run_report(snap) == RunReport{GUNYAH_VCPU_RUN_STATE_POWERED_OFF, {1, 0, 0}});
}

TEST_CASE("decode_vmmio_resume: the three actions, resume2 must be 0")
{
    CHECK(decode_vmmio_resume(0, 0).value() == VmmioAction::emulate);
    CHECK(decode_vmmio_resume(1, 0).value() == VmmioAction::retry);
    CHECK(decode_vmmio_resume(2, 0).value() == VmmioAction::fault);
    CHECK(decode_vmmio_resume(3, 0).error() == Error::unimplemented);
    CHECK(decode_vmmio_resume(0, 1).error() == Error::unimplemented);
    CHECK(decode_vmmio_resume(~std::uint64_t{0}, 0).error() == Error::unimplemented);
}

TEST_CASE("VMMIO ranges: Gunyah's checks, only accesses wholly inside one range")
{
    virt::VmmioRanges r;
    CHECK(r.add(0x1000, 0).error() == Error::arg_size);
    CHECK(r.add(~std::uint64_t{0} - 10, 0x100).error() == Error::addr_ovfl);
    CHECK(r.add(0x1000, 0x1000).ok());
    CHECK(r.add(0x1800, 0x1000).error() == Error::arg_inval);  // overlaps
    CHECK(r.covers(0x1ffc, 4));
    CHECK_FALSE(r.covers(0x1ffe, 4));
    CHECK_FALSE(r.covers(0x2000, 1));
    CHECK(r.remove(0x1000, 0x800).error() == Error::arg_inval);  // not one that was added
    CHECK(r.remove(0x1000, 0x1000).ok());
    CHECK_FALSE(r.covers(0x1000, 4));
    for (unsigned i = 0; i < virt::VmmioRanges::capacity; ++i) {
        REQUIRE(r.add(0x10000 * (i + 1), 0x1000).ok());
    }
    CHECK(r.add(0x1000, 0x1000).error() == Error::noresources);
}

TEST_CASE("addrspace_configure_vmmio: the right, the op, the address space's state")
{
    Proxy s;
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, s.vm_as, mmio_ipa, 0x1000, GUNYAH_ADDRSPACE_VMMIO_ADD) ==
          GUNYAH_ERROR_OK);
    CHECK(s.as(s.vm_as).devices().vmmio().covers(mmio_ipa, 8));
    // Gunyah's switch answers an unknown op UNIMPLEMENTED.
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, s.vm_as, mmio_ipa, 0x1000, 2) == GUNYAH_ERROR_UNIMPLEMENTED);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, s.vm_as, mmio_ipa, 0x1000, 0, 1) == GUNYAH_ERROR_ARG_INVAL);
    CapId weak = s.weak(s.vm_as, GUNYAH_RIGHTS_ADDRSPACE_ALL & ~GUNYAH_RIGHT_ADDRSPACE_ADD_VMMIO_RANGE);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, weak, mmio_ipa, 0x1000, 1) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, s.vm_as, mmio_ipa, 0x1000, GUNYAH_ADDRSPACE_VMMIO_REMOVE) ==
          GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, s.vm_as, mmio_ipa, 0x1000, GUNYAH_ADDRSPACE_VMMIO_REMOVE) ==
          GUNYAH_ERROR_ARG_INVAL);
}

TEST_CASE("addrspace_configure_vmmio: also before activation, as Gunyah's RM uses it")
{
    Proxy s;
    const CapId as = s.create(GUNYAH_HC_PARTITION_CREATE_ADDRSPACE);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, as, 0, 0x40000000, GUNYAH_ADDRSPACE_VMMIO_ADD) == GUNYAH_ERROR_OK);
    CHECK(s.as(as).devices().vmmio().covers(0x0a000000, 4));
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, as, 0x1000, 0x1000, GUNYAH_ADDRSPACE_VMMIO_ADD) ==
          GUNYAH_ERROR_ARG_INVAL);  // overlaps
}

TEST_CASE("hyp_debug_stats: -1 unless enabled, then free bytes, objects and caps")
{
    Proxy s;
    const std::uint64_t regs[8] = {0xc60081f0};
    hypercall::enable_debug_calls(false);
    CHECK(dispatch_smccc(s.caller, regs).x[0] == ~std::uint64_t{0});
    CHECK(dispatch_native(s.caller, GUNYAH_HC_NATIVE_IMM(HYP_HC_DEBUG_STATS), {}).x[0] == ~std::uint64_t{0});
    hypercall::enable_debug_calls(true);
    hypercall::set_debug_partition(&s.root);
    Return before = dispatch_smccc(s.caller, regs);
    CHECK(before.x[0] == 0);
    CHECK(before.x[1] == s.root.free_bytes());
    CHECK(before.x[2] == live_objects());
    CHECK(before.x[3] == live_caps());
    CapId db = s.doorbell();
    Return with = dispatch_smccc(s.caller, regs);
    CHECK(with.x[2] == before.x[2] + 1);
    CHECK(with.x[3] == before.x[3] + 1);
    CHECK(with.x[1] < before.x[1]);
    s.drop(db);
    Return after = dispatch_smccc(s.caller, regs);
    CHECK(after.x[1] == before.x[1]);
    CHECK(after.x[2] == before.x[2]);
    CHECK(after.x[3] == before.x[3]);
    const std::uint64_t r0[8] = {0xc60081f0, 1};
    CHECK(err(dispatch_smccc(s.caller, r0)) == GUNYAH_ERROR_ARG_INVAL);
    hypercall::enable_debug_calls(false);
    hypercall::set_debug_partition(nullptr);
}

TEST_CASE("a data abort in a VMMIO range exits only for a proxy (ranges given), else aborts")
{
    Proxy s;
    REQUIRE(s.as(s.vm_as).devices().vmmio().add(mmio_ipa, 0x1000).ok());
    arch::GuestRegs gp{};
    gp.x[2] = 0x1122'3344'5566'7788;
    virt::RegisterFile regs{gp.x, gp.elr, gp.spsr};
    // STR W2, [x] at mmio_ipa + 8: EC 0x24, ISV, SAS 2 (word), SRT 2, WnR, DFSC translation L3.
    virt::AbortSyndrome syn;
    syn.esr = (std::uint64_t{0x24} << 26) | esr_il | (std::uint64_t{1} << 24) | (std::uint64_t{2} << 22) |
              (std::uint64_t{2} << 16) | (std::uint64_t{1} << 6) | 0x07;
    syn.far = 0xffff'0000'0000'0008;
    syn.hpfar = (mmio_ipa >> 12) << 4;
    AddrSpaceGuestMemory memory{s.as(s.vm_as)};
    virt::MmioBus& bus = s.as(s.vm_as).devices().bus();
    virt::TrapOutcome out = virt::handle_data_abort(bus, memory, regs, syn, &s.as(s.vm_as).devices().vmmio());
    CHECK(out.action == virt::TrapAction::vmmio);
    CHECK(out.ipa.raw() == mmio_ipa + 8);
    const virt::MmioAccess access = virt::decode_data_abort(syn).access;  // what the glue reports
    CHECK(access.ipa.raw() == mmio_ipa + 8);
    CHECK(access.write);
    CHECK(access.size == 4);
    CHECK(virt::mmio_write_value(regs, access) == 0x5566'7788);
    CHECK(virt::handle_data_abort(bus, memory, regs, syn).action == virt::TrapAction::inject);
    syn.hpfar = ((mmio_ipa + 0x1000) >> 12) << 4;  // outside the range
    CHECK(virt::handle_data_abort(bus, memory, regs, syn, &s.as(s.vm_as).devices().vmmio()).action ==
          virt::TrapAction::inject);
}

TEST_CASE("vcpu_register_write: WRITE_CONTEXT, powered off, Gunyah's registers and alignments, poweron keeps them")
{
    Proxy s;
    const auto write = [&](CapId c, std::uint64_t set, std::uint64_t index, std::uint64_t value,
                           std::uint64_t r0 = 0) { return s.e(GUNYAH_HC_VCPU_REGISTER_WRITE, c, set, index, value, r0); };
    CHECK(write(0xdead, GUNYAH_VCPU_REG_SET_X, 1, 5) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    const CapId weak = s.weak(s.p, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_WRITE_CONTEXT);
    CHECK(write(weak, GUNYAH_VCPU_REG_SET_X, 1, 5) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X, 1, 5, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X, 31, 5) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X | (std::uint64_t{1} << 32), 1, 5) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_PC, 0, 0x80000002) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_PC, 1, 0x80000000) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_SP, 1, 0x80001008) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_SP, 2, 0x80001000) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, 3, 0, 0) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X, 1, 5) == GUNYAH_ERROR_OK);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X, 30, 7) == GUNYAH_ERROR_OK);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_PC, 0, 0x80000100) == GUNYAH_ERROR_OK);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_SP, 0, 0x80002000) == GUNYAH_ERROR_OK);
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_SP, 1, 0x80001000) == GUNYAH_ERROR_OK);
    // Powered on with the entry kept: PC, X1, X30 and both stack pointers as written; X0
    // the context.
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWERON, s.p, 0x90000000, 0x1234, GUNYAH_VCPU_POWERON_KEEP_ENTRY) == GUNYAH_ERROR_OK);
    const VcpuState& r = s.v(s.p).regs();
    CHECK(r.gp.elr == 0x80000100);
    CHECK(r.gp.x[0] == 0x1234);
    CHECK(r.gp.x[1] == 5);
    CHECK(r.gp.x[30] == 7);
    CHECK(r.el1.sp_el0 == 0x80002000);
    CHECK(r.gp.sp_el1 == 0x80001000);
    // A vCPU that may run: busy.
    CHECK(write(s.p, GUNYAH_VCPU_REG_SET_X, 1, 6) == GUNYAH_ERROR_BUSY);
    CHECK(s.v(s.p).regs().gp.x[1] == 5);
}

TEST_CASE("poweron and register_write of a vCPU whose vcpu_run is still ending are busy, never a wait")
{
    // The run's CPU takes the vCPU's lock on its way out (run_should_stop, run_end): a
    // poweron that held that lock and waited for the run to end would never see it end.
    Proxy s;
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, s.p, 0) == GUNYAH_ERROR_OK);  // from another vCPU of the owner
    CHECK(s.poweron(s.p) == GUNYAH_ERROR_BUSY);
    CHECK(s.e(GUNYAH_HC_VCPU_REGISTER_WRITE, s.p, GUNYAH_VCPU_REG_SET_X, 1, 5) == GUNYAH_ERROR_BUSY);
    CHECK(s.finish().state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF);
    CHECK(s.e(GUNYAH_HC_VCPU_REGISTER_WRITE, s.p, GUNYAH_VCPU_REG_SET_X, 1, 5) == GUNYAH_ERROR_OK);
    CHECK(s.poweron(s.p) == GUNYAH_ERROR_OK);
}

TEST_CASE("vcpu_run_check by someone else that finds the vCPU ready does not take back its proxy's wake-up")
{
    // The race: an interrupt unblocks the waiting vCPU (the vic's step), the RM's watch
    // calls vcpu_run_check and sees READY, then interrupt_arrived runs: the proxy, told
    // EXPECTS_WAKEUP, must still get its run-wakeup interrupt.
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_b, GUNYAH_VCPU_VIRQ_RUN_WAKEUP) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    s.run_claimed(s.p);
    s.wfi(s.p);
    REQUIRE(s.finish().state == GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP);
    const std::uint64_t raised = s.wakeup_raised(s.p);
    sched::deliver(vcpu_scheduler().unblock(s.v(s.p).entity(), sched::BlockReason::wfi));
    Return c = s.call(GUNYAH_HC_VCPU_RUN_CHECK, s.p);
    CHECK(Proxy::report_of(c).state == GUNYAH_VCPU_RUN_STATE_READY);
    s.v(s.p).interrupt_arrived(false);
    CHECK(s.wakeup_raised(s.p) == raised + 1);
}
