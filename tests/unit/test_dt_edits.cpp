// Platform discovery on QEMU's tree with one thing changed through libfdt: each wrong
// length, wrapping range, dangling reference or loop must be refused with a message
// naming the node and property; each legitimate variation must be read correctly.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using Catch::Matchers::Contains;
using hyp::test::range;
using hyp::test::str;

namespace {

template <typename Edit>
std::unique_ptr<test::Discovery> discover_edited(Edit edit)
{
    return test::discover(test::edited(test::fixture_dtb("qemu_virt"), edit));
}

// A new node under `parent`, returned by offset.
int add_node(void* fdt, const char* parent, const char* name)
{
    int node = fdt_add_subnode(fdt, test::node_at(fdt, parent), name);
    REQUIRE(node >= 0);
    return node;
}

}  // namespace

TEST_CASE("cpu reg of the wrong length for /cpus #address-cells is refused, naming the node")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/cpus/cpu@2", "reg", {0, 2}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/cpus/cpu@2") && Contains("reg is 8 bytes, expected 4"));
}

TEST_CASE("a cpu reg with bits outside the MPIDR affinity fields is refused")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/cpus/cpu@1", "reg", {0x01000000}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/cpus/cpu@1") && Contains("affinity"));
}

TEST_CASE("two cpu nodes with the same MPIDR are refused")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/cpus/cpu@3", "reg", {1}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/cpus/cpu@3") && Contains("0x1"));
}

TEST_CASE("more cpu nodes than max_cpus are counted but not recorded")
{
    auto found = discover_edited([](void* fdt) {
        for (std::uint32_t i = 4; i < max_cpus + 6; ++i) {
            std::string name = "cpu@" + std::to_string(i);
            int node = add_node(fdt, "/cpus", name.c_str());
            fdt32_t reg = cpu_to_fdt32(i);
            REQUIRE(fdt_setprop(fdt, node, "reg", &reg, sizeof reg) == 0);
            REQUIRE(fdt_setprop_string(fdt, node, "device_type", "cpu") == 0);
        }
    });
    REQUIRE(found->ok());
    CHECK(found->info.cpu_count == max_cpus);
    CHECK(found->info.cpu_nodes_found == max_cpus + 6);
}

TEST_CASE("a memory range that wraps around the address space is refused")
{
    auto found = discover_edited([](void* fdt) {
        test::set_cells(fdt, "/memory@40000000", "reg", {0xffffffff, 0xf0000000, 0x0, 0x20000000});
    });
    REQUIRE_FALSE(found->ok());
    CHECK(found->error == Error::addr_ovfl);
    CHECK_THAT(found->message(), Contains("/memory@40000000") && Contains("wraps"));
}

TEST_CASE("a memory range ending exactly at the top of the address space is accepted")
{
    auto found = discover_edited([](void* fdt) {
        test::set_cells(fdt, "/memory@40000000", "reg", {0xffffffff, 0xf0000000, 0x0, 0x10000000});
    });
    REQUIRE(found->ok());
    CHECK(found->info.memory[0] == range(0xfffffffff0000000, 0x10000000));
}

TEST_CASE("more memory ranges than max_memory_ranges are refused rather than dropped")
{
    auto found = discover_edited([](void* fdt) {
        std::vector<fdt32_t> reg;
        for (std::uint32_t i = 0; i <= max_memory_ranges; ++i) {
            for (std::uint32_t cell : {0u, 0x40000000u + i * 0x100000u, 0u, 0x100000u}) {
                reg.push_back(cpu_to_fdt32(cell));
            }
        }
        REQUIRE(fdt_setprop(fdt, test::node_at(fdt, "/memory@40000000"), "reg", reg.data(),
                            static_cast<int>(reg.size() * 4)) == 0);
    });
    REQUIRE_FALSE(found->ok());
    CHECK(found->error == Error::nomem);
    CHECK_THAT(found->message(), Contains("more than 32 memory ranges"));
}

TEST_CASE("a boot module without reg is refused, naming it")
{
    auto found = discover_edited([](void* fdt) { test::delete_prop(fdt, "/chosen/module@0x48000000", "reg"); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/chosen/module@0x48000000") && Contains("no reg"));
}

TEST_CASE("a string property without its terminating NUL is refused, naming it")
{
    auto found = discover_edited([](void* fdt) { test::set_bytes(fdt, "/psci", "method", {'s', 'm', 'c'}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/psci") && Contains("method") && Contains("NUL"));
}

TEST_CASE("a PSCI method other than smc or hvc is refused")
{
    auto found = discover_edited([](void* fdt) { test::set_string(fdt, "/psci", "method", "svc"); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/psci") && Contains("\"svc\""));
}

TEST_CASE("a PSCI node without a method is discovered, and refused by check_runnable")
{
    auto found = discover_edited([](void* fdt) { test::delete_prop(fdt, "/psci", "method"); });
    REQUIRE(found->ok());
    CHECK(found->info.psci.method == PsciMethod::none);
    CHECK_THAT(test::runnable_problem(found->info), Contains("PSCI node has no method"));
}

TEST_CASE("interrupts that are not a whole number of specifiers are refused, naming node and property")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/pl011@9000000", "interrupts", {0, 1}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/pl011@9000000") && Contains("interrupts is 8 bytes"));
}

TEST_CASE("a GIC interrupt type or number out of range is refused")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "interrupts", {7, 9, 4}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/intc@8000000") && Contains("not a valid GIC interrupt"));

    auto ppi = discover_edited([](void* fdt) { test::set_cells(fdt, "/timer", "interrupts", {1, 16, 4}); });
    REQUIRE_FALSE(ppi->ok());
    CHECK_THAT(ppi->message(), Contains("/timer"));
}

TEST_CASE("extended SPI and PPI specifiers map to their INTID ranges")
{
    auto found = discover_edited([](void* fdt) {
        test::set_cells(fdt, "/pl011@9000000", "interrupts", {2, 5, 4});
        test::set_cells(fdt, "/intc@8000000", "interrupts", {3, 1, 4});
    });
    REQUIRE(found->ok());
    CHECK(found->info.console.intid == 4096 + 5);
    CHECK(found->info.gic.maintenance_intid == 1056 + 1);
}

TEST_CASE("#redistributor-regions beyond the reg entries, or beyond what we hold, is refused")
{
    auto short_reg = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "#redistributor-regions", {2}); });
    REQUIRE_FALSE(short_reg->ok());
    CHECK_THAT(short_reg->message(), Contains("/intc@8000000") && Contains("reg has 2 entries"));

    auto too_many = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "#redistributor-regions", {9}); });
    REQUIRE_FALSE(too_many->ok());
    CHECK_THAT(too_many->message(), Contains("#redistributor-regions = 9"));
}

TEST_CASE("redistributor-stride must be a u64 and a multiple of 64 KiB")
{
    auto narrow = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "redistributor-stride", {0x20000}); });
    REQUIRE_FALSE(narrow->ok());
    CHECK_THAT(narrow->message(), Contains("redistributor-stride is 4 bytes"));

    auto odd = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "redistributor-stride", {0, 0x1000}); });
    REQUIRE_FALSE(odd->ok());
    CHECK_THAT(odd->message(), Contains("64 KiB"));

    auto good = discover_edited([](void* fdt) { test::set_cells(fdt, "/intc@8000000", "redistributor-stride", {0, 0x40000}); });
    REQUIRE(good->ok());
    CHECK(good->info.gic.redistributor_stride == 0x40000);
}

TEST_CASE("the root's interrupt-parent is preferred over a GICv3 earlier in the tree")
{
    auto add_decoy = [](void* fdt) {
        int decoy = add_node(fdt, "/", "decoy-gic@1000000");  // added before the existing nodes
        REQUIRE(fdt_setprop_string(fdt, decoy, "compatible", "arm,gic-v3") == 0);
        REQUIRE(fdt_setprop_empty(fdt, decoy, "interrupt-controller") == 0);
        fdt32_t reg[] = {cpu_to_fdt32(0), cpu_to_fdt32(0x1000000), cpu_to_fdt32(0), cpu_to_fdt32(0x10000),
                         cpu_to_fdt32(0), cpu_to_fdt32(0x1100000), cpu_to_fdt32(0), cpu_to_fdt32(0x100000)};
        REQUIRE(fdt_setprop(fdt, decoy, "reg", reg, sizeof reg) == 0);
    };
    auto found = discover_edited(add_decoy);
    REQUIRE(found->ok());
    CHECK(found->info.gic.distributor.base == PhysAddr{0x8000000});

    // Without the root's hint, the first GICv3 in tree order is taken.
    auto unhinted = discover_edited([&](void* fdt) {
        add_decoy(fdt);
        test::delete_prop(fdt, "/", "interrupt-parent");
        test::delete_prop(fdt, "/platform-bus@c000000", "interrupt-parent");
    });
    REQUIRE(unhinted->ok());
    CHECK(unhinted->info.gic.distributor.base == PhysAddr{0x1000000});
    // Nothing now says which controller receives the timer's interrupts: INTIDs unknown.
    CHECK(unhinted->info.timer.hyp_phys_intid == 0);
    CHECK_THAT(test::runnable_problem(unhinted->info), Contains("EL2 physical timer"));
}

TEST_CASE("an interrupt-parent phandle that matches no node is refused")
{
    auto found = discover_edited([](void* fdt) { test::set_cells(fdt, "/pl011@9000000", "interrupt-parent", {0x4242}); });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/pl011@9000000") && Contains("matches no node"));
}

TEST_CASE("an interrupt-parent chain that loops is refused, not followed forever")
{
    auto found = discover_edited([](void* fdt) {
        // Two nodes without #interrupt-cells whose interrupt-parents name each other.
        add_node(fdt, "/", "loop-a");
        add_node(fdt, "/", "loop-b");
        test::set_cells(fdt, "/loop-a", "phandle", {0x7001});
        test::set_cells(fdt, "/loop-b", "phandle", {0x7002});
        test::set_cells(fdt, "/loop-a", "interrupt-parent", {0x7002});
        test::set_cells(fdt, "/loop-b", "interrupt-parent", {0x7001});
        test::set_cells(fdt, "/pl011@9000000", "interrupt-parent", {0x7001});
    });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/pl011@9000000") && Contains("does not end"));
}

TEST_CASE("a console under a bus without ranges cannot be translated and is refused")
{
    auto found = discover_edited([](void* fdt) {
        int bus = add_node(fdt, "/", "bus");
        REQUIRE(fdt_setprop_u32(fdt, bus, "#address-cells", 1) == 0);
        REQUIRE(fdt_setprop_u32(fdt, bus, "#size-cells", 1) == 0);
        int uart = add_node(fdt, "/bus", "uart@1000");
        REQUIRE(fdt_setprop_string(fdt, uart, "compatible", "arm,pl011") == 0);
        fdt32_t reg[] = {cpu_to_fdt32(0x1000), cpu_to_fdt32(0x1000)};
        REQUIRE(fdt_setprop(fdt, uart, "reg", reg, sizeof reg) == 0);
        test::set_string(fdt, "/chosen", "stdout-path", "/bus/uart@1000");
    });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/bus/uart@1000") && Contains("no ranges"));
}

TEST_CASE("a device address outside every entry of its bus's ranges is refused")
{
    auto found = discover_edited([](void* fdt) {
        int bus = add_node(fdt, "/", "bus");
        REQUIRE(fdt_setprop_u32(fdt, bus, "#address-cells", 1) == 0);
        REQUIRE(fdt_setprop_u32(fdt, bus, "#size-cells", 1) == 0);
        fdt32_t ranges[] = {cpu_to_fdt32(0), cpu_to_fdt32(0), cpu_to_fdt32(0x20000000), cpu_to_fdt32(0x1000)};
        REQUIRE(fdt_setprop(fdt, test::node_at(fdt, "/bus"), "ranges", ranges, sizeof ranges) == 0);
        int uart = add_node(fdt, "/bus", "uart@8000");
        REQUIRE(fdt_setprop_string(fdt, uart, "compatible", "arm,pl011") == 0);
        fdt32_t reg[] = {cpu_to_fdt32(0x8000), cpu_to_fdt32(0x1000)};
        REQUIRE(fdt_setprop(fdt, uart, "reg", reg, sizeof reg) == 0);
        test::set_string(fdt, "/chosen", "stdout-path", "/bus/uart@8000");
    });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("/bus/uart@8000") && Contains("outside the ranges"));
}

TEST_CASE("a stdout-path naming no node falls back to the first PL011")
{
    auto found = discover_edited([](void* fdt) { test::set_string(fdt, "/chosen", "stdout-path", "/nowhere:115200"); });
    REQUIRE(found->ok());
    CHECK(found->info.console.kind == ConsoleKind::pl011);
    CHECK(str(found->info.console.path) == "pl011@9000000");  // found by search: its name
    CHECK(found->info.console.regs == range(0x9000000, 0x1000));
}

TEST_CASE("stdout-path aliases that name each other are not followed round and round")
{
    auto found = discover_edited([](void* fdt) {
        int aliases = add_node(fdt, "/", "aliases");
        REQUIRE(fdt_setprop_string(fdt, aliases, "serial0", "serial1") == 0);
        REQUIRE(fdt_setprop_string(fdt, test::node_at(fdt, "/aliases"), "serial1", "serial0") == 0);
        test::set_string(fdt, "/chosen", "stdout-path", "serial0:115200n8");
    });
    REQUIRE(found->ok());
    CHECK(str(found->info.console.path) == "pl011@9000000");
}

namespace {

// QEMU's tree with one more UART, /serial@<base> (size 0x4000, level SPI `spi`), named by
// /chosen/stdout-path.
std::unique_ptr<test::Discovery> discover_with_console(const char* compatible, std::uint32_t base, std::uint32_t spi)
{
    return discover_edited([=](void* fdt) {
        char name[32];
        std::snprintf(name, sizeof name, "serial@%x", base);
        std::string path = std::string{"/"} + name;
        int uart = add_node(fdt, "/", name);
        REQUIRE(fdt_setprop_string(fdt, uart, "compatible", compatible) == 0);
        fdt32_t reg[] = {cpu_to_fdt32(0), cpu_to_fdt32(base), cpu_to_fdt32(0), cpu_to_fdt32(0x4000)};
        REQUIRE(fdt_setprop(fdt, test::node_at(fdt, path.c_str()), "reg", reg, sizeof reg) == 0);
        test::set_cells(fdt, path.c_str(), "interrupts", {0, spi, 4});
        test::set_string(fdt, "/chosen", "stdout-path", (path + ":115200n8").c_str());
    });
}

}  // namespace

TEST_CASE("a console we have no driver for is recorded as unsupported, with its compatible")
{
    auto found = discover_with_console("snps,dw-apb-uart", 0xa84000, 355);
    REQUIRE(found->ok());
    const ConsoleInfo& console = found->info.console;
    CHECK(console.kind == ConsoleKind::unsupported);
    CHECK(str(console.compatible) == "snps,dw-apb-uart");
    CHECK(str(console.path) == "/serial@a84000");
    CHECK(console.regs == range(0xa84000, 0x4000));
    CHECK(console.intid == 32 + 355);
}

TEST_CASE("a GENI debug UART console is recorded as geni, with its registers and SPI")
{
    // As qcs6490-rb3gen2.dts describes uart5: 0x994000 size 0x4000, SPI 606.
    auto found = discover_with_console("qcom,geni-debug-uart", 0x994000, 606);
    REQUIRE(found->ok());
    const ConsoleInfo& console = found->info.console;
    CHECK(console.kind == ConsoleKind::geni);
    CHECK(str(console.compatible) == "qcom,geni-debug-uart");
    CHECK(console.regs == range(0x994000, 0x4000));
    CHECK(console.intid == 32 + 606);
}

TEST_CASE("without /chosen there are no modules and no bootargs, and the console is searched for")
{
    auto found = discover_edited([](void* fdt) { test::delete_node(fdt, "/chosen"); });
    REQUIRE(found->ok());
    CHECK(found->info.module_count == 0);
    CHECK(found->info.bootargs.empty());
    CHECK(found->info.console.kind == ConsoleKind::pl011);
}

TEST_CASE("without any console node the console kind is none")
{
    auto found = discover_edited([](void* fdt) {
        test::delete_node(fdt, "/pl011@9000000");
    });
    REQUIRE(found->ok());
    CHECK(found->info.console.kind == ConsoleKind::none);
    CHECK(test::runnable_problem(found->info).empty());  // a console is not required to run
}

TEST_CASE("more boot modules than max_boot_modules are refused")
{
    auto found = discover_edited([](void* fdt) {
        for (std::size_t i = 0; i < max_boot_modules; ++i) {
            std::string name = "module@" + std::to_string(0x50000000 + i * 0x1000);
            int node = add_node(fdt, "/chosen", name.c_str());
            REQUIRE(fdt_setprop_string(fdt, node, "compatible", "multiboot,module") == 0);
            fdt32_t reg[] = {cpu_to_fdt32(0), cpu_to_fdt32(static_cast<std::uint32_t>(0x50000000 + i * 0x1000)),
                             cpu_to_fdt32(0), cpu_to_fdt32(0x1000)};
            REQUIRE(fdt_setprop(fdt, test::node_at(fdt, ("/chosen/" + name).c_str()), "reg", reg, sizeof reg) == 0);
        }
    });
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("more than 8 boot modules"));
}

TEST_CASE("a bootloader-filled memory size is read like any other")
{
    auto found = discover_edited([](void* fdt) {
        test::set_cells(fdt, "/memory@40000000", "reg", {0x0, 0x40000000, 0x2, 0x0});
    });
    REQUIRE(found->ok());
    CHECK(found->info.memory[0] == range(0x40000000, 0x200000000));
}
