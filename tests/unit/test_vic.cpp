// Virtual interrupt controllers through their hypercalls: partition_create_vic,
// vic_configure (every refusal, the SPI rounding), object_activate (unconfigured, no GIC
// addresses), vic_attach_vcpu (every check), and what follows: activating a vCPU puts the
// vGIC on its address space's bus (and refuses a vCPU of another address space), the
// vic's and vCPUs' destruction takes it off again, and the vPL011's interrupt reaches the
// vGIC as a level-sensitive SPI.
//
// The platform (kernel/virt/vm_devices.h) is set for each test before its address spaces
// are activated, with a console for the vPL011, and restored afterwards.
#include <cstdint>

#include "test_vic_fixture.h"

using namespace victest;

TEST_CASE("vic: partition_create_vic makes a vic in init")
{
    Vics s;
    CapId c = s.new_vic();
    Vic& vic = s.vic(c);
    CHECK(vic.state() == ObjectState::init);
    CHECK(vic.references() == 1);  // the cap
    // The create call's own checks (as every create call): the partition cap's type.
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_VIC, s.cspace_cap, s.cspace_cap)) ==
          GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    for (std::uint32_t n : {GUNYAH_HC_PARTITION_CREATE_VIC, GUNYAH_HC_VIC_CONFIGURE, GUNYAH_HC_VIC_ATTACH_VCPU}) {
        CHECK(lookup(n)->handler != nullptr);
    }
    // Not claimed in hyp_identify: vic_bind_msi_source and hwirq_bind_virq are gaps.
    CHECK((implemented_features0() & GUNYAH_FLAGS0_VIC) == 0);
    CHECK(lookup(GUNYAH_HC_VIC_BIND_MSI_SOURCE)->handler == nullptr);
}

TEST_CASE("vic: vic_configure refuses bad arguments, takes init only, and rounds virqs up to 32s")
{
    Vics s;
    CapId c = s.new_vic();
    Vic& vic = s.vic(c);

    // The cap: ACTIVATE, the type.
    CHECK(s.configure(s.weak(c, GUNYAH_RIGHTS_VIC_ALL & ~GUNYAH_RIGHT_ACTIVATE), 1, 32) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.configure(s.vm_as, 1, 32) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    // vCPUs: 1..64.
    CHECK(s.configure(c, 0, 32) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure(c, Vic::max_vcpus + 1, 32) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure(c, all_ones, 32) == GUNYAH_ERROR_ARG_INVAL);
    // virqs: up to 988 (INTIDs 32..1019).
    CHECK(s.configure(c, 1, Vic::max_virqs + 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure(c, 1, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    // Options: undefined bits; the defined ones that are not there yet.
    CHECK(s.configure(c, 1, 32, std::uint64_t{1} << 2) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure(c, 1, 32, std::uint64_t{1} << 63) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure(c, 1, 32, GUNYAH_VIC_OPTION_DISABLE_DEFAULT_ADDR) == GUNYAH_ERROR_UNIMPLEMENTED);
    CHECK(s.configure(c, 1, 32, GUNYAH_VIC_OPTION_MAX_MSIS_VALID, 1) == GUNYAH_ERROR_UNIMPLEMENTED);
    CHECK(s.configure(c, 1, 32, GUNYAH_VIC_OPTION_MAX_MSIS_VALID, all_ones) == GUNYAH_ERROR_UNIMPLEMENTED);
    // Undefined bits are arg_inval even with an unimplemented one beside them.
    CHECK(s.configure(c, 1, 32, GUNYAH_VIC_OPTION_DISABLE_DEFAULT_ADDR | 4) == GUNYAH_ERROR_ARG_INVAL);
    // No MSIs asked for, or max_msis without its valid bit: fine.
    CHECK(s.configure(c, 1, 32, GUNYAH_VIC_OPTION_MAX_MSIS_VALID, 0) == GUNYAH_ERROR_OK);
    CHECK(s.configure(c, 1, 32, 0, 5) == GUNYAH_ERROR_OK);
    // A later configure replaces an earlier one; the refused ones above changed nothing.
    CHECK(s.configure(c, Vic::max_vcpus, 33) == GUNYAH_ERROR_OK);
    CHECK(vic.state() == ObjectState::init);

    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
    CHECK(vic.state() == ObjectState::active);
    CHECK(vic.vgic().vcpu_count() == Vic::max_vcpus);
    CHECK(vic.vgic().spi_count() == 64);
    // Init only.
    CHECK(s.configure(c, 1, 32) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.configure(c, 0, 32) == GUNYAH_ERROR_OBJECT_STATE);  // the state before the arguments
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(vic.vgic().spi_count() == 64);

    // Rounding: to a multiple of 32, at least 32 (the vPL011 needs one), at most 988.
    struct Case {
        std::uint64_t virqs;
        unsigned spis;
    };
    for (Case k : {Case{0, 32}, Case{1, 32}, Case{32, 32}, Case{33, 64}, Case{64, 64}, Case{959, 960},
                   Case{960, 960}, Case{961, 988}, Case{987, 988}, Case{988, 988}}) {
        CAPTURE(k.virqs);
        CapId v = s.active_vic(2, k.virqs);
        CHECK(s.vic(v).vgic().spi_count() == k.spis);
        CHECK(s.vic(v).vgic().vcpu_count() == 2);
        s.drop(v);
    }
}

TEST_CASE("vic: object_activate needs a configuration and the platform's GIC addresses")
{
    Vics s;
    CapId c = s.new_vic();
    Vic& vic = s.vic(c);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(vic.state() == ObjectState::init);
    REQUIRE(s.configure(c, 4, 64) == GUNYAH_ERROR_OK);
    {
        PlatformScope no_gic{platform_with(&s.console, false)};
        CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_NOMEM);
        CHECK(vic.state() == ObjectState::init);
    }
    CHECK(virt::vm_device_platform().gic_distributor.size == gicv3::distributor_size);  // restored
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
    CHECK(vic.state() == ObjectState::active);
    CHECK(vic.vgic().distributor_range() == IpaRange{Ipa{gicd}, gicv3::distributor_size});
    CHECK(vic.vgic().redistributor_range() == IpaRange{Ipa{gicr}, 4 * gicv3::redistributor_stride});
    // Nothing is on any bus until a vCPU is activated.
    CHECK(s.bus(s.vm_as).find(Ipa{gicd}) == nullptr);
}

TEST_CASE("vic: vic_attach_vcpu checks the vic cap and state, the thread cap and state, then the index")
{
    Vics s;
    CapId c = s.active_vic(4);
    Vic& vic = s.vic(c);
    CapId t = s.vm_thread();
    Vcpu& v = s.v(t);
    std::uint32_t refs = vic.references();

    // The vic: ATTACH_VCPU, type, state (active).
    CHECK(s.attach_vic(s.weak(c, GUNYAH_RIGHTS_VIC_ALL & ~GUNYAH_RIGHT_VIC_ATTACH_VCPU), t, 0) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CapId just_attach = s.weak(c, GUNYAH_RIGHT_VIC_ATTACH_VCPU);
    refs = vic.references();
    CHECK(s.attach_vic(just_attach, t, 0) == GUNYAH_ERROR_OK);  // that right is enough
    CHECK(vic.references() == refs + 1);  // the vCPU holds the vic
    CapId t2 = s.vm_thread();
    CHECK(s.attach_vic(t, t2, 0) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId init_vic = s.new_vic();
    REQUIRE(s.configure(init_vic, 4, 64) == GUNYAH_ERROR_OK);
    CHECK(s.attach_vic(init_vic, t2, 1) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.attach_vic(init_vic, s.vm_as, 99) == GUNYAH_ERROR_OBJECT_STATE);  // before the thread cap
    // The thread: ACTIVATE, type, state.
    CHECK(s.attach_vic(c, s.weak(t2, GUNYAH_RIGHTS_THREAD_ALL & ~GUNYAH_RIGHT_ACTIVATE), 1) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.attach_vic(c, s.vm_as, 1) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId active = s.vcpu(1, 2);
    CHECK(s.attach_vic(c, active, 1) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.attach_vic(c, active, 3) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.v(active).vic() == nullptr);
    // The index: below the configured count, all 64 bits of it; R0.
    Vcpu& v2 = s.v(t2);
    CHECK(s.attach_vic(c, t2, 4) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach_vic(c, t2, Vic::max_vcpus) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach_vic(c, t2, std::uint64_t{1} << 32) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach_vic(c, t2, (std::uint64_t{1} << 32) | 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.attach_vic(c, t2, all_ones) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_VIC_ATTACH_VCPU, c, t2, 1, 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(v2.vic() == nullptr);
    CHECK(v2.vm_index() == vcpu_no_index);

    // The one attached above (through the weak cap).
    CHECK(v.vic() == &vic);
    CHECK(v.vm_index() == 0);
    refs = vic.references();

    // Taken: the index, or the vCPU (attached already, even at another index).
    CHECK(s.attach_vic(c, t2, 0) == GUNYAH_ERROR_BUSY);
    CHECK(s.attach_vic(c, t, 1) == GUNYAH_ERROR_BUSY);
    CHECK(s.attach_vic(c, t, 0) == GUNYAH_ERROR_BUSY);
    CapId vic2 = s.active_vic(4);
    CHECK(s.attach_vic(vic2, t, 0) == GUNYAH_ERROR_BUSY);
    CHECK(v.vic() == &vic);
    CHECK(v.vm_index() == 0);
    CHECK(vic.references() == refs);

    // The vCPU's VPM group index must agree (either way round).
    CapId g = s.vm_thread();
    REQUIRE(s.attach(s.group_cap, g, 2) == GUNYAH_ERROR_OK);
    CHECK(s.attach_vic(c, g, 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.v(g).vic() == nullptr);
    CHECK(s.v(g).vm_index() == 2);
    REQUIRE(s.attach_vic(c, g, 2) == GUNYAH_ERROR_OK);
    CHECK(s.v(g).vic() == &vic);
    REQUIRE(s.attach_vic(c, t2, 3) == GUNYAH_ERROR_OK);
    CHECK(s.attach(s.group_cap, t2, 1) == GUNYAH_ERROR_ARG_INVAL);  // its vic knows it as 3
    CHECK(s.attach(s.group_cap, t2, 3) == GUNYAH_ERROR_OK);
}

TEST_CASE("vic: activating a vCPU puts the vGIC on its address space's bus, another address space is refused")
{
    Vics s;
    CapId c = s.active_vic(3, 64);
    Vic& vic = s.vic(c);
    AddrSpace& as = s.as(s.vm_as);
    virt::MmioBus& bus = s.bus(s.vm_as);
    std::uint32_t as_refs = as.references();
    std::size_t devices = bus.count();
    CHECK(bus.find(Ipa{uart}) != nullptr);  // the vPL011, from the address space's activation

    CapId t0 = s.vm_thread(0);
    REQUIRE(s.attach_vic(c, t0, 0) == GUNYAH_ERROR_OK);
    CHECK(bus.find(Ipa{gicd}) == nullptr);  // attached is not enough
    as_refs = as.references();  // with t0's
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t0) == GUNYAH_ERROR_OK);
    CHECK(bus.count() == devices + 2);
    CHECK(bus.find(Ipa{gicd}) == &vic.vgic().distributor());
    CHECK(bus.find(Ipa{gicd + gicv3::distributor_size - 1}) == &vic.vgic().distributor());
    CHECK(bus.find(Ipa{gicr}) == &vic.vgic().redistributors());
    CHECK(bus.find(Ipa{gicr + 3 * gicv3::redistributor_stride - 1}) == &vic.vgic().redistributors());
    CHECK(bus.find(Ipa{gicr + 3 * gicv3::redistributor_stride}) == nullptr);
    CHECK(as.references() == as_refs + 1);  // the vic holds the address space
    // A guest sees it there: GICD_TYPER.ITLinesNumber = 2 (32 * 3 INTIDs: SGIs, PPIs, 64 SPIs).
    CHECK((s.read(s.vm_as, gicd + gicv3::gicd_typer, 4) & 0x1f) == 2);

    // A second vCPU of the same address space: nothing more to add.
    CapId t1 = s.vm_thread(1);
    REQUIRE(s.attach_vic(c, t1, 1) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t1) == GUNYAH_ERROR_OK);
    CHECK(bus.count() == devices + 2);
    CHECK(as.references() == as_refs + 2);  // t1's; the vic took none

    // A vCPU of another address space: refused at activation, and left in init.
    CapId other = s.attached_thread(2);
    REQUIRE(s.attach_vic(c, other, 2) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, other) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.v(other).state() == ObjectState::init);
    CHECK(s.v(other).entity().block_reasons().has(sched::BlockReason::inactive));
    AddrSpace* other_as = s.v(other).addrspace();
    REQUIRE(other_as != nullptr);
    CHECK(other_as->devices().bus().find(Ipa{gicd}) == nullptr);
    CHECK(other_as->devices().bus().find(Ipa{gicr}) == nullptr);
    CHECK(bus.count() == devices + 2);
}

TEST_CASE("vic: a vCPU with a vic on an address space whose bus has the GIC addresses taken is refused")
{
    // Two vics on one address space: the second one's distributor finds the first's there.
    Vics s;
    CapId a = s.active_vic(1);
    CapId b = s.active_vic(1);
    CapId ta = s.vic_vcpu(a, 0);
    CapId tb = s.vm_thread(1);
    REQUIRE(s.attach_vic(b, tb, 0) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, tb) == GUNYAH_ERROR_EXISTING_MAPPING);  // the bus's error, passed on
    CHECK(s.v(tb).state() == ObjectState::init);
    virt::MmioBus& bus = s.bus(s.vm_as);
    CHECK(bus.find(Ipa{gicd}) == &s.vic(a).vgic().distributor());
    CHECK(bus.find(Ipa{gicr}) == &s.vic(a).vgic().redistributors());
    (void)ta;
}

TEST_CASE("vic: destroying the vCPUs and the vic takes the vGIC off the bus")
{
    Vics s;
    AddrSpace& as = s.as(s.vm_as);
    virt::MmioBus& bus = s.bus(s.vm_as);
    std::uint32_t as_refs = as.references();
    std::size_t devices = bus.count();
    std::uint64_t free_before = s.root.free_bytes();

    SECTION("the vic's cap first, then the vCPUs")
    {
        CapId c = s.active_vic(2);
        CapId t0 = s.vic_vcpu(c, 0);
        CapId t1 = s.vic_vcpu(c, 1);
        Vic* vic = &s.vic(c);
        REQUIRE(s.poweron(t0, entry) == GUNYAH_ERROR_OK);
        s.drop(c);
        CHECK(vic->references() == 2);  // the vCPUs hold it
        CHECK(vic->state() == ObjectState::active);
        CHECK(bus.find(Ipa{gicd}) == &vic->vgic().distributor());
        s.drop(t0);
        CHECK(vic->references() == 1);
        CHECK(bus.find(Ipa{gicd}) == &vic->vgic().distributor());
        s.drop(t1);  // the last reference: the vic goes, and its devices with it
    }
    SECTION("the vCPUs first, then the vic's cap")
    {
        CapId c = s.active_vic(2);
        CapId t0 = s.vic_vcpu(c, 0);
        CapId t1 = s.vic_vcpu(c, 1);
        std::uint32_t refs = s.vic(c).references();
        s.drop(t1);
        s.drop(t0);
        CHECK(s.vic(c).references() == refs - 2);
        CHECK(bus.find(Ipa{gicd}) == &s.vic(c).vgic().distributor());  // still the vic's
        // Its indexes are free again: a new vCPU takes index 0, on the same bus.
        CapId t2 = s.vic_vcpu(c, 0);
        CHECK(bus.count() == devices + 2);
        s.drop(t2);
        s.drop(c);
    }
    SECTION("vCPUs that were never activated")
    {
        CapId c = s.active_vic(2);
        CapId t0 = s.vm_thread(0);
        REQUIRE(s.attach_vic(c, t0, 0) == GUNYAH_ERROR_OK);
        CHECK(bus.count() == devices);
        s.drop(c);
        s.drop(t0);
    }
    SECTION("a vic never activated")
    {
        CapId c = s.new_vic();
        REQUIRE(s.configure(c, 2, 64) == GUNYAH_ERROR_OK);
        s.drop(c);
    }

    CHECK(bus.count() == devices);
    CHECK(bus.find(Ipa{gicd}) == nullptr);
    CHECK(bus.find(Ipa{gicr}) == nullptr);
    CHECK(bus.find(Ipa{uart}) != nullptr);
    CHECK(as.references() == as_refs);
    CHECK(s.root.free_bytes() == free_before);
    // The vPL011 no longer drives a freed vic's line (ASan would say): raise its interrupt.
    s.write(s.vm_as, uart + pl011::imsc, 4, pl011::int_tx);
    s.write(s.vm_as, uart + pl011::dr, 4, 'x');
    CHECK(as.devices().uart().irq_level());
    // And accesses at the GIC's addresses are nobody's.
    std::uint64_t value = 0;
    CHECK(bus.read(Ipa{gicd}, 4, value) == virt::BusResult::not_claimed);
}

TEST_CASE("vic: the vPL011's interrupt reaches the vGIC as a pending SPI routed to vCPU 0")
{
    Vics s;
    CapId c = s.active_vic(2, 64);
    Vic& vic = s.vic(c);
    CapId t0 = s.vic_vcpu(c, 0);
    CapId t1 = s.vic_vcpu(c, 1);
    virt::Vpl011& uart_dev = s.as(s.vm_as).devices().uart();
    auto enable_spi = [&] {
        s.write(s.vm_as, gicd + gicv3::gicd_ctlr, 4, gicv3::ctlr_enable_grp1);
        s.write(s.vm_as, gicd + gicv3::gicd_isenabler + 4, 4, std::uint64_t{1} << (uart_intid - 32));
        s.write(s.vm_as, gicd + gicv3::gicd_irouter + 8 * uart_intid, 8, hyp_abi::vcpu_mpidr(0));
    };

    SECTION("raised after the vCPU's activation")
    {
        enable_spi();
        (void)vic.take_refill(0);
        CHECK_FALSE(vic.vgic().has_deliverable(0));
        s.write(s.vm_as, uart + pl011::imsc, 4, pl011::int_tx);
        CHECK_FALSE(vic.vgic().has_deliverable(0));  // nothing sent yet
        s.write(s.vm_as, uart + pl011::dr, 4, 'x');
        CHECK(uart_dev.irq_level());
        CHECK(vic.vgic().has_deliverable(0));
        CHECK_FALSE(vic.vgic().has_deliverable(1));
        CHECK(vic.take_refill(0));  // vCPU 0 was told
        CHECK_FALSE(vic.take_refill(1));
        // GICD_ISPENDR1 shows it pending.
        CHECK((s.read(s.vm_as, gicd + gicv3::gicd_ispendr + 4, 4) & (1u << (uart_intid - 32))) != 0);

        // Level-sensitive: clearing the UART's interrupt (UARTICR) takes it away.
        s.write(s.vm_as, uart + pl011::icr, 4, pl011::int_tx);
        CHECK_FALSE(uart_dev.irq_level());
        CHECK_FALSE(vic.vgic().has_deliverable(0));
        CHECK((s.read(s.vm_as, gicd + gicv3::gicd_ispendr + 4, 4) & (1u << (uart_intid - 32))) == 0);

        // Routed to vCPU 1 instead: it goes there.
        s.write(s.vm_as, gicd + gicv3::gicd_irouter + 8 * uart_intid, 8, hyp_abi::vcpu_mpidr(1));
        s.write(s.vm_as, uart + pl011::dr, 4, 'y');
        CHECK_FALSE(vic.vgic().has_deliverable(0));
        CHECK(vic.vgic().has_deliverable(1));
        CHECK(vic.take_refill(1));
    }
    SECTION("a vCPU waiting in WFI is woken")
    {
        enable_spi();
        REQUIRE(s.poweron(t0, entry) == GUNYAH_ERROR_OK);
        (void)vcpu_scheduler().block(s.v(t0).entity(), sched::BlockReason::wfi);
        REQUIRE(s.v(t0).entity().block_reasons().has(sched::BlockReason::wfi));
        s.write(s.vm_as, uart + pl011::imsc, 4, pl011::int_tx);
        s.write(s.vm_as, uart + pl011::dr, 4, 'x');
        CHECK_FALSE(s.v(t0).entity().block_reasons().has(sched::BlockReason::wfi));
        CHECK(vic.vgic().has_deliverable(0));
    }
    SECTION("not enabled: pending but not deliverable until the guest enables it")
    {
        s.write(s.vm_as, uart + pl011::imsc, 4, pl011::int_tx);
        s.write(s.vm_as, uart + pl011::dr, 4, 'x');
        CHECK(uart_dev.irq_level());
        CHECK_FALSE(vic.vgic().has_deliverable(0));
        CHECK((s.read(s.vm_as, gicd + gicv3::gicd_ispendr + 4, 4) & (1u << (uart_intid - 32))) != 0);
        enable_spi();
        CHECK(vic.vgic().has_deliverable(0));
    }
    (void)t1;
}

TEST_CASE("vic: a UART interrupt already raised when the first vCPU is activated is seen by the vGIC")
{
    Vics s;
    CapId c = s.active_vic(1, 32);
    Vic& vic = s.vic(c);
    // The line goes up before the vGIC is wired to it.
    s.write(s.vm_as, uart + pl011::imsc, 4, pl011::int_tx);
    s.write(s.vm_as, uart + pl011::dr, 4, 'x');
    REQUIRE(s.as(s.vm_as).devices().uart().irq_level());
    CapId t0 = s.vic_vcpu(c, 0);
    CHECK((s.read(s.vm_as, gicd + gicv3::gicd_ispendr + 4, 4) & (1u << (uart_intid - 32))) != 0);
    s.write(s.vm_as, gicd + gicv3::gicd_ctlr, 4, gicv3::ctlr_enable_grp1);
    s.write(s.vm_as, gicd + gicv3::gicd_isenabler + 4, 4, std::uint64_t{1} << (uart_intid - 32));
    CHECK(vic.vgic().has_deliverable(0));
    (void)t0;
}

TEST_CASE("vic: no vPL011 wiring when the UART's SPI is beyond the configured ones")
{
    // 32 SPIs: INTIDs 32..63. A UART at INTID 64 stays unwired (and nothing breaks).
    Capture console;
    virt::VmDevicePlatform p = platform_with(&console);
    p.uart_intid = 64;
    PlatformScope scope{p};
    System s;
    Return r = s.call(GUNYAH_HC_PARTITION_CREATE_VIC, s.partition_cap, s.cspace_cap);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CapId c = r.x[1];
    REQUIRE(s.e(GUNYAH_HC_VIC_CONFIGURE, c, 1, 32) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
    CapId t = s.vm_thread(0);
    REQUIRE(s.e(GUNYAH_HC_VIC_ATTACH_VCPU, c, t, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    virt::MmioBus& bus = s.obj<AddrSpace>(s.vm_as).devices().bus();
    REQUIRE(bus.write(Ipa{uart + pl011::imsc}, 4, pl011::int_tx) == virt::BusResult::handled);
    REQUIRE(bus.write(Ipa{uart + pl011::dr}, 4, 'x') == virt::BusResult::handled);
    CHECK_FALSE(s.obj<Vic>(c).vgic().has_deliverable(0));
}
