// Platform discovery on well-formed fixture trees: QEMU's virt machine as QEMU writes
// it, a hand-written board with the features QEMU's tree lacks, and a one-cell tree
// whose devices sit behind a translating bus.
#include <catch2/catch.hpp>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using hyp::test::range;
using hyp::test::str;

TEST_CASE("QEMU virt: RAM, four CPUs and no reservations")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(str(info.model) == "linux,dummy-virt");
    REQUIRE(info.memory_count == 1);
    CHECK(info.memory[0] == range(0x40000000, 0x40000000));
    CHECK(info.reserved_count == 0);
    REQUIRE(info.cpu_count == 4);
    CHECK(info.cpu_nodes_found == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(info.cpus[i].mpidr == i);
        CHECK(str(info.cpus[i].enable_method) == "psci");
    }
}

TEST_CASE("QEMU virt: GICv3, timer PPIs and PSCI over SMC")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(info.gic.version == GicVersion::v3);
    CHECK(str(info.gic.compatible) == "arm,gic-v3");
    CHECK(info.gic.distributor == range(0x8000000, 0x10000));
    REQUIRE(info.gic.redistributor_region_count == 1);
    CHECK(info.gic.redistributor_regions[0] == range(0x80a0000, 0xf60000));
    CHECK(info.gic.redistributor_stride == 0);
    CHECK(info.gic.maintenance_intid == 25);

    CHECK(info.timer.present);
    CHECK(info.timer.secure_phys_intid == 29);
    CHECK(info.timer.nonsecure_phys_intid == 30);
    CHECK(info.timer.virt_intid == 27);
    CHECK(info.timer.hyp_phys_intid == 26);
    CHECK(info.timer.frequency_hz == 0);

    CHECK(info.psci.method == PsciMethod::smc);
    CHECK(str(info.psci.compatible) == "arm,psci-1.0");
}

TEST_CASE("QEMU virt: the PL011 console from stdout-path, and guest-loader's modules")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(info.console.kind == ConsoleKind::pl011);
    CHECK(str(info.console.compatible) == "arm,pl011");
    CHECK(str(info.console.path) == "/pl011@9000000");
    CHECK(info.console.regs == range(0x9000000, 0x1000));
    CHECK(info.console.intid == 33);

    CHECK(str(info.bootargs) == "loglevel=debug");
    REQUIRE(info.module_count == 2);
    CHECK(info.modules[0].kind == ModuleKind::ramdisk);
    CHECK(info.modules[0].range == range(0x4a000000, 0x1388));
    CHECK(info.modules[0].bootargs.empty());
    CHECK(info.modules[1].kind == ModuleKind::kernel);
    CHECK(info.modules[1].range == range(0x48000000, 0x1388));
    CHECK(str(info.modules[1].bootargs) == "console=ttyAMA0 earlycon");
}

TEST_CASE("QEMU virt is runnable and all its RAM is usable")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    CHECK(test::runnable_problem(found->info).empty());
    PhysRange usable[4];
    Result<std::size_t> count = usable_ram(found->info, usable, 4);
    REQUIRE(count.ok());
    REQUIRE(*count == 1);
    CHECK(usable[0] == range(0x40000000, 0x40000000));
}

TEST_CASE("full board: memory nodes, skipping disabled and zero-size ones")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(str(info.model) == "hyp test board");
    REQUIRE(info.memory_count == 3);
    CHECK(info.memory[0] == range(0x40000000, 0x20000000));
    CHECK(info.memory[1] == range(0x60000000, 0x20000000));
    CHECK(info.memory[2] == range(0x100000000, 0x40000000));
}

TEST_CASE("full board: /memreserve/ and fixed /reserved-memory children are reserved, dynamic ones are not")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    REQUIRE(info.reserved_count == 4);
    CHECK(info.reserved[0] == range(0x40000000, 0x10000));
    CHECK(info.reserved[1] == range(0x48000000, 0x200000));
    CHECK(info.reserved[2] == range(0x50000000, 0x100000));
    CHECK(info.reserved[3] == range(0x100000000, 0x200000));

    PhysRange usable[8];
    Result<std::size_t> count = usable_ram(info, usable, 8);
    REQUIRE(count.ok());
    REQUIRE(*count == 4);
    CHECK(usable[0] == range(0x40010000, 0x48000000 - 0x40010000));
    CHECK(usable[1] == range(0x48200000, 0x50000000 - 0x48200000));
    CHECK(usable[2] == range(0x50100000, 0x80000000 - 0x50100000));  // across the two adjacent entries
    CHECK(usable[3] == range(0x100200000, 0x140000000 - 0x100200000));
}

TEST_CASE("full board: two-cell MPIDRs with Aff3, and each CPU's enable-method")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    REQUIRE(info.cpu_count == 4);
    CHECK(info.cpus[0].mpidr == 0x0);
    CHECK(info.cpus[1].mpidr == 0x100);
    CHECK(info.cpus[2].mpidr == 0x10000);
    CHECK(info.cpus[3].mpidr == 0x100000000);
    CHECK(str(info.cpus[0].enable_method) == "psci");
    CHECK(str(info.cpus[2].enable_method) == "spin-table");
    CHECK(info.cpus[3].enable_method.empty());
}

TEST_CASE("full board: a GIC behind a translating bus, with two redistributor regions and a stride")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const GicInfo& gic = found->info.gic;
    CHECK(gic.version == GicVersion::v3);
    CHECK(gic.distributor == range(0x2f000000, 0x10000));
    REQUIRE(gic.redistributor_region_count == 2);
    CHECK(gic.redistributor_regions[0] == range(0x2f100000, 0x100000));
    CHECK(gic.redistributor_regions[1] == range(0x2f200000, 0x100000));
    CHECK(gic.redistributor_stride == 0x40000);
    CHECK(gic.maintenance_intid == 25);
}

TEST_CASE("full board: stdout-path through an alias with options picks that UART, not the first PL011")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const ConsoleInfo& console = found->info.console;
    CHECK(console.kind == ConsoleKind::pl011);
    CHECK(str(console.path) == "/soc/serial@1000");
    CHECK(console.regs == range(0x9001000, 0x1000));
    CHECK(console.intid == 37);
}

TEST_CASE("full board: PSCI over HVC, timer clock-frequency, runnable")
{
    auto found = test::discover(test::fixture_dtb("full_board"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    CHECK(info.psci.method == PsciMethod::hvc);
    CHECK(str(info.psci.compatible) == "arm,psci-0.2");
    CHECK(info.timer.frequency_hz == 62500000);
    CHECK(info.timer.hyp_phys_intid == 26);
    CHECK(info.module_count == 0);
    CHECK(info.bootargs.empty());
    CHECK(test::runnable_problem(info).empty());
}

TEST_CASE("one-cell tree: 1-cell addresses and sizes, devices translated through the bus's ranges")
{
    auto found = test::discover(test::fixture_dtb("one_cell"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    REQUIRE(info.memory_count == 1);
    CHECK(info.memory[0] == range(0x80000000, 0x40000000));
    REQUIRE(info.cpu_count == 2);
    CHECK(info.cpus[1].mpidr == 1);
    CHECK(info.gic.distributor == range(0x18000000, 0x10000));
    REQUIRE(info.gic.redistributor_region_count == 1);
    CHECK(info.gic.redistributor_regions[0] == range(0x180a0000, 0xf60000));
    CHECK(info.gic.maintenance_intid == 0);  // no `interrupts` on this GIC node

    CHECK(info.console.kind == ConsoleKind::pl011);
    CHECK(str(info.console.path) == "/bus@10000000/uart@9000000");  // from linux,stdout-path
    CHECK(info.console.regs == range(0x19000000, 0x1000));
    CHECK(info.console.intid == 33);

    CHECK(info.timer.present);  // "arm,armv7-timer"
    CHECK(info.timer.virt_intid == 27);
    CHECK(str(info.psci.compatible) == "arm,psci");
    CHECK(str(info.bootargs) == "console=hyp");
    REQUIRE(info.module_count == 1);
    CHECK(info.modules[0].kind == ModuleKind::kernel);
    CHECK(info.modules[0].range == range(0x88000000, 0x200000));
    CHECK(str(info.modules[0].bootargs) == "root=/dev/ram");
    CHECK(test::runnable_problem(info).empty());
}

TEST_CASE("enumeration names for the boot log")
{
    CHECK(std::string{gic_version_name(GicVersion::v3)} == "GICv3");
    CHECK(std::string{gic_version_name(GicVersion::v2)} == "GICv2");
    CHECK(std::string{console_kind_name(ConsoleKind::unsupported)} == "unsupported");
    CHECK(std::string{console_kind_name(ConsoleKind::pl011)} == "pl011");
    CHECK(std::string{console_kind_name(ConsoleKind::geni)} == "geni");
    CHECK(std::string{psci_method_name(PsciMethod::hvc)} == "hvc");
    CHECK(std::string{psci_method_name(PsciMethod::none)} == "none");
    CHECK(std::string{module_kind_name(ModuleKind::ramdisk)} == "ramdisk");
    CHECK(std::string{gic_version_name(static_cast<GicVersion>(99))} == "invalid");
}
