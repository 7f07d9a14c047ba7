// vCPU objects through hypercalls: create, configure, attach, activate, delete.
#include "test_vcpu_fixture.h"

using namespace vcputest;

TEST_CASE("a new thread is a vCPU in init, blocked inactive, with defaults")
{
    System s;
    CapId t = s.new_thread();
    Vcpu& x = s.v(t);
    CHECK(x.state() == ObjectState::init);
    CHECK(x.entity().block_reasons() == sched::BlockReasons::of(sched::BlockReason::inactive));
    CHECK(x.entity().state() == sched::EntityState::blocked);
    CHECK(x.entity().priority() == 32);
    CHECK(x.entity().timeslice_ns() == 5'000'000);
    CHECK(x.entity().affinity() == 0);
    CHECK(x.cspace() == nullptr);
    CHECK(x.addrspace() == nullptr);
    CHECK(x.vm_index() == vcpu_no_index);
    CHECK_FALSE(x.powered_on());
    CHECK(s.cspace.rights_of(t).value() == GUNYAH_RIGHTS_THREAD_ALL);
}

TEST_CASE("a configured and attached vCPU activates powered off")
{
    System s;
    CapId t = s.attached_thread();
    REQUIRE(s.e(GUNYAH_HC_VCPU_CONFIGURE, t, GUNYAH_VCPU_OPTION_PINNED | GUNYAH_VCPU_OPTION_HLOS_VM) ==
            GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    Vcpu& x = s.v(t);
    CHECK(x.state() == ObjectState::active);
    CHECK(x.options() == (GUNYAH_VCPU_OPTION_PINNED | GUNYAH_VCPU_OPTION_HLOS_VM));
    CHECK(x.entity().block_reasons() == sched::BlockReasons::of(sched::BlockReason::powered_off));
    CHECK(x.entity().state() == sched::EntityState::blocked);
    CHECK(s.ready_total() == 0);
    CHECK(x.take_kick() == sched::Kick::none());
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OBJECT_STATE);
}

TEST_CASE("activation needs both a cspace and an address space attached")
{
    System s;
    CapId bare = s.new_thread();
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, bare) == GUNYAH_ERROR_OBJECT_CONFIG);

    CapId only_cs = s.new_thread();
    CapId cs = s.new_cspace();
    REQUIRE(s.attach_cspace(cs, only_cs) == GUNYAH_ERROR_OK);
    View before = s.view(only_cs);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, only_cs) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(s.view(only_cs) == before);

    CapId only_as = s.new_thread();
    CapId as = s.addrspace(3);
    REQUIRE(s.attach_as(as, only_as) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, only_as) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(s.v(only_as).state() == ObjectState::init);
}

TEST_CASE("vcpu_configure refuses undefined bits, wrong caps and active vCPUs")
{
    System s;
    CapId t = s.attached_thread();
    View before = s.view(t);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, t, 1ull << 6) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, t, 1ull << 62) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, s.partition_cap, 0) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, 0x7777, 0) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CapId weak = s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_ACTIVATE);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, weak, 0) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, t, 0, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.view(t) == before);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_CONFIGURE, t, GUNYAH_VCPU_OPTION_SVE) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.v(t).options() == 0);
}

TEST_CASE("attaching checks the thread cap, the target's right and both states")
{
    System s;
    CapId t = s.new_thread();
    CapId cs = s.new_cspace();
    CapId as = s.addrspace(2);
    View before = s.view(t);

    // The thread cap is looked up first, with ACTIVATE.
    CapId t_weak = s.weak(t, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_ACTIVATE);
    CHECK(s.attach_cspace(cs, t_weak) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach_as(as, t_weak) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach_cspace(cs, as) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.attach_as(as, cs) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    // Then the target, with ATTACH.
    CHECK(s.attach_cspace(as, t) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.attach_as(cs, t) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.attach_cspace(s.weak(cs, GUNYAH_RIGHTS_CSPACE_ALL & ~GUNYAH_RIGHT_CSPACE_ATTACH), t) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach_as(s.weak(as, GUNYAH_RIGHTS_ADDRSPACE_ALL & ~GUNYAH_RIGHT_ADDRSPACE_ATTACH), t) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_ATTACH_THREAD, as, t, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    // A target still in init.
    Return r = s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, s.partition_cap, s.cspace_cap);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(s.attach_cspace(r.x[1], t) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.attach_as(s.new_addrspace(), t) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.view(t) == before);

    // Attached, then the thread goes active: no more attaching.
    REQUIRE(s.attach_cspace(cs, t) == GUNYAH_ERROR_OK);
    REQUIRE(s.attach_as(as, t) == GUNYAH_ERROR_OK);
    CHECK(s.v(t).cspace() == &s.obj<CSpace>(cs));
    CHECK(s.v(t).addrspace() == &s.obj<AddrSpace>(as));
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    CHECK(s.attach_cspace(cs, t) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.attach_as(as, t) == GUNYAH_ERROR_OBJECT_STATE);
}

TEST_CASE("attaching again replaces the earlier object and drops its reference")
{
    System s;
    CapId t = s.new_thread();
    CapId cs1 = s.new_cspace();
    CapId cs2 = s.new_cspace();
    CapId as1 = s.addrspace(1);
    CapId as2 = s.addrspace(2);
    const std::uint32_t cs1_refs = s.obj<CSpace>(cs1).references();
    const std::uint32_t as1_refs = s.obj<AddrSpace>(as1).references();
    REQUIRE(s.attach_cspace(cs1, t) == GUNYAH_ERROR_OK);
    REQUIRE(s.attach_as(as1, t) == GUNYAH_ERROR_OK);
    CHECK(s.obj<CSpace>(cs1).references() == cs1_refs + 1);
    CHECK(s.obj<AddrSpace>(as1).references() == as1_refs + 1);
    REQUIRE(s.attach_cspace(cs2, t) == GUNYAH_ERROR_OK);
    REQUIRE(s.attach_as(as2, t) == GUNYAH_ERROR_OK);
    CHECK(s.obj<CSpace>(cs1).references() == cs1_refs);
    CHECK(s.obj<AddrSpace>(as1).references() == as1_refs);
    CHECK(s.v(t).cspace() == &s.obj<CSpace>(cs2));
    CHECK(s.v(t).addrspace() == &s.obj<AddrSpace>(as2));
}

TEST_CASE("the vCPU keeps its cspace and address space alive until it goes")
{
    System s;
    CapId t = s.attached_thread(9);
    CHECK(addrspace_platform::vmids().in_use(9));
    s.drop(t);
    CHECK_FALSE(addrspace_platform::vmids().in_use(9));
    CHECK(s.root.free_bytes() == s.start_free);
}

TEST_CASE("deleting vCPUs in every state leaves no memory and no queued entity behind")
{
    System s;
    {
        CapId init = s.attached_thread(1);
        CapId off = s.vcpu(1, 2);
        CapId on = s.vcpu(2, 3);
        CapId on_too = s.vcpu(2, 4);
        CapId killed = s.vcpu(3, 5);
        REQUIRE(s.poweron(on) == GUNYAH_ERROR_OK);
        REQUIRE(s.poweron(on_too) == GUNYAH_ERROR_OK);
        REQUIRE(s.poweron(killed) == GUNYAH_ERROR_OK);
        REQUIRE(s.e(GUNYAH_HC_VCPU_KILL, killed) == GUNYAH_ERROR_OK);
        CHECK(s.ready_total() == 2);
        for (CapId c : {init, off, on, on_too, killed}) {
            s.drop(c);
        }
    }
    CHECK(s.ready_total() == 0);
    for (sched::CpuIndex c = 0; c < cpus; ++c) {
        CHECK(vcpu_scheduler().consistent(c));
    }
    CHECK(s.cspace.used() == 2);
    CHECK(s.root.free_bytes() == s.start_free);
}
