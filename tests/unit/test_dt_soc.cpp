// Platform discovery on real SoC device trees, as shipped in Debian's arm64 kernel
// package (scripts/fetch-guest puts them in .cache/debian/dtbs): two Qualcomm boards,
// whose GICv3 sits under /soc@0 beside a PDC and whose console is a GENI debug UART
// (ConsoleKind::geni), and Arm's Juno, whose GIC-400 is a GICv2. Expected values are read
// out of the trees with `dtc -I dtb -O dts`.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using Catch::Matchers::Contains;
using hyp::test::range;
using hyp::test::str;

namespace {

// Both Qualcomm boards: 8 Kryo CPUs in one cluster, MPIDRs 0x000..0x700, started via PSCI.
void check_qualcomm_cpus(const PlatformInfo& info)
{
    REQUIRE(info.cpu_count == 8);
    CHECK(info.cpu_nodes_found == 8);
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(info.cpus[i].mpidr == i * 0x100);
        CHECK(str(info.cpus[i].enable_method) == "psci");
    }
}

void check_qualcomm_gic_timer_psci(const PlatformInfo& info)
{
    CHECK(info.gic.version == GicVersion::v3);  // not the "qcom,pdc" beside it
    CHECK(str(info.gic.compatible) == "arm,gic-v3");
    CHECK(info.gic.distributor == range(0x17a00000, 0x10000));
    REQUIRE(info.gic.redistributor_region_count == 1);
    CHECK(info.gic.redistributor_regions[0] == range(0x17a60000, 0x100000));
    CHECK(info.gic.maintenance_intid == 25);
    CHECK(info.timer.present);
    CHECK(info.timer.secure_phys_intid == 29);
    CHECK(info.timer.nonsecure_phys_intid == 30);
    CHECK(info.timer.virt_intid == 27);
    CHECK(info.timer.hyp_phys_intid == 26);
    CHECK(info.psci.method == PsciMethod::smc);
    CHECK(str(info.psci.compatible) == "arm,psci-1.0");
}

// Qualcomm trees ship `memory@80000000 { reg = <0 0x80000000 0 0>; }` for the bootloader
// to fill in; this gives it 8 GiB the way XBL would.
test::Blob with_memory_filled_in(const test::Blob& blob)
{
    return test::edited(blob, [](void* fdt) {
        test::set_cells(fdt, "/memory@80000000", "reg", {0x0, 0x80000000, 0x2, 0x0});
    });
}

}  // namespace

TEST_CASE("sc7280-idp: reserved memory, eight CPUs, the GICv3 under /soc@0, PSCI over SMC")
{
    auto found = test::discover(test::debian_dtb("qcom/sc7280-idp.dtb"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(str(info.model) == "Qualcomm Technologies, Inc. sc7280 IDP SKU1 platform");
    CHECK(info.memory_count == 0);  // size 0 until the bootloader fills it in
    REQUIRE(info.reserved_count == 14);
    CHECK(info.reserved[0] == range(0x4cd000, 0x1000));
    CHECK(info.reserved[1] == range(0x80800000, 0x60000));
    CHECK(info.reserved[11] == range(0x8b800000, 0xf600000));
    CHECK(info.reserved[13] == range(0x9c700000, 0x200000));
    check_qualcomm_cpus(info);
    check_qualcomm_gic_timer_psci(info);
}

TEST_CASE("sc7280-idp: the console is the GENI debug UART, found through serial0")
{
    auto found = test::discover(test::debian_dtb("qcom/sc7280-idp.dtb"));
    REQUIRE(found->ok());
    const ConsoleInfo& console = found->info.console;
    CHECK(console.kind == ConsoleKind::geni);
    CHECK(str(console.compatible) == "qcom,geni-debug-uart");
    CHECK(str(console.path) == "/soc@0/geniqup@9c0000/serial@994000");
    CHECK(console.regs == range(0x994000, 0x4000));
    CHECK(console.intid == 32 + 0x25e);  // SPI 606, as on the RB3 Gen 2 (qcs6490-rb3gen2.dts)
}

TEST_CASE("sc7280-idp: refused for want of RAM as shipped, runnable once the bootloader fills it in")
{
    test::Blob blob = test::debian_dtb("qcom/sc7280-idp.dtb");
    auto shipped = test::discover(blob);
    REQUIRE(shipped->ok());
    CHECK_THAT(test::runnable_problem(shipped->info), Contains("no usable RAM"));

    auto filled = test::discover(with_memory_filled_in(blob));
    REQUIRE(filled->ok());
    REQUIRE(filled->info.memory_count == 1);
    CHECK(filled->info.memory[0] == range(0x80000000, 0x200000000));
    CHECK(test::runnable_problem(filled->info).empty());

    PhysRange usable[32];
    Result<std::size_t> count = usable_ram(filled->info, usable, 32);
    REQUIRE(count.ok());
    REQUIRE(*count >= 2);
    CHECK(usable[0] == range(0x80000000, 0x800000));  // up to the first reservation at 0x80800000
    for (std::size_t i = 0; i < *count; ++i) {
        for (std::size_t r = 0; r < filled->info.reserved_count; ++r) {
            CHECK_FALSE(usable[i].overlaps(filled->info.reserved[r]));
        }
    }
}

TEST_CASE("qrb5165-rb5: reserved memory, eight CPUs, the GICv3, and its GENI debug UART")
{
    auto found = test::discover(test::debian_dtb("qcom/qrb5165-rb5.dtb"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(str(info.model) == "Qualcomm Technologies, Inc. Robotics RB5");
    CHECK(info.memory_count == 0);
    REQUIRE(info.reserved_count == 18);
    CHECK(info.reserved[0] == range(0x80000000, 0x600000));
    CHECK(info.reserved[17] == range(0x8bf00000, 0x4600000));
    check_qualcomm_cpus(info);
    check_qualcomm_gic_timer_psci(info);

    const ConsoleInfo& console = info.console;
    CHECK(console.kind == ConsoleKind::geni);
    CHECK(str(console.compatible) == "qcom,geni-debug-uart");
    CHECK(str(console.path) == "/soc@0/geniqup@ac0000/serial@a90000");
    CHECK(console.regs == range(0xa90000, 0x4000));
    CHECK(console.intid == 32 + 0x165);

    auto filled = test::discover(with_memory_filled_in(found->blob));
    REQUIRE(filled->ok());
    CHECK(test::runnable_problem(filled->info).empty());
}

TEST_CASE("juno: two RAM ranges, six CPUs in two clusters, its PL011, and a GIC-400 that is refused")
{
    auto found = test::discover(test::debian_dtb("arm/juno.dtb"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(str(info.model) == "ARM Juno development board (r0)");
    REQUIRE(info.memory_count == 2);
    CHECK(info.memory[0] == range(0x80000000, 0x7f000000));
    CHECK(info.memory[1] == range(0x880000000, 0x180000000));
    CHECK(info.reserved_count == 0);

    REQUIRE(info.cpu_count == 6);
    const std::uint64_t mpidrs[] = {0x0, 0x1, 0x100, 0x101, 0x102, 0x103};
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(info.cpus[i].mpidr == mpidrs[i]);
        CHECK(str(info.cpus[i].enable_method) == "psci");
    }

    CHECK(info.gic.version == GicVersion::v2);
    CHECK(str(info.gic.compatible) == "arm,gic-400");
    CHECK(info.gic.distributor == range(0x2c010000, 0x1000));
    CHECK(info.gic.maintenance_intid == 25);
    CHECK(info.timer.hyp_phys_intid == 26);
    CHECK(info.psci.method == PsciMethod::smc);
    CHECK(str(info.psci.compatible) == "arm,psci-0.2");

    CHECK(info.console.kind == ConsoleKind::pl011);
    CHECK(str(info.console.path) == "/serial@7ff80000");
    CHECK(info.console.regs == range(0x7ff80000, 0x1000));
    CHECK(info.console.intid == 32 + 0x53);

    CHECK_THAT(test::runnable_problem(info), Contains("GICv2 is not supported"));
}

TEST_CASE("every Qualcomm and Arm device tree in Debian's kernel is discovered without error")
{
    namespace fs = std::filesystem;
    std::size_t trees = 0;
    for (const char* vendor : {"qcom", "arm"}) {
        fs::path dir = fs::path{HYP_DEBIAN_DTB_DIR} / vendor;
        if (!fs::is_directory(dir)) {
            FAIL(dir.string() << " is missing: run scripts/fetch-guest to download Debian's arm64 kernel and its device trees");
        }
        for (const fs::directory_entry& entry : fs::directory_iterator{dir}) {
            if (entry.path().extension() != ".dtb") {
                continue;
            }
            ++trees;
            test::Blob blob;
            REQUIRE(test::read_file(entry.path().string(), blob));
            auto found = test::discover(std::move(blob));
            INFO(entry.path().filename().string() << ": " << found->message());
            CHECK(found->ok());
            CHECK(found->info.cpu_count > 0);
            CHECK(found->info.gic.version != GicVersion::none);
        }
    }
    CHECK(trees > 100);
}

TEST_CASE("sc7280-idp: the SPIs its devices signal by edge, which bring-up configures so")
{
    auto found = test::discover(test::debian_dtb("qcom/sc7280-idp.dtb"));
    REQUIRE(found->ok());
    const GicInfo& gic = found->info.gic;
    auto edge = [&](std::uint32_t intid) { return ((gic.edge_spis[(intid - 32) / 32] >> ((intid - 32) % 32)) & 1) != 0; };
    CHECK(edge(32));  // watchdog@17c10000: <0 0 IRQ_TYPE_EDGE_RISING>
    for (std::uint32_t intid = 32 + 0x300; intid <= 32 + 0x31f; ++intid) {
        CHECK(edge(intid));  // wifi@17a10040's 32 copy-engine interrupts
    }
    CHECK_FALSE(edge(32 + 606));  // the debug UART: level high
    unsigned count = 0;
    for (std::uint32_t word : gic.edge_spis) {
        count += static_cast<unsigned>(__builtin_popcount(word));
    }
    CHECK(count == 33);
    CHECK(gic.trigger_nodes_skipped == 0);
}
