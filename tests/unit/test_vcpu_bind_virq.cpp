// vcpu_bind_virq / vcpu_unbind_virq (0x5C / 0x5D): the halt and run-wakeup interrupts, and
// vpm_group_bind_virq / unbind_virq (0x43 / 0x44).
#include "test_vcpu_proxy_fixture.h"

using namespace proxytest;

namespace {

constexpr std::uint64_t halt = GUNYAH_VCPU_VIRQ_HALT;
constexpr std::uint64_t wakeup = GUNYAH_VCPU_VIRQ_RUN_WAKEUP;

}  // namespace

TEST_CASE("vcpu_bind_virq: every refusal, in Gunyah's order, changes nothing")
{
    Proxy s;
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, 0x7777, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.vic_cap, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId weak = s.weak(s.t1, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, weak, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CapId weak_vic = s.weak(s.vic_cap, GUNYAH_RIGHTS_VIC_ALL & ~GUNYAH_RIGHT_VIC_BIND_SOURCE);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, weak_vic, spi_a, halt) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.t0, spi_a, halt) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, 2) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, halt, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, 27, halt) == GUNYAH_ERROR_ARG_INVAL);  // a PPI
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, last_spi + 1, halt) == GUNYAH_ERROR_ARG_INVAL);
    CapId fresh = s.new_thread();  // in init: not active
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, fresh, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK_FALSE(s.v(s.t1).halt_virq().bound());
    CHECK_FALSE(s.v(s.t1).wakeup_virq().bound());
}

TEST_CASE("vcpu_bind_virq: bound once per type, a taken SPI or a second bind is irq_bound")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_b, wakeup) == GUNYAH_ERROR_OK);
    CHECK(s.v(s.p).halt_virq().virq() == spi_a);
    CHECK(s.v(s.p).wakeup_virq().virq() == spi_b);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_c, halt) == GUNYAH_ERROR_IRQ_BOUND);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_IRQ_BOUND);  // taken
    CapId db = s.doorbell();
    CHECK(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, db, s.vic_cap, spi_b) == GUNYAH_ERROR_IRQ_BOUND);
    // Unbinding frees the SPI for another source.
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.p, halt) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_OK);
}

TEST_CASE("vcpu_unbind_virq: bad type, not bound, R0, rights")
{
    Proxy s;
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, halt) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, wakeup) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, 5) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, halt, 1) == GUNYAH_ERROR_ARG_INVAL);
    CapId weak = s.weak(s.t1, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_THREAD_BIND_VIRQ);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, weak, halt) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, wakeup) == GUNYAH_ERROR_IRQ_UNBOUND);  // the other type
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, halt) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_UNBIND_VIRQ, s.t1, halt) == GUNYAH_ERROR_IRQ_UNBOUND);
}

TEST_CASE("the halt interrupt: once per halt (poweroff, kill of a running vCPU), not for a kill when off")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.t1, s.vic_cap, spi_a, halt) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.t1) == GUNYAH_ERROR_OK);
    CHECK(s.halt_raised(s.t1) == 0);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, s.t1, 0) == GUNYAH_ERROR_OK);
    CHECK(s.halt_raised(s.t1) == 1);
    CHECK(s.spi_pending(spi_a));
    s.clear_spi(spi_a);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, s.t1) == GUNYAH_ERROR_OK);  // off already: no new halt
    CHECK(s.halt_raised(s.t1) == 1);
    CHECK_FALSE(s.spi_pending(spi_a));

    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_b, halt) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(s.p) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, s.p) == GUNYAH_ERROR_OK);
    CHECK(s.halt_raised(s.p) == 1);
    CHECK(s.e(GUNYAH_HC_VCPU_KILL, s.p) == GUNYAH_ERROR_OK);  // again: nothing
    CHECK(s.halt_raised(s.p) == 1);
}

TEST_CASE("a bound vCPU holds its vic, destroying the vCPU unbinds and lets the SPI go")
{
    Proxy s;
    REQUIRE(s.e(GUNYAH_HC_VCPU_BIND_VIRQ, s.p, s.vic_cap, spi_a, wakeup) == GUNYAH_ERROR_OK);
    const std::uint32_t refs = s.vic(s.vic_cap).references();
    s.drop(s.p);  // the last cap: the vCPU goes
    CHECK(s.vic(s.vic_cap).references() == refs - 1);
    CapId db = s.doorbell();
    CHECK(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, db, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
}

TEST_CASE("vpm_group_bind_virq: refusals, and one edge per change of the group's state")
{
    Proxy s;
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.vic_cap, s.vic_cap, spi_a) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId weak = s.weak(s.group_cap, GUNYAH_RIGHTS_VPM_GROUP_ALL & ~GUNYAH_RIGHT_VPM_GROUP_BIND_VIRQ);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, weak, s.vic_cap, spi_a) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, weak) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.group_cap, s.vic_cap, 20) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.group_cap, s.vic_cap, spi_a, 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.new_group(), s.vic_cap, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, s.group_cap) == GUNYAH_ERROR_IRQ_UNBOUND);
    REQUIRE(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.group_cap, s.vic_cap, spi_c) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, s.group_cap, s.vic_cap, spi_a) == GUNYAH_ERROR_IRQ_BOUND);

    CapId m = s.member(0);
    VpmGroup& g = s.obj<VpmGroup>(s.group_cap);
    CHECK(g.virq().raised() == 0);
    REQUIRE(s.poweron(m) == GUNYAH_ERROR_OK);  // none -> running
    CHECK(g.virq().raised() == 1);
    CHECK(s.spi_pending(spi_c));
    REQUIRE(s.e(GUNYAH_HC_VCPU_SET_AFFINITY, m, 0, ~std::uint64_t{0}) == GUNYAH_ERROR_OK);  // no change
    g.update_virq();
    CHECK(g.virq().raised() == 1);
    REQUIRE(s.e(GUNYAH_HC_VCPU_POWEROFF, m, 0) == GUNYAH_ERROR_OK);  // running -> none
    CHECK(g.virq().raised() == 2);
    CHECK(s.e(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, s.group_cap) == GUNYAH_ERROR_OK);
    REQUIRE(s.poweron(m) == GUNYAH_ERROR_OK);
    CHECK(g.virq().raised() == 2);  // unbound: nothing
}
