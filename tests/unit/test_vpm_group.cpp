// VPM groups through their hypercalls: create, configure, activate, attach_vcpu (every
// check, in order), get_state, the virq-binding gaps, vcpu_run_check, and the lifetimes of
// a group and its vCPUs (a vCPU destroyed while in a group; a group whose cap goes while
// vCPUs hold it).
#include "test_vpm_group_fixture.h"

using namespace vpmtest;

TEST_CASE("a VPM group is created in init, configured there, then activated")
{
    System s;
    CapId g = s.new_group();
    VpmGroup& group = s.obj<VpmGroup>(g);
    CHECK(group.state() == ObjectState::init);
    CHECK_FALSE(group.no_aggregation());

    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, 2) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, 1, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, s.weak(g, GUNYAH_RIGHTS_VPM_GROUP_ALL & ~GUNYAH_RIGHT_ACTIVATE), 1) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, s.vm_as, 1) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK_FALSE(group.no_aggregation());

    REQUIRE(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, GUNYAH_VPM_GROUP_CONFIGURE_NO_AGGREGATION) == GUNYAH_ERROR_OK);
    CHECK(group.no_aggregation());
    REQUIRE(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, 0) == GUNYAH_ERROR_OK);  // a later configure replaces it
    CHECK_FALSE(group.no_aggregation());

    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, g) == GUNYAH_ERROR_OK);
    CHECK(group.state() == ObjectState::active);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, g) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_CONFIGURE, g, 1) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK_FALSE(group.no_aggregation());
    CHECK_FALSE(group.system_power_physical());
}

TEST_CASE("vpm_group_attach_vcpu checks the group cap and state, the thread cap and state, then the index")
{
    System s;
    CapId t = s.vm_thread();
    Vcpu& v = s.v(t);
    VpmGroup& group = s.group();
    auto unchanged = [&] {
        CHECK(v.vpm_group() == nullptr);
        CHECK(v.vm_index() == vcpu_no_index);
        for (std::uint32_t i = 0; i < VpmGroup::capacity; ++i) {
            CHECK_FALSE(group.has_vcpu(i));
        }
    };

    // The group: rights, type, state (init).
    CHECK(s.attach(s.weak(s.group_cap, GUNYAH_RIGHTS_VPM_GROUP_ALL & ~GUNYAH_RIGHT_VPM_GROUP_ATTACH_VCPU), t, 0) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach(t, t, 0) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId init_group = s.new_group();
    CHECK(s.attach(init_group, t, 0) == GUNYAH_ERROR_OBJECT_STATE);
    // Checked before the thread cap: a bad group with a bad thread reports the group.
    CHECK(s.attach(init_group, s.vm_as, 99) == GUNYAH_ERROR_OBJECT_STATE);
    // The thread: ACTIVATE, type, state.
    CHECK(s.attach(s.group_cap, s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_ACTIVATE), 0) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach(s.group_cap, s.vm_as, 0) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId active = s.vcpu(1, 2);
    CHECK(s.attach(s.group_cap, active, 0) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.attach(s.group_cap, active, 1000) == GUNYAH_ERROR_OBJECT_STATE);  // state before index
    // The index: below 64, all 64 bits of it; R0.
    CHECK(s.attach(s.group_cap, t, VpmGroup::capacity) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach(s.group_cap, t, std::uint64_t{1} << 32) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach(s.group_cap, t, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, s.group_cap, t, 0, 1) == GUNYAH_ERROR_ARG_INVAL);
    unchanged();

    std::uint32_t refs = group.references();
    REQUIRE(s.attach(s.group_cap, t, 63) == GUNYAH_ERROR_OK);
    CHECK(v.vpm_group() == &group);
    CHECK(v.vm_index() == 63);
    CHECK(group.has_vcpu(63));
    CHECK(group.references() == refs + 1);  // the vCPU holds the group
    CHECK(group.power(63) == virt::VcpuPower::off);

    // Taken: the index, or the vCPU (already in a group; Gunyah would move it).
    CapId other = s.vm_thread();
    CHECK(s.attach(s.group_cap, other, 63) == GUNYAH_ERROR_BUSY);
    CHECK(s.attach(s.group_cap, t, 5) == GUNYAH_ERROR_BUSY);
    CapId group2 = s.new_group();
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, group2) == GUNYAH_ERROR_OK);
    CHECK(s.attach(group2, t, 0) == GUNYAH_ERROR_BUSY);
    CHECK(v.vpm_group() == &group);
    CHECK(v.vm_index() == 63);
    CHECK_FALSE(group.has_vcpu(5));
    REQUIRE(s.attach(s.group_cap, other, 0) == GUNYAH_ERROR_OK);
    CHECK(group.has_vcpu(0));
}

TEST_CASE("vpm_group_get_state: none, running, CPUs suspended")
{
    System s;
    CapId a = s.member(0);
    CapId b = s.member(1);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_NONE);
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);
    // WFI is still running, as far as the group is concerned.
    (void)vcpu_scheduler().block(s.v(a).entity(), sched::BlockReason::wfi);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);
    (void)vcpu_scheduler().block(s.v(a).entity(), sched::BlockReason::suspended);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_CPUS_SUSPENDED);
    REQUIRE(s.poweron(b, entry) == GUNYAH_ERROR_OK);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);
    (void)vcpu_scheduler().block(s.v(b).entity(), sched::BlockReason::suspended);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_CPUS_SUSPENDED);
    (void)vcpu_scheduler().unblock(s.v(b).entity(), sched::BlockReason::suspended);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);
    REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, b) == GUNYAH_ERROR_OK);  // a killed vCPU is not on
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_CPUS_SUSPENDED);

    // QUERY, an active group, R0.
    Return r = s.call(GUNYAH_HC_VPM_GROUP_GET_STATE,
                      s.weak(s.group_cap, GUNYAH_RIGHTS_VPM_GROUP_ALL & ~GUNYAH_RIGHT_VPM_GROUP_QUERY));
    CHECK(err(r) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.call(GUNYAH_HC_VPM_GROUP_GET_STATE, s.new_group())) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.call(GUNYAH_HC_VPM_GROUP_GET_STATE, a)) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(err(s.call(GUNYAH_HC_VPM_GROUP_GET_STATE, s.group_cap, 1)) == GUNYAH_ERROR_ARG_INVAL);
}

TEST_CASE("the whole VPM interface is there, and identify claims it")
{
    System s;
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.group_cap, 0, 0) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, s.group_cap) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK((implemented_features0() & GUNYAH_FLAGS0_VPM) != 0);
    for (std::uint32_t n : {GUNYAH_HC_PARTITION_CREATE_VPM_GROUP, GUNYAH_HC_VPM_GROUP_CONFIGURE,
                            GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, GUNYAH_HC_VPM_GROUP_GET_STATE,
                            GUNYAH_HC_VPM_GROUP_BIND_VIRQ, GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ}) {
        CHECK(lookup(n)->handler != nullptr);
    }
}

TEST_CASE("vcpu_run_check reports powered off, ready, waiting and exited")
{
    System s;
    CapId a = s.member(0);
    CapId b = s.member(1);

    // STATE and BIND_VIRQ, both; an active vCPU; R0.
    CHECK(err(s.run_check(s.weak(a, GUNYAH_RIGHT_THREAD_STATE))) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.run_check(s.weak(a, GUNYAH_RIGHT_THREAD_BIND_VIRQ))) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.run_check(s.group_cap)) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(err(s.run_check(s.vm_thread())) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.call(GUNYAH_HC_VCPU_RUN_CHECK, a, 1)) == GUNYAH_ERROR_ARG_INVAL);

    auto check = [&](CapId t, std::uint64_t state, std::uint64_t data0, std::uint64_t data1) {
        Return r = s.run_check(s.weak(t, GUNYAH_RIGHT_THREAD_STATE | GUNYAH_RIGHT_THREAD_BIND_VIRQ));
        CHECK(err(r) == GUNYAH_ERROR_OK);
        CHECK(r.x[1] == state);
        CHECK(r.x[2] == data0);
        CHECK(r.x[3] == data1);
    };
    check(a, GUNYAH_VCPU_RUN_STATE_POWERED_OFF, 0, 0);  // never started
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    check(a, GUNYAH_VCPU_RUN_STATE_READY, 0, 0);
    s.schedule(0);  // running now: still ready
    CHECK(vcpu_scheduler().current(0) == &s.v(a).entity());
    check(a, GUNYAH_VCPU_RUN_STATE_READY, 0, 0);
    (void)vcpu_scheduler().block(s.v(a).entity(), sched::BlockReason::wfi);
    check(a, GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, 0, GUNYAH_VCPU_RUN_WAKEUP_WFI);
    s.schedule(0);  // off its CPU: the run loop's part
    (void)vcpu_scheduler().unblock(s.v(a).entity(), sched::BlockReason::wfi);
    (void)vcpu_scheduler().block(s.v(a).entity(), sched::BlockReason::suspended);
    check(a, GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP, 0, GUNYAH_VCPU_RUN_WAKEUP_CPU_SUSPEND);
    (void)vcpu_scheduler().unblock(s.v(a).entity(), sched::BlockReason::suspended);
    check(a, GUNYAH_VCPU_RUN_STATE_READY, 0, 0);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, a, 0) == GUNYAH_ERROR_OK);
    check(a, GUNYAH_VCPU_RUN_STATE_POWERED_OFF, 0, 0);  // powered off, not exited

    // Halted by its VM's SYSTEM_OFF / SYSTEM_RESET (Vcpu::halt; the PSCI tests go through
    // psci_call), and killed.
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    s.v(a).halt(VcpuHalt::system_off);
    check(a, GUNYAH_VCPU_RUN_STATE_POWERED_OFF, GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0);
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    check(a, GUNYAH_VCPU_RUN_STATE_READY, 0, 0);  // powered on again: no longer exited
    s.v(a).halt(VcpuHalt::system_reset);
    check(a, GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET, 0, 0);
    REQUIRE(s.poweron(b, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, b) == GUNYAH_ERROR_OK);
    check(b, GUNYAH_VCPU_RUN_STATE_POWERED_OFF, GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0);
}

TEST_CASE("vcpu_run_check answers for a vCPU in no group too")
{
    System s;
    CapId t = s.vcpu(2, 2);
    Return r = s.run_check(t);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == GUNYAH_VCPU_RUN_STATE_POWERED_OFF);
    REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
    CHECK(s.run_check(t).x[1] == GUNYAH_VCPU_RUN_STATE_READY);
}

TEST_CASE("a vCPU destroyed while in its group leaves the group, and its index is free again")
{
    System s;
    CapId a = s.member(0);
    CapId b = s.member(1);
    CapId c = s.member(2);
    VpmGroup& group = s.group();
    std::uint32_t refs = group.references();
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    REQUIRE(s.cpu_on(a, 1) == psci(PSCI_RET_SUCCESS));

    s.drop(b);  // powered on: blocked killed, off its queue, out of the group
    s.drop(c);  // never started
    CHECK_FALSE(group.has_vcpu(1));
    CHECK_FALSE(group.has_vcpu(2));
    CHECK(group.references() == refs - 2);
    CHECK(s.ready_total() == 1);  // a only
    // Calls naming them reach no freed vCPU (ASan would say): no vCPU there now.
    CHECK(s.affinity(a, 1) == psci(PSCI_RET_INVALID_PARAMETERS));
    CHECK(s.cpu_on(a, 2) == psci(PSCI_RET_INVALID_PARAMETERS));
    CHECK(group.power(1) == virt::VcpuPower::off);
    CHECK(s.vpm_state(s.group_cap) == GUNYAH_VPM_STATE_RUNNING);

    // The index takes a new vCPU, which starts off.
    CapId d = s.member(1);
    CHECK(s.affinity(a, 1) == psci(PSCI_AFFINITY_OFF));
    CHECK(s.cpu_on(a, 1) == psci(PSCI_RET_SUCCESS));
    CHECK(s.v(d).powered_on());
}

TEST_CASE("a group whose cap is deleted lives on while its vCPUs hold it, and goes with the last")
{
    System s;
    std::uint64_t free_before = s.root.free_bytes();
    CapId g = s.new_group();
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, g) == GUNYAH_ERROR_OK);
    CapId a = s.vm_thread(0);
    CapId b = s.vm_thread(1);
    REQUIRE(s.attach(g, a, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.attach(g, b, 1) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, a) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, b) == GUNYAH_ERROR_OK);
    VpmGroup* group = s.v(a).vpm_group();

    s.drop(g);
    CHECK(group->references() == 2);
    CHECK(group->state() == ObjectState::active);
    REQUIRE(s.poweron(a, entry) == GUNYAH_ERROR_OK);
    CHECK(s.cpu_on(a, 1) == psci(PSCI_RET_SUCCESS));
    CHECK(s.affinity(b, 0) == psci(PSCI_AFFINITY_ON));

    s.drop(a);
    CHECK(group->references() == 1);
    CHECK_FALSE(group->has_vcpu(0));
    CHECK(s.affinity(b, 0) == psci(PSCI_RET_INVALID_PARAMETERS));
    s.drop(b);  // the last reference: the group goes too (ASan checks the rest)
    CHECK(s.root.free_bytes() == free_before);
}
