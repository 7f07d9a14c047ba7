// The board DT editor's device step (rm/dt/board_dt_devices.cpp) on Debian's real
// Qualcomm trees: the SMMUs and the GIC's ITS disabled, the nodes that name them left
// alone, and the GENI debug UART turned into the virtual PL011 the hypervisor emulates at
// its address, which the hypervisor's own discovery then finds as the console.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>

#include "rm/dt/board_dt.h"
#include "rm/dt/libfdt.h"
#include "tests/unit/board_dt_dump.h"
#include "tests/unit/board_dt_fixture.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
using Catch::Matchers::Contains;
using namespace hyp::test::dt_dump;
using namespace hyp::test::board;

namespace {

struct Board {
    const char* dtb;
    const char* memory;
};
constexpr Board qualcomm_boards[] = {
    {"qcom/sc7280-idp.dtb", "/memory@80000000"},
    {"qcom/qrb5165-rb5.dtb", "/memory@80000000"},
    {"qcom/sm8450-hdk.dtb", "/memory@a0000000"},
};

constexpr const char* sc7280_uart = "/soc@0/geniqup@9c0000/serial@994000";
constexpr std::uint32_t sc7280_uart_intid = 32 + 606;

test::Blob sc7280() { return as_booted(test::debian_dtb("qcom/sc7280-idp.dtb"), "/memory@80000000"); }

BoardDtEdits with_console(std::uint64_t base, std::uint32_t intid)
{
    BoardDtEdits edits = typical_edits();
    edits.console.regs = IpaRange{Ipa{base}, 0x1000};
    edits.console.intid = intid;
    return edits;
}

// Every node's path mapped to its value of `name` ("(none)" when it has none).
std::map<std::string, std::string> by_path(const void* fdt, const char* name)
{
    std::map<std::string, std::string> values;
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        values[path_of(fdt, node)] = prop(fdt, node, name);
    }
    return values;
}

std::string alias(const void* fdt, const char* name)
{
    const char* path = fdt_get_alias(fdt, name);
    return path == nullptr ? "(none)" : path;
}

void check_refused(const test::Blob& board, const BoardDtEdits& edits, const char* why)
{
    const test::Blob before = board;
    auto built = build(board, edits, board.size() + 4096);
    INFO(built->diag.c_str());
    CHECK(built->error == Error::arg_inval);
    CHECK_THAT(std::string{built->diag.c_str()}, Contains(why));
    CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
    CHECK(board == before);
}

}  // namespace

TEST_CASE("board DT disables every SMMU and the GIC's ITS and leaves the nodes naming them as they were",
          "[board_dt]")
{
    for (const Board& b : qualcomm_boards) {
        INFO(b.dtb);
        const test::Blob board = as_booted(test::debian_dtb(b.dtb), b.memory);
        auto built = build(board, typical_edits(), board.size() + 4096);
        INFO(built->diag.c_str());
        REQUIRE(built->ok());
        const void* fdt = built->buffer.data();
        int smmus = 0;
        for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
            if (has(fdt, node, "#iommu-cells")) {  // every IOMMU in these trees is an SMMU-500
                INFO(path_of(fdt, node));
                CHECK(prop(fdt, node, "status") == "\"disabled\"");
                ++smmus;
            }
        }
        CHECK(smmus >= 1);
        const int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
        int child = 0;
        fdt_for_each_subnode(child, fdt, gic)
        {
            INFO(path_of(fdt, child));
            CHECK(prop(fdt, child, "status") == "\"disabled\"");
        }
        // Their users keep their iommus and their status: Linux probes them untranslated.
        const auto iommus_before = by_path(board.data(), "iommus");
        const auto status_before = by_path(board.data(), "status");
        const auto iommus_after = by_path(fdt, "iommus");
        const auto status_after = by_path(fdt, "status");
        int users = 0;
        for (const auto& [path, iommus] : iommus_before) {
            if (iommus != "(none)") {
                INFO(path);
                ++users;
                CHECK(iommus_after.at(path) == iommus);
                CHECK(status_after.at(path) == status_before.at(path));
            }
        }
        CHECK(users >= 10);
    }
}

TEST_CASE("board DT disables the sm8450 ITS, which the board leaves enabled", "[board_dt]")
{
    const test::Blob board = as_booted(test::debian_dtb("qcom/sm8450-hdk.dtb"), "/memory@a0000000");
    const char* its = "/soc@0/interrupt-controller@17100000/msi-controller@17140000";
    REQUIRE(prop(board.data(), test::node_at(board.data(), its), "status") == "(none)");
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    CHECK(prop(built->buffer.data(), test::node_at(built->buffer.data(), its), "status") == "\"disabled\"");
}

TEST_CASE("board DT knows an SMMU by a Qualcomm SoC name alone and leaves other nodes enabled", "[board_dt]")
{
    const test::Blob board = test::edited(sc7280(), [](void* fdt) {
        const char soc_500[] = "qcom,sm9999-smmu-500";
        REQUIRE(fdt_setprop(fdt, test::node_at(fdt, "/soc@0/iommu@15000000"), "compatible", soc_500,
                            sizeof soc_500) == 0);
        const char soc_v2[] = "qcom,msm9999-smmu-v2";
        REQUIRE(fdt_setprop(fdt, test::node_at(fdt, "/soc@0/iommu@3da0000"), "compatible", soc_v2,
                            sizeof soc_v2) == 0);
        const int other = fdt_add_subnode(fdt, test::node_at(fdt, "/soc@0"), "iommu@1000");
        REQUIRE(other >= 0);
        REQUIRE(fdt_setprop_string(fdt, other, "compatible", "vendor,not-an-smmu-500") == 0);
        REQUIRE(fdt_setprop_string(fdt, other, "status", "okay") == 0);
    });
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    CHECK(prop(fdt, test::node_at(fdt, "/soc@0/iommu@15000000"), "status") == "\"disabled\"");
    CHECK(prop(fdt, test::node_at(fdt, "/soc@0/iommu@3da0000"), "status") == "\"disabled\"");
    CHECK(prop(fdt, test::node_at(fdt, "/soc@0/iommu@1000"), "status") == "\"okay\"");
}

TEST_CASE("board DT turns the sc7280 GENI debug UART into the virtual PL011 and names it in stdout-path",
          "[board_dt]")
{
    const test::Blob board = sc7280();
    const void* before = board.data();
    const std::uint32_t phandle_before = fdt_get_phandle(before, test::node_at(before, sc7280_uart));
    auto built = build(board, with_console(0x994000, sc7280_uart_intid), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    const int uart = test::node_at(fdt, sc7280_uart);  // the same node, by the same name
    const int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    CHECK(prop(fdt, uart, "compatible") == "\"arm,pl011\", \"arm,primecell\"");
    CHECK(reg_text(fdt, uart) == "[0x994000, +0x1000)");
    CHECK(prop(fdt, uart, "interrupts") == "<0x0 0x25e 0x4>");  // SPI 606, level high
    CHECK(prop(fdt, uart, "interrupt-parent") == "<" + hex(fdt_get_phandle(fdt, gic)) + ">");
    CHECK(prop(fdt, uart, "clock-names") == "\"uartclk\", \"apb_pclk\"");
    CHECK(prop(fdt, uart, "status") == "\"okay\"");
    CHECK(fdt_get_phandle(fdt, uart) == phandle_before);
    // Nothing of the GENI UART's is left for the PL011 driver to reach for.
    for (const char* gone : {"pinctrl-names", "pinctrl-0", "power-domains", "operating-points-v2", "interconnects",
                             "interconnect-names"}) {
        INFO(gone);
        CHECK_FALSE(has(fdt, uart, gone));
    }
    // Both clocks are one new fixed clock, with a phandle nothing else has.
    int length = 0;
    const auto* clocks = static_cast<const fdt32_t*>(fdt_getprop(fdt, uart, "clocks", &length));
    REQUIRE(length == 8);
    const std::uint32_t clock_phandle = fdt32_to_cpu(clocks[0]);
    CHECK(fdt32_to_cpu(clocks[1]) == clock_phandle);
    int owners = 0;
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        owners += fdt_get_phandle(fdt, node) == clock_phandle ? 1 : 0;
    }
    CHECK(owners == 1);
    const int clock = fdt_node_offset_by_phandle(fdt, clock_phandle);
    REQUIRE(clock >= 0);
    CHECK(path_of(fdt, clock) == "/gunyah-vpl011-clock");
    CHECK(prop(fdt, clock, "compatible") == "\"fixed-clock\"");
    CHECK(prop(fdt, clock, "clock-frequency") == "<0x16e3600>");  // 24 MHz, as on QEMU
    CHECK(prop(fdt, clock, "#clock-cells") == "<0x0>");
    // stdout-path names it; its alias still does.
    CHECK(prop(fdt, test::node_at(fdt, "/chosen"), "stdout-path") == std::string{"\""} + sc7280_uart + "\"");
    CHECK(alias(fdt, "serial0") == sc7280_uart);
    // The serial engine's I2C and SPI nodes at the same address are left as they were.
    CHECK(prop(fdt, test::node_at(fdt, "/soc@0/geniqup@9c0000/i2c@994000"), "compatible") == "\"qcom,geni-i2c\"");
    CHECK(prop(fdt, test::node_at(fdt, "/soc@0/geniqup@9c0000/spi@994000"), "compatible") == "\"qcom,geni-spi\"");
}

TEST_CASE("board DT gives each Qualcomm board the PL011 console the hypervisor's discovery finds", "[board_dt]")
{
    for (const Board& b : qualcomm_boards) {
        INFO(b.dtb);
        const test::Blob board = as_booted(test::debian_dtb(b.dtb), b.memory);
        auto original = test::discover(board.data(), board.size());
        REQUIRE(original->ok());
        const std::string uart_path = test::str(original->info.console.path);
        BoardDtEdits edits = typical_edits();
        edits.console = board_console(board);
        auto built = build(board, edits, board.size() + 4096);
        INFO(built->diag.c_str());
        REQUIRE(built->ok());
        auto found = test::discover(built->buffer.data(), built->size);
        INFO(found->message());
        REQUIRE(found->ok());
        const platform::ConsoleInfo& console = found->info.console;
        CHECK(console.kind == platform::ConsoleKind::pl011);
        CHECK(console.regs == test::range(edits.console.regs.base.raw(), 0x1000));
        CHECK(console.intid == edits.console.intid);
        // The alias stdout-path used still names the same node, now the PL011.
        const void* fdt = built->buffer.data();
        CHECK(alias(fdt, "serial0") == alias(board.data(), "serial0"));
        CHECK(fdt_node_check_compatible(fdt, fdt_path_offset(fdt, alias(fdt, "serial0").c_str()), "arm,pl011") == 0);
    }
}

TEST_CASE("board DT makes a PL011 console the virtual one beside the board's own apb-pclk (QEMU virt's tree)",
          "[board_dt]")
{
    const test::Blob board = test::fixture_dtb("qemu_virt");
    BoardDtEdits edits = typical_edits(0);
    Diagnostic diag;
    Result<std::size_t> cpus = board_cpu_mpidrs(board.data(), board.size(), edits.cpu_mpidrs, primary_max_vcpus, diag);
    REQUIRE(cpus.ok());
    edits.cpu_count = *cpus;
    edits.console.regs = IpaRange{Ipa{0x9000000}, 0x1000};
    edits.console.intid = 33;
    auto built = build(board, edits, board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    const int uart = test::node_at(fdt, "/pl011@9000000");
    const int clock = test::node_at(fdt, "/gunyah-vpl011-clock");
    CHECK(prop(fdt, uart, "clocks") == "<" + hex(fdt_get_phandle(fdt, clock)) + " " + hex(fdt_get_phandle(fdt, clock)) +
                                           ">");
    CHECK(prop(fdt, test::node_at(fdt, "/apb-pclk"), "clock-output-names") == "\"clk24mhz\"");  // QEMU's, kept
    auto found = test::discover(built->buffer.data(), built->size);
    INFO(found->message());
    REQUIRE(found->ok());
    CHECK(found->info.console.kind == platform::ConsoleKind::pl011);
    CHECK(found->info.console.regs == test::range(0x9000000, 0x1000));
    CHECK(found->info.console.intid == 33);
}

TEST_CASE("board DT leaves the console alone when the edits name none", "[board_dt]")
{
    const test::Blob board = sc7280();
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    CHECK(prop(fdt, test::node_at(fdt, sc7280_uart), "compatible") == "\"qcom,geni-debug-uart\"");
    CHECK(prop(fdt, test::node_at(fdt, "/chosen"), "stdout-path") == "\"serial0:115200n8\"");
    CHECK(fdt_path_offset(fdt, "/gunyah-vpl011-clock") < 0);
}

TEST_CASE("board DT takes the console node stdout-path names, else the one enabled node at the address",
          "[board_dt]")
{
    const BoardDtEdits edits = with_console(0x994000, sc7280_uart_intid);
    SECTION("the I2C controller at the same address enabled: stdout-path decides")
    {
        const test::Blob board = test::edited(sc7280(), [](void* fdt) {
            test::set_string(fdt, "/soc@0/geniqup@9c0000/i2c@994000", "status", "okay");
        });
        auto built = build(board, edits, board.size() + 4096);
        INFO(built->diag.c_str());
        REQUIRE(built->ok());
        const void* fdt = built->buffer.data();
        CHECK(prop(fdt, test::node_at(fdt, sc7280_uart), "compatible") == "\"arm,pl011\", \"arm,primecell\"");
        CHECK(prop(fdt, test::node_at(fdt, "/soc@0/geniqup@9c0000/i2c@994000"), "compatible") ==
              "\"qcom,geni-i2c\"");
    }
    SECTION("no stdout-path: the only enabled node, which stdout-path then names")
    {
        const test::Blob board = test::edited(sc7280(), [](void* fdt) { test::delete_prop(fdt, "/chosen", "stdout-path"); });
        auto built = build(board, edits, board.size() + 4096);
        INFO(built->diag.c_str());
        REQUIRE(built->ok());
        const void* fdt = built->buffer.data();
        CHECK(prop(fdt, test::node_at(fdt, sc7280_uart), "compatible") == "\"arm,pl011\", \"arm,primecell\"");
        CHECK(prop(fdt, test::node_at(fdt, "/chosen"), "stdout-path") == std::string{"\""} + sc7280_uart + "\"");
    }
    SECTION("an alias that names itself is not followed")
    {
        const test::Blob board = test::edited(sc7280(), [](void* fdt) {
            test::set_string(fdt, "/aliases", "serial0", "serial0");  // libfdt's lookup would recurse for ever
        });
        auto built = build(board, edits, board.size() + 4096);
        INFO(built->diag.c_str());
        REQUIRE(built->ok());
        CHECK(prop(built->buffer.data(), test::node_at(built->buffer.data(), sc7280_uart), "compatible") ==
              "\"arm,pl011\", \"arm,primecell\"");
    }
    SECTION("no stdout-path and two enabled nodes: refused")
    {
        const test::Blob board = test::edited(sc7280(), [](void* fdt) {
            test::delete_prop(fdt, "/chosen", "stdout-path");
            test::set_string(fdt, "/soc@0/geniqup@9c0000/i2c@994000", "status", "okay");
        });
        check_refused(board, edits, "that stdout-path names or that alone is enabled (2 enabled)");
    }
}

TEST_CASE("board DT finds the console through its buses' ranges and keeps the bus's address in reg", "[board_dt]")
{
    // /soc@0 moved to 0x1_0000_0000 in the CPU's view: its children's addresses stay.
    const test::Blob board = test::edited(sc7280(), [](void* fdt) {
        test::set_cells(fdt, "/soc@0", "ranges", {0x0, 0x0, 0x1, 0x0, 0x10, 0x0});
    });
    auto built = build(board, with_console(0x100994000, sc7280_uart_intid), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    const int uart = test::node_at(fdt, sc7280_uart);
    CHECK(prop(fdt, uart, "compatible") == "\"arm,pl011\", \"arm,primecell\"");
    CHECK(reg_text(fdt, uart) == "[0x994000, +0x1000)");
    // At its untranslated address there is nothing.
    check_refused(board, with_console(0x994000, sc7280_uart_intid), "no node at the console's address 0x994000");
}

TEST_CASE("board DT refuses a console it cannot place, changing nothing", "[board_dt]")
{
    const test::Blob board = sc7280();
    SECTION("no node at the console's address")
    {
        check_refused(board, with_console(0x12345000, sc7280_uart_intid), "no node at the console's address");
    }
    SECTION("a GIC whose specifiers are not 3 cells")
    {
        const test::Blob four_cells = test::edited(board, [](void* fdt) {
            test::set_cells(fdt, "/soc@0/interrupt-controller@17a00000", "#interrupt-cells", {4});
        });
        BoardDtEdits edits = with_console(0x994000, sc7280_uart_intid);
        edits.rm_link.present = false;  // the console alone needs the GIC's form
        check_refused(four_cells, edits, "not 3 interrupt cells");
    }
    SECTION("an interrupt that is not an SPI")
    {
        check_refused(board, with_console(0x994000, 27), "not an SPI");
        check_refused(board, with_console(0x994000, 1020), "not an SPI");
    }
    SECTION("the interrupt of the RM link")
    {
        check_refused(board, with_console(0x994000, primary_rm_rx_intid), "one of the RM link's");
    }
    SECTION("registers that wrap")
    {
        BoardDtEdits edits = typical_edits();
        edits.console.regs = IpaRange{Ipa{~std::uint64_t{0} - 0xfff}, 0x2000};
        edits.console.intid = sc7280_uart_intid;
        check_refused(board, edits, "wraps");
    }
}
