// What platform discovery and check_runnable() refuse, and the message each gives:
// fixture trees that lack something or carry a malformed property, and the requirements
// of check_runnable() one at a time.
#include <catch2/catch.hpp>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using Catch::Matchers::Contains;
using hyp::test::range;
using hyp::test::str;

TEST_CASE("a tree with no GIC (only a PDC) is discovered but refused: no GICv3 node")
{
    auto found = test::discover(test::fixture_dtb("no_gic"));
    REQUIRE(found->ok());
    CHECK(found->info.gic.version == GicVersion::none);
    CHECK(found->info.timer.present);
    CHECK(found->info.timer.hyp_phys_intid == 0);  // its interrupts go to the PDC, not a GIC
    CHECK_THAT(test::runnable_problem(found->info), Contains("no GICv3 interrupt controller node"));
}

TEST_CASE("a GICv2 is recorded as v2 and refused: GICv2 is not supported")
{
    auto found = test::discover(test::fixture_dtb("gicv2"));
    REQUIRE(found->ok());
    const GicInfo& gic = found->info.gic;
    CHECK(gic.version == GicVersion::v2);
    CHECK(str(gic.compatible) == "arm,gic-400");
    CHECK(gic.distributor == range(0x2c010000, 0x1000));
    CHECK(gic.redistributor_region_count == 0);
    CHECK(gic.maintenance_intid == 25);
    CHECK_THAT(test::runnable_problem(found->info), Contains("GICv2 is not supported"));
}

TEST_CASE("RAM entirely covered by /memreserve/ and /reserved-memory is refused: no usable RAM")
{
    auto found = test::discover(test::fixture_dtb("no_usable_ram"));
    REQUIRE(found->ok());
    CHECK(found->info.memory_count == 1);
    CHECK(found->info.reserved_count == 2);
    PhysRange usable[4];
    Result<std::size_t> count = usable_ram(found->info, usable, 4);
    REQUIRE(count.ok());
    CHECK(*count == 0);
    CHECK_THAT(test::runnable_problem(found->info), Contains("no usable RAM"));
}

TEST_CASE("a cpu node without reg fails discovery, naming the node, and leaves nothing behind")
{
    auto found = test::discover(test::fixture_dtb("cpu_without_reg"));
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/cpus/cpu@1") && Contains("reg"));
    CHECK(found->info.cpu_count == 0);
    CHECK(found->info.memory_count == 0);  // cleared, not half-filled
    CHECK(found->info.gic.version == GicVersion::none);
}

TEST_CASE("a reg that is not a whole number of entries fails, naming node and property")
{
    auto found = test::discover(test::fixture_dtb("bad_reg_length"));
    REQUIRE_FALSE(found->ok());
    CHECK(found->error == Error::arg_size);
    CHECK_THAT(found->message(), Contains("/memory@40000000") && Contains("reg is 12 bytes"));
}

TEST_CASE("a one-cell property of 3 bytes fails, naming node and property")
{
    auto found = test::discover(test::fixture_dtb("bad_u32_length"));
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(),
               Contains("/interrupt-controller@8000000") && Contains("#redistributor-regions is 3 bytes"));
}

TEST_CASE("check_runnable names each missing requirement in turn")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    REQUIRE(test::runnable_problem(found->info).empty());

    PlatformInfo info = found->info;
    SECTION("no redistributor region")
    {
        info.gic.redistributor_region_count = 0;
        CHECK_THAT(test::runnable_problem(info), Contains("redistributor"));
    }
    SECTION("no CPU")
    {
        info.cpu_count = 0;
        CHECK_THAT(test::runnable_problem(info), Contains("no CPU nodes"));
    }
    SECTION("no memory")
    {
        info.memory_count = 0;
        CHECK_THAT(test::runnable_problem(info), Contains("no usable RAM") && Contains("no memory node"));
    }
    SECTION("no PSCI node")
    {
        info.psci = PsciInfo{};
        CHECK_THAT(test::runnable_problem(info), Contains("no PSCI node"));
    }
    SECTION("PSCI without a method")
    {
        info.psci.method = PsciMethod::none;
        CHECK_THAT(test::runnable_problem(info), Contains("PSCI node has no method"));
    }
    SECTION("no timer")
    {
        info.timer = TimerInfo{};
        CHECK_THAT(test::runnable_problem(info), Contains("no architected timer"));
    }
    SECTION("timer without its EL2 interrupt")
    {
        info.timer.hyp_phys_intid = 0;
        CHECK_THAT(test::runnable_problem(info), Contains("EL2 physical timer"));
    }
    SECTION("an empty PlatformInfo: the GIC is the first thing missing")
    {
        CHECK_THAT(test::runnable_problem(PlatformInfo{}), Contains("no GICv3"));
    }
}
