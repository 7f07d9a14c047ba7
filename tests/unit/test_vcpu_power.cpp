// vCPU power and scheduling calls: poweron, poweroff, kill, affinity, priority, timeslice.
#include "test_vcpu_fixture.h"

#include "kernel/sched/kick.h"

using namespace vcputest;

namespace {
constexpr std::uint64_t all_ones = ~std::uint64_t{0};
}

TEST_CASE("poweron starts the vCPU at entry with context in x0, in EL1h with the MMU off")
{
    System s;
    CapId t = s.vcpu(2);
    Vcpu& x = s.v(t);
    x.regs().el1.sctlr_el1 = 0x1005;  // whatever an earlier run left
    x.regs().el1.ttbr0_el1 = 0x4000;
    x.regs().gp.x[1] = 77;
    REQUIRE(s.poweron(t, 0x4008'0000, 0xdead'beef) == GUNYAH_ERROR_OK);
    CHECK(x.regs().gp.elr == 0x4008'0000);
    CHECK(x.regs().gp.x[0] == 0xdead'beef);
    CHECK(x.regs().gp.x[1] == 77);  // other registers are kept
    CHECK(x.regs().gp.spsr == 0x3c5);
    CHECK(x.regs().el1.sctlr_el1 == vcpu_reset_sctlr_el1);
    CHECK((x.regs().el1.sctlr_el1 & 1) == 0);
    CHECK(x.regs().el1.ttbr0_el1 == 0);
    CHECK(x.powered_on());
    // Ready on its CPU, which idles, so it is kicked.
    CHECK(x.entity().block_reasons().none());
    CHECK(x.entity().state() == sched::EntityState::ready);
    CHECK(s.ready_on(t, 2));
    CHECK(s.ready_total() == 1);
    CHECK(x.take_kick() == sched::Kick::to(2));
    CHECK(x.take_kick() == sched::Kick::none());
}

TEST_CASE("every kick a vCPU call makes is delivered as it is made, and the timer and FP state reset")
{
    System s;
    CapId t = s.vcpu(1);
    Vcpu& x = s.v(t);
    x.regs().el1.cntv_ctl_el0 = 1;
    x.regs().fp.fpcr = 0x1234;
    std::uint64_t before = sched::kicks_delivered();
    REQUIRE(s.poweron(t, 0x1000, 0) == GUNYAH_ERROR_OK);
    CHECK(sched::kicks_delivered() == before + 1);  // CPU 1 idles: kicked
    CHECK(x.regs().el1.cntv_ctl_el0 == 0);
    CHECK(x.regs().fp.fpcr == 0);

    SECTION("a vCPU stopped while it waited starts again runnable")
    {
        (void)vcpu_scheduler().block(x.entity(), sched::BlockReason::wfi);
        x.halt(VcpuHalt::system_off);
        CHECK(x.halted() == VcpuHalt::system_off);
        CHECK_FALSE(x.powered_on());
        REQUIRE(s.poweron(t, 0x1000, 0) == GUNYAH_ERROR_OK);
        CHECK(x.halted() == VcpuHalt::none);
        CHECK(x.entity().block_reasons().none());
    }
}

TEST_CASE("poweron flags keep the entry point or the context from before")
{
    System s;
    CapId t = s.vcpu();
    Vcpu& x = s.v(t);
    x.regs().gp.elr = 0x1000;
    x.regs().gp.x[0] = 5;
    REQUIRE(s.poweron(t, 0x2000, 6, GUNYAH_VCPU_POWERON_KEEP_ENTRY) == GUNYAH_ERROR_OK);
    CHECK(x.regs().gp.elr == 0x1000);
    CHECK(x.regs().gp.x[0] == 6);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, t, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(t, 0x3000, 7, GUNYAH_VCPU_POWERON_KEEP_CONTEXT) == GUNYAH_ERROR_OK);
    CHECK(x.regs().gp.elr == 0x3000);
    CHECK(x.regs().gp.x[0] == 6);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, t, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(t, 0x4000, 8, GUNYAH_VCPU_POWERON_KEEP_ENTRY | GUNYAH_VCPU_POWERON_KEEP_CONTEXT) ==
            GUNYAH_ERROR_OK);
    CHECK(x.regs().gp.elr == 0x3000);
    CHECK(x.regs().gp.x[0] == 6);
}

TEST_CASE("poweron refuses bad flags, caps without POWER, init and powered-on vCPUs")
{
    System s;
    CapId t = s.vcpu();
    View before = s.view(t);
    CHECK(s.poweron(t, 0x1000, 0, 1u << 2) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.poweron(t, 0x1000, 0, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.poweron(s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_POWER)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.poweron(s.cspace_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.view(t) == before);

    CapId init = s.attached_thread(2);
    View init_before = s.view(init);
    CHECK(s.poweron(init) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.view(init) == init_before);

    REQUIRE(s.poweron(t, 0x1000, 1) == GUNYAH_ERROR_OK);
    View on = s.view(t);
    CHECK(s.poweron(t, 0x2000, 2) == GUNYAH_ERROR_BUSY);
    CHECK(s.view(t) == on);
    CHECK(s.ready_total() == 1);
}

TEST_CASE("poweroff blocks a powered-on vCPU again and refuses any other")
{
    System s;
    CapId t = s.vcpu(1);
    View off = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_POWEROFF, t, 0) == GUNYAH_ERROR_ARG_INVAL);  // already off
    CHECK(s.view(t) == off);
    CapId init = s.attached_thread(2);
    CHECK(s.e(GUNYAH_HC_VCPU_POWEROFF, init, 0) == GUNYAH_ERROR_OBJECT_STATE);

    REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
    (void)s.v(t).take_kick();
    View on = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_POWEROFF, t, 2) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_POWEROFF, s.weak(t, GUNYAH_RIGHT_THREAD_AFFINITY), 0) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.view(t) == on);

    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, t, GUNYAH_VCPU_POWEROFF_LAST_VCPU) == GUNYAH_ERROR_OK);
    Vcpu& x = s.v(t);
    CHECK_FALSE(x.powered_on());
    CHECK(x.last_vcpu());
    CHECK(x.entity().block_reasons() == sched::BlockReasons::of(sched::BlockReason::powered_off));
    CHECK(x.entity().state() == sched::EntityState::blocked);
    CHECK(s.ready_total() == 0);
    CHECK(x.take_kick() == sched::Kick::none());  // it was only ready: nothing to stop
    // And on again.
    REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
    CHECK(s.ready_on(t, 1));
    CHECK_FALSE(x.last_vcpu());
}

TEST_CASE("vcpu_kill blocks an active vCPU for good")
{
    System s;
    CapId t = s.vcpu();
    CapId init = s.attached_thread(2);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, init) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, s.weak(t, GUNYAH_RIGHT_THREAD_POWER)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, t, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK_FALSE(s.v(t).killed());
    REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, t) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).killed());
    CHECK(s.v(t).entity().block_reasons().has(sched::BlockReason::killed));
    CHECK(s.ready_total() == 0);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, t) == GUNYAH_ERROR_OK);
    CHECK(s.poweron(t) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_VCPU_POWEROFF, t, 0) == GUNYAH_ERROR_ARG_INVAL);
}

TEST_CASE("affinity is set before and after activation, to a CPU the scheduler has")
{
    System s;
    CapId t = s.attached_thread();
    View before = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, t, cpus, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, t, all_ones, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_AFFINITY), 1,
              all_ones) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, s.partition_cap, 1, all_ones) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.view(t) == before);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, t, 3, all_ones) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).entity().affinity() == 3);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
    CHECK(s.ready_on(t, 3));
    (void)s.v(t).take_kick();
    // A ready vCPU moves at once; its new, idle CPU is kicked.
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, t, 1, all_ones) == GUNYAH_ERROR_OK);
    CHECK(s.ready_on(t, 1));
    CHECK_FALSE(s.ready_on(t, 3));
    CHECK(s.v(t).take_kick() == sched::Kick::to(1));
}

TEST_CASE("priority is set before activation only, up to 62")
{
    System s;
    CapId t = s.attached_thread();
    View before = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, t, 63) == GUNYAH_ERROR_DENIED);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, t, all_ones) == GUNYAH_ERROR_DENIED);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_PRIORITY), 1) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.view(t) == before);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, t, 62) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).entity().priority() == 62);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, t, 0) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).entity().priority() == 0);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, t, 40) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.v(t).entity().priority() == 0);
}

TEST_CASE("timeslice is set before activation only, within 100 us .. 100 ms")
{
    System s;
    CapId t = s.attached_thread();
    View before = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_TIMESLICE, t, 99'999) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_TIMESLICE, t, 100'000'001) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_TIMESLICE, s.weak(t, GUNYAH_RIGHT_THREAD_PRIORITY), 1'000'000) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.view(t) == before);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_TIMESLICE, t, 100'000) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).entity().timeslice_ns() == 100'000);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_SET_TIMESLICE, t, 1'000'000) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.v(t).entity().timeslice_ns() == 100'000);
}

TEST_CASE("a higher-priority vCPU powered on where another is ready is queued ahead of it")
{
    System s;
    CapId low = s.attached_thread(1);
    CapId high = s.attached_thread(2);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, low, 10) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_PRIORITY, high, 50) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, low) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, high) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(low) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(high) == GUNYAH_ERROR_OK);
    std::vector<sched::Entity*> order;
    vcpu_scheduler().for_each_ready(0, [&](sched::Entity& en) { order.push_back(&en); });
    REQUIRE(order.size() == 2);
    CHECK(order[0] == &s.v(high).entity());
    CHECK(order[1] == &s.v(low).entity());
}
