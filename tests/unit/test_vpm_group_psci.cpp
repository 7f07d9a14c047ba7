// PSCI through a VPM group (VpmGroup::psci_call, what the run loop calls): the PSCI view
// following vCPUs powered on and off outside PSCI, CPU_ON of attached vCPUs with the PSCI
// entry state, its refusals, CPU_OFF with the `stopping` window while the vCPU is still on
// its CPU, AFFINITY_INFO, SYSTEM_OFF / SYSTEM_RESET halting the VM, the root VM's machine
// power, and the address-space GuestMemory that checks entry points.
#include <atomic>
#include <thread>

#include "kernel/object/addrspace_guest_memory.h"
#include "test_vpm_group_fixture.h"

using namespace vpmtest;
using virt::PsciEffect;
using virt::VcpuPower;

TEST_CASE("the vCPU the RM powers on counts as on, and those never powered on as off")
{
    System s;
    CapId boot = s.member(0);
    CapId second = s.member(1);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);  // as the RM does: vcpu_poweron
    CHECK(s.group().power(0) == VcpuPower::on);
    CHECK(s.group().power(1) == VcpuPower::off);
    CHECK(s.affinity(boot, 0) == psci(PSCI_AFFINITY_ON));
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
    CHECK(s.cpu_on(boot, 0) == psci(PSCI_RET_ALREADY_ON));
    CHECK_FALSE(s.group().all_off());

    // Powered on and off by the RM while others run: the PSCI view follows, with or
    // without the optional notifications.
    REQUIRE(s.poweron(second, entry) == GUNYAH_ERROR_OK);
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_ON));
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, second, 0) == GUNYAH_ERROR_OK);
    s.group().vcpu_powered_off(s.v(second));
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
    REQUIRE(s.poweron(second, entry) == GUNYAH_ERROR_OK);
    s.group().vcpu_powered_on(s.v(second));
    CHECK(s.group().power(1) == VcpuPower::on);
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_ALREADY_ON));
}

TEST_CASE("CPU_ON starts an attached vCPU at the entry point, with the PSCI entry state")
{
    System s;
    CapId boot = s.member(0);
    CapId target = s.member(5);  // on CPU 1
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    Vcpu& t = s.v(target);
    (void)t.take_kick();
    // Whatever an earlier life left.
    t.regs().gp.x[0] = 1;
    t.regs().gp.x[7] = 7;
    t.regs().gp.x[30] = 30;
    t.regs().gp.spsr = 0x3c4;
    t.regs().el1.sctlr_el1 = 0x1005;
    t.regs().el1.ttbr1_el1 = 0x4000;

    virt::PsciOutcome out = s.psci_call(boot, PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(5), entry + 8, 0xc0ffee);
    CHECK(out.handled);
    CHECK(out.x0 == psci(PSCI_RET_SUCCESS));
    CHECK(out.effect == PsciEffect::start_vcpu);
    CHECK(out.target == 5);
    CHECK(t.powered_on());
    CHECK(t.regs().gp.elr == entry + 8);
    CHECK(t.regs().gp.x[0] == 0xc0ffee);
    CHECK(t.regs().gp.x[7] == 0);
    CHECK(t.regs().gp.x[30] == 0);
    CHECK(t.regs().gp.spsr == 0x3c5);  // EL1h, DAIF masked
    CHECK(t.regs().el1.sctlr_el1 == vcpu_reset_sctlr_el1);  // MMU and caches off
    CHECK(t.regs().el1.ttbr1_el1 == 0);
    CHECK(t.entity().block_reasons().none());
    CHECK(s.ready_on(target, 1));
    CHECK(t.take_kick() == sched::Kick::to(1));  // delivered when made; recorded for tests
    CHECK(s.group().power(5) == VcpuPower::on);  // at once, as Gunyah reports it
    CHECK(s.affinity(boot, 5) == psci(PSCI_AFFINITY_ON));
    CHECK(s.cpu_on(boot, 5) == psci(PSCI_RET_ALREADY_ON));
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);

    // The SMC32 form takes the low 32 bits of each argument; the started vCPU may start
    // another (it is evidently on).
    CapId third = s.member(17);
    const std::uint64_t junk = std::uint64_t{0xdead} << 32;
    out = s.psci_call(target, PSCI_FN_CPU_ON_32, junk | hyp_abi::vcpu_mpidr(17), junk | entry, junk | 0x55);
    CHECK(out.x0 == psci(PSCI_RET_SUCCESS));
    CHECK(out.target == 17);
    CHECK(s.v(third).regs().gp.elr == entry);
    CHECK(s.v(third).regs().gp.x[0] == 0x55);
}

TEST_CASE("CPU_ON refuses targets in order: no such vCPU, bad entry point, already on")
{
    System s;
    CapId boot = s.member(0);
    CapId off = s.member(1);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    auto unchanged = [&] {
        CHECK_FALSE(s.v(off).powered_on());
        CHECK(s.group().power(1) == VcpuPower::off);
        CHECK(s.ready_total() == 1);
    };

    CHECK(s.cpu_on(boot, 0) == psci(PSCI_RET_ALREADY_ON));
    // MPIDRs: Aff0 beyond 15, Aff2 set, bits outside the affinity fields, no vCPU there.
    for (std::uint64_t mpidr : {std::uint64_t{0x10}, std::uint64_t{0x10000}, std::uint64_t{0x8000'0001},
                                std::uint64_t{hyp_abi::vcpu_mpidr(2)}, std::uint64_t{hyp_abi::vcpu_mpidr(63)},
                                std::uint64_t{hyp_abi::vcpu_mpidr(64)}}) {
        INFO("mpidr " << std::hex << mpidr);
        CHECK(s.psci_call(boot, PSCI_FN_CPU_ON_64, mpidr, entry).x0 == psci(PSCI_RET_INVALID_PARAMETERS));
    }
    // The target first: no vCPU there and a bad entry point is INVALID_PARAMETERS.
    CHECK(s.cpu_on(boot, 2, entry + 2) == psci(PSCI_RET_INVALID_PARAMETERS));
    // Entry points: unaligned, not executable (read-write data), unmapped, device.
    CHECK(s.cpu_on(boot, 1, entry + 2) == psci(PSCI_RET_INVALID_ADDRESS));
    CHECK(s.cpu_on(boot, 1, data_ipa) == psci(PSCI_RET_INVALID_ADDRESS));
    CHECK(s.cpu_on(boot, 1, ram_ipa + ram_pages * memtest::page) == psci(PSCI_RET_INVALID_ADDRESS));
    CHECK(s.cpu_on(boot, 1, 0) == psci(PSCI_RET_INVALID_ADDRESS));
    unchanged();

    // A target attached but never activated, or killed, cannot be powered on.
    CapId inactive = s.vm_thread(2);
    REQUIRE(s.attach(s.group_cap, inactive, 3) == GUNYAH_ERROR_OK);
    CHECK(s.cpu_on(boot, 3) == psci(PSCI_RET_INVALID_PARAMETERS));
    CHECK(s.group().power(3) == VcpuPower::off);
    REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, off) == GUNYAH_ERROR_OK);
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_INVALID_PARAMETERS));
    unchanged();
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
}

TEST_CASE("AFFINITY_INFO answers for attached vCPUs at level 0 only")
{
    System s;
    CapId boot = s.member(0);
    (void)s.member(16);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    CHECK(s.affinity(boot, 16) == psci(PSCI_AFFINITY_OFF));
    CHECK(s.affinity(boot, 1) == psci(PSCI_RET_INVALID_PARAMETERS));  // no vCPU 1
    CHECK(s.psci_call(boot, PSCI_FN_AFFINITY_INFO_64, 0, 1).x0 == psci(PSCI_RET_INVALID_PARAMETERS));
    CHECK(s.psci_call(boot, PSCI_FN_AFFINITY_INFO_32, 0x100, 0).x0 == psci(PSCI_AFFINITY_OFF));
    REQUIRE(s.cpu_on(boot, 16) == psci(PSCI_RET_SUCCESS));
    CHECK(s.psci_call(boot, PSCI_FN_AFFINITY_INFO_32, 0x100, 0).x0 == psci(PSCI_AFFINITY_ON));
}

TEST_CASE("CPU_OFF powers the caller off, then CPU_ON starts it again")
{
    System s;
    CapId boot = s.member(0);
    CapId second = s.member(1);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));

    virt::PsciOutcome out = s.psci_call(second, PSCI_FN_CPU_OFF);
    CHECK(out.effect == PsciEffect::stop_self);
    Vcpu& v = s.v(second);
    CHECK_FALSE(v.powered_on());
    CHECK(v.entity().block_reasons() == sched::BlockReasons::of(sched::BlockReason::powered_off));
    CHECK(v.halted() == VcpuHalt::none);
    // It was on no CPU (nothing ran it here), so it is off at once.
    CHECK(s.group().power(1) == VcpuPower::off);
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
    // Its late calls change nothing.
    CHECK(s.psci_call(second, PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(2), entry).x0 == psci(PSCI_RET_DENIED));

    REQUIRE(s.cpu_on(boot, 1, entry + 4, 9) == psci(PSCI_RET_SUCCESS));
    CHECK(v.powered_on());
    CHECK(v.regs().gp.elr == entry + 4);

    // The last vCPU may go off too; then the group is all off.
    REQUIRE(s.psci_call(second, PSCI_FN_CPU_OFF).effect == PsciEffect::stop_self);
    REQUIRE(s.psci_call(boot, PSCI_FN_CPU_OFF).effect == PsciEffect::stop_self);
    CHECK(s.group().all_off());
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_NONE);
}

TEST_CASE("a vCPU powered off while still on its CPU is stopping until it has left it")
{
    System s;
    CapId boot = s.member(0);   // CPU 0
    CapId second = s.member(1); // CPU 1
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));
    s.schedule(1);  // CPU 1 runs it
    Vcpu& v = s.v(second);
    REQUIRE(vcpu_scheduler().current(1) == &v.entity());

    REQUIRE(s.psci_call(second, PSCI_FN_CPU_OFF).effect == PsciEffect::stop_self);
    CHECK_FALSE(v.powered_on());
    CHECK(s.group().power(1) == VcpuPower::stopping);
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_ON));
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_ALREADY_ON));
    CHECK_FALSE(s.group().all_off());

    // CPU 1 switches away: leaving, then (registers saved) finish_switch.
    sched::Decision d = vcpu_scheduler().schedule(1, 0);
    REQUIRE(d.switched);
    CHECK(s.group().power(1) == VcpuPower::stopping);
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_ALREADY_ON));
    (void)vcpu_scheduler().finish_switch(1);
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));

    // The same for vcpu_poweroff (Gunyah's: by the vCPU itself, on its CPU).
    s.schedule(1);
    REQUIRE(vcpu_scheduler().current(1) == &v.entity());
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, second, 0) == GUNYAH_ERROR_OK);
    CHECK(s.group().power(1) == VcpuPower::stopping);
    s.schedule(1);
    CHECK(s.group().power(1) == VcpuPower::off);
}

TEST_CASE("SYSTEM_OFF halts every vCPU of the group, and run_check says the VM exited")
{
    System s;
    CapId boot = s.member(0);
    CapId second = s.member(1);
    CapId never = s.member(2);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));
    s.schedule(0);  // the caller is on CPU 0

    virt::PsciOutcome out = s.psci_call(boot, PSCI_FN_SYSTEM_OFF);
    CHECK(out.handled);
    CHECK(out.effect == PsciEffect::system_off);
    for (CapId t : {boot, second}) {
        CHECK_FALSE(s.v(t).powered_on());
        CHECK(s.v(t).halted() == VcpuHalt::system_off);
        Return r = s.run_check(t);
        CHECK(r.x[1] == GUNYAH_VCPU_RUN_STATE_POWERED_OFF);
        CHECK(r.x[2] == GUNYAH_VCPU_RUN_POWERED_OFF_EXITED);
    }
    CHECK(s.v(never).halted() == VcpuHalt::none);  // halt leaves a vCPU that was off alone
    CHECK(s.ready_total() == 0);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_NONE);
    CHECK(s.group().power(1) == VcpuPower::off);
    CHECK(s.group().power(0) == VcpuPower::stopping);  // still on CPU 0
    // Another vCPU's call that was on its way in changes nothing.
    CHECK(s.psci_call(second, PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(2), entry).x0 == psci(PSCI_RET_DENIED));
    CHECK_FALSE(s.v(never).powered_on());
    s.schedule(0);
    CHECK(s.group().all_off());

    // The RM starts the VM again with vcpu_poweron: a clean slate.
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    CHECK(s.run_check(boot).x[1] == GUNYAH_VCPU_RUN_STATE_READY);
    CHECK(s.v(boot).halted() == VcpuHalt::none);
    CHECK(s.affinity(boot, 1) == psci(PSCI_AFFINITY_OFF));
    CHECK(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));
}

TEST_CASE("SYSTEM_RESET and SYSTEM_RESET2 halt the VM for a reset")
{
    System s;
    CapId boot = s.member(0);
    CapId second = s.member(1);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(boot, 1) == psci(PSCI_RET_SUCCESS));

    CHECK(s.psci_call(boot, PSCI_FN_SYSTEM_RESET2_64, 1).x0 == psci(PSCI_RET_INVALID_PARAMETERS));
    CHECK(s.v(second).powered_on());
    virt::PsciOutcome out = s.psci_call(second, PSCI_FN_SYSTEM_RESET2_32, PSCI_RESET2_WARM);
    CHECK(out.effect == PsciEffect::system_reset);
    for (CapId t : {boot, second}) {
        CHECK(s.v(t).halted() == VcpuHalt::system_reset);
        CHECK(s.run_check(t).x[1] == GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET);
    }
    CHECK(s.group().all_off());
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    CHECK(s.psci_call(boot, PSCI_FN_SYSTEM_RESET).effect == PsciEffect::system_reset);
    CHECK(s.v(boot).halted() == VcpuHalt::system_reset);
}

TEST_CASE("the root VM's SYSTEM_OFF and SYSTEM_RESET are left to the machine")
{
    System s;
    CapId boot = s.member(0);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    s.group().set_system_power_physical(true);
    CHECK(s.group().system_power_physical());
    CHECK(s.psci_call(boot, PSCI_FN_SYSTEM_OFF).effect == PsciEffect::system_off);
    CHECK(s.psci_call(boot, PSCI_FN_SYSTEM_RESET).effect == PsciEffect::system_reset);
    CHECK(s.v(boot).powered_on());
    CHECK(s.v(boot).halted() == VcpuHalt::none);
    CHECK(s.group().power(0) == VcpuPower::on);
}

TEST_CASE("psci_call leaves other calls and strangers alone, and answers the calls with no effect")
{
    System s;
    CapId boot = s.member(0);
    REQUIRE(s.poweron(boot, entry) == GUNYAH_ERROR_OK);
    // Not PSCI: a Gunyah hypercall id, an SMCCC arch call, upper bits set.
    for (std::uint64_t x0 : {std::uint64_t{0xC6008000}, std::uint64_t{0x80000000}, std::uint64_t{0x1'8400'0000}}) {
        CHECK_FALSE(s.psci_call(boot, x0).handled);
    }
    // A vCPU of another group is not this group's.
    CapId g2 = s.new_group();
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, g2) == GUNYAH_ERROR_OK);
    CapId stranger = s.vm_thread();
    REQUIRE(s.attach(g2, stranger, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, stranger) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(stranger, entry) == GUNYAH_ERROR_OK);
    const std::uint64_t version[8] = {PSCI_FN_VERSION};
    virt::PsciOutcome out = s.group().psci_call(s.v(stranger), version);
    CHECK(out.handled);
    CHECK(out.x0 == psci(PSCI_RET_INTERNAL_FAILURE));

    CHECK(s.psci_call(boot, PSCI_FN_VERSION).x0 == PSCI_VERSION_1_1);
    out = s.psci_call(boot, PSCI_FN_CPU_SUSPEND_64, 0);
    CHECK(out.effect == PsciEffect::suspend);  // the run loop blocks it `suspended`
    CHECK(out.x0 == psci(PSCI_RET_SUCCESS));
    CHECK(s.v(boot).powered_on());
    CHECK(s.psci_call(boot, PSCI_FN_MIGRATE_INFO_TYPE).x0 == psci(PSCI_TOS_NOT_PRESENT_MP));
}

TEST_CASE("two vCPUs racing CPU_ON of one target: exactly one starts it")
{
    System s;
    CapId a = s.member(0);
    CapId b = s.member(1);
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(a, 1) == psci(PSCI_RET_SUCCESS));
    Vcpu* callers[2] = {&s.v(a), &s.v(b)};
    VpmGroup& group = s.group();
    for (std::uint32_t round = 0; round < 50; ++round) {
        std::uint32_t index = 2 + round;
        CapId target = s.member(index);
        const std::uint64_t regs[8] = {PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(index), entry};
        std::atomic<int> go{0};
        std::uint64_t results[2] = {};
        // No Catch2 assertions in the racing threads: they are not thread-safe.
        auto racer = [&](int i) {
            go.fetch_add(1);
            while (go.load() < 2) {
            }
            results[i] = group.psci_call(*callers[i], regs).x0;
        };
        std::thread ta(racer, 0);
        std::thread tb(racer, 1);
        ta.join();
        tb.join();
        bool one_each = (results[0] == psci(PSCI_RET_SUCCESS) && results[1] == psci(PSCI_RET_ALREADY_ON)) ||
                        (results[1] == psci(PSCI_RET_SUCCESS) && results[0] == psci(PSCI_RET_ALREADY_ON));
        CHECK(one_each);
        CHECK(s.v(target).powered_on());
    }
}

TEST_CASE("AddrSpaceGuestMemory: executable RAM is mapped, executable and Normal memory")
{
    System s;
    AddrSpace& as = s.obj<AddrSpace>(s.vm_as);
    CapId dev = s.extent(s.top(ram_pages + 2), memtest::page);
    REQUIRE(s.map(s.vm_as, dev, 0xa000'0000,
                  GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE)) ==
            GUNYAH_ERROR_OK);
    AddrSpaceGuestMemory mem(as);
    CHECK(mem.is_executable_ram(Ipa{ram_ipa}));
    CHECK(mem.is_executable_ram(Ipa{ram_ipa + ram_pages * memtest::page - 4}));
    CHECK_FALSE(mem.is_executable_ram(Ipa{ram_ipa + ram_pages * memtest::page}));
    CHECK_FALSE(mem.is_executable_ram(Ipa{data_ipa}));
    CHECK_FALSE(mem.is_executable_ram(Ipa{0xa000'0000}));
    CHECK(mem.is_mapped(Ipa{data_ipa + 8}));
    CHECK(mem.is_mapped(Ipa{0xa000'0000}));
    CHECK_FALSE(mem.is_mapped(Ipa{0}));
}
