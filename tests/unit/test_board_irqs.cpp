// The SPIs a board's device tree uses, and the RM link's two (rm/dt/board_irqs.h), on
// Debian's real Qualcomm trees and on copies of sc7280-idp with one node added for each
// way a tree can route an SPI to the GIC. The added nodes use SPIs 977..987 (INTIDs
// 1009..1019), which no real tree here uses.
#include <catch2/catch.hpp>

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "rm/dt/board_irqs.h"
#include "rm/dt/libfdt.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
using Catch::Matchers::Contains;

namespace {

constexpr const char* boards[] = {"qcom/sc7280-idp.dtb", "qcom/qrb5165-rb5.dtb", "qcom/sm8450-hdk.dtb"};

struct Scanned {
    SpiSet used;
    Error error = Error::ok;
    std::string diag;
};

Scanned scan(const test::Blob& board)
{
    Scanned out;
    Diagnostic diag;
    out.error = board_used_spis(board.data(), board.size(), out.used, diag).error();
    out.diag = diag.c_str();
    return out;
}

// Every INTID, SPI or not, in the set.
std::size_t count(const SpiSet& set)
{
    std::size_t n = 0;
    for (std::uint32_t intid = 0; intid < 4096; ++intid) {
        n += set.has(intid) ? 1 : 0;
    }
    return n;
}

// The SPIs of a tree the scan must accept.
SpiSet used_spis(const test::Blob& board)
{
    Scanned s = scan(board);
    INFO(s.diag);
    REQUIRE(s.error == Error::ok);
    return s.used;
}

std::uint32_t phandle_of(void* fdt, const char* compatible)
{
    const int node = fdt_node_offset_by_compatible(fdt, -1, compatible);
    REQUIRE(node >= 0);
    std::uint32_t phandle = fdt_get_phandle(fdt, node);
    REQUIRE(phandle != 0);
    return phandle;
}

int add_node(void* fdt, const char* parent, const char* name)
{
    const int node = fdt_add_subnode(fdt, test::node_at(fdt, parent), name);
    REQUIRE(node >= 0);
    return node;
}

void set_cells(void* fdt, int node, const char* name, std::initializer_list<std::uint32_t> cells)
{
    std::vector<fdt32_t> value;
    for (std::uint32_t cell : cells) {
        value.push_back(cpu_to_fdt32(cell));
    }
    REQUIRE(fdt_setprop(fdt, node, name, value.data(), static_cast<int>(value.size() * 4)) == 0);
}

// sc7280-idp with `edit(fdt, gic phandle, tlmm phandle)` applied (TLMM: the GPIO
// interrupt controller, 2 cells, not the GIC).
template <typename Edit>
test::Blob sc7280_with(Edit edit)
{
    return test::edited(test::debian_dtb("qcom/sc7280-idp.dtb"), [&](void* fdt) {
        edit(fdt, phandle_of(fdt, "arm,gic-v3"), phandle_of(fdt, "qcom,sc7280-pinctrl"));
    });
}

// Whether any `interrupts` or `interrupts-extended` cell pair reads <0 intid-32>: a
// rough over-approximation of "some specifier names this SPI", independent of the scan.
bool looks_used(const void* fdt, std::uint32_t intid)
{
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        for (const char* name : {"interrupts", "interrupts-extended", "interrupt-map", "qcom,pdc-ranges"}) {
            int length = 0;
            const auto* cells = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, name, &length));
            for (int i = 1; cells != nullptr && i < length / 4; ++i) {
                if (fdt32_to_cpu(cells[i]) == intid - 32 && (fdt32_to_cpu(cells[i - 1]) == 0 || name[0] == 'q')) {
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace

TEST_CASE("SPI set: holds INTIDs 32 to 1019 only", "[board_irqs]")
{
    SpiSet set;
    for (std::uint32_t intid : {0u, 31u, 1020u, 4096u}) {
        set.add(intid);
        CHECK_FALSE(set.has(intid));
    }
    CHECK(count(set) == 0);
    set.add(32);
    set.add(1019);
    set.add(1019);
    CHECK(set.has(32));
    CHECK(set.has(1019));
    CHECK_FALSE(set.has(33));
    CHECK(count(set) == 2);
}

TEST_CASE("board SPI scan: the Qualcomm trees' devices, and link SPIs none of them uses", "[board_irqs]")
{
    for (const char* dtb : boards) {
        INFO(dtb);
        const test::Blob board = test::debian_dtb(dtb);
        const SpiSet used = used_spis(board);
        CHECK(count(used) > 150);
        CHECK(used.has(32 + 0x41));  // the SMMU's first (global) interrupt, SPI 65 on all three
        Diagnostic diag;
        Result<BoardLinkSpis> link = board_link_spis(board.data(), board.size(), 0, diag);
        INFO(diag.c_str());
        REQUIRE(link.ok());
        CHECK(link->rx_intid == 1019);
        CHECK(link->tx_intid == 1018);
        CHECK_FALSE(looks_used(board.data(), 1019));
        CHECK_FALSE(looks_used(board.data(), 1018));
    }
    const SpiSet sc7280 = used_spis(test::debian_dtb("qcom/sc7280-idp.dtb"));
    CHECK(sc7280.has(32 + 606));    // the GENI debug UART, interrupts
    CHECK(sc7280.has(32 + 0x28e));  // the first entry of an interrupts-extended list
    CHECK(sc7280.has(32 + 638));    // PDC pin 159's SPI (qcom,pdc-ranges <159 638 1>)
    // PCIe0's INTA through interrupt-map, to a GIC without #address-cells.
    CHECK(used_spis(test::debian_dtb("qcom/qrb5165-rb5.dtb")).has(32 + 0x95));
}

TEST_CASE("board SPI scan: interrupts go to the controller Linux finds for them", "[board_irqs]")
{
    const test::Blob board = sc7280_with([](void* fdt, std::uint32_t gic, std::uint32_t tlmm) {
        // Inherits the root's interrupt-parent, the GIC.
        set_cells(fdt, add_node(fdt, "/soc@0", "plain"), "interrupts", {0, 987, 4});
        // Its own interrupt-parent, the TLMM: <pin flags>, no SPI.
        const int gpio = add_node(fdt, "/soc@0", "gpio-user");
        set_cells(fdt, gpio, "interrupt-parent", {tlmm});
        set_cells(fdt, gpio, "interrupts", {0, 986});
        // A bus whose interrupt-parent is the TLMM: its children inherit that...
        const int bus = add_node(fdt, "/soc@0", "tlmm-bus");
        set_cells(fdt, bus, "interrupt-parent", {tlmm});
        set_cells(fdt, add_node(fdt, "/soc@0/tlmm-bus", "inherits"), "interrupts", {0, 985});
        // ...unless they name the GIC themselves.
        const int own = add_node(fdt, "/soc@0/tlmm-bus", "own");
        set_cells(fdt, own, "interrupt-parent", {gic});
        set_cells(fdt, own, "interrupts", {0, 984, 4});
        // PPIs and GICv3.1 extended SPIs are never INTIDs 32..1019.
        set_cells(fdt, add_node(fdt, "/soc@0", "other-types"), "interrupts", {1, 977, 4, 2, 977, 4});
    });
    const SpiSet used = used_spis(board);
    CHECK(used.has(32 + 987));
    CHECK_FALSE(used.has(32 + 986));
    CHECK_FALSE(used.has(32 + 985));
    CHECK(used.has(32 + 984));
    CHECK_FALSE(used.has(32 + 977));
}

TEST_CASE("board SPI scan: interrupts-extended, interrupt-map and Qualcomm's PDC and MPM tables", "[board_irqs]")
{
    const test::Blob board = sc7280_with([](void* fdt, std::uint32_t gic, std::uint32_t tlmm) {
        set_cells(fdt, add_node(fdt, "/soc@0", "extended"), "interrupts-extended", {gic, 0, 983, 4, tlmm, 982, 4});
        // A nexus: child unit address 1 cell, specifier 1 cell; the GIC's unit address 2.
        const int nexus = add_node(fdt, "/soc@0", "nexus");
        set_cells(fdt, nexus, "#address-cells", {1});
        set_cells(fdt, nexus, "#interrupt-cells", {1});
        set_cells(fdt, nexus, "interrupt-map", {0, 1, gic, 0, 0, 0, 981, 4, 0, 2, tlmm, 980, 4});
        set_cells(fdt, add_node(fdt, "/soc@0", "pdc"), "qcom,pdc-ranges", {0, 978, 2});
        set_cells(fdt, add_node(fdt, "/soc@0", "mpm"), "qcom,mpm-pin-map", {5, 977});
    });
    const SpiSet used = used_spis(board);
    CHECK(used.has(32 + 983));
    CHECK_FALSE(used.has(32 + 982));
    CHECK(used.has(32 + 981));
    CHECK_FALSE(used.has(32 + 980));
    CHECK(used.has(32 + 978));
    CHECK(used.has(32 + 979));
    CHECK(used.has(32 + 977));
}

TEST_CASE("board link SPIs: the two highest free, skipping the tree's and the console's", "[board_irqs]")
{
    const test::Blob board = sc7280_with([](void* fdt, std::uint32_t gic, std::uint32_t) {
        set_cells(fdt, add_node(fdt, "/soc@0", "top"), "interrupts", {0, 987, 4});
        set_cells(fdt, add_node(fdt, "/soc@0", "next"), "interrupts-extended", {gic, 0, 985, 1});
    });
    Diagnostic diag;
    Result<BoardLinkSpis> link = board_link_spis(board.data(), board.size(), 32 + 606, diag);
    INFO(diag.c_str());
    REQUIRE(link.ok());
    CHECK(link->rx_intid == 1018);
    CHECK(link->tx_intid == 1016);
    Result<BoardLinkSpis> below_console = board_link_spis(board.data(), board.size(), 1018, diag);
    REQUIRE(below_console.ok());
    CHECK(below_console->rx_intid == 1016);
    CHECK(below_console->tx_intid == 1015);
}

TEST_CASE("board link SPIs: refused when the tree leaves fewer than two", "[board_irqs]")
{
    const test::Blob board = sc7280_with([](void* fdt, std::uint32_t, std::uint32_t) {
        std::vector<fdt32_t> all;
        for (std::uint32_t spi = 0; spi < 987; ++spi) {  // every SPI but the last
            for (std::uint32_t cell : {0u, spi, 4u}) {
                all.push_back(cpu_to_fdt32(cell));
            }
        }
        const int node = add_node(fdt, "/soc@0", "greedy");
        REQUIRE(fdt_setprop(fdt, node, "interrupts", all.data(), static_cast<int>(all.size() * 4)) == 0);
    });
    Diagnostic diag;
    Result<BoardLinkSpis> link = board_link_spis(board.data(), board.size(), 0, diag);
    CHECK(link.error() == Error::nomem);
    CHECK_THAT(std::string{diag.c_str()}, Contains("fewer than two SPIs for the RM link"));
}

TEST_CASE("board SPI scan refuses malformed interrupt properties", "[board_irqs]")
{
    std::string why;
    test::Blob board;
    SECTION("interrupts that are not whole specifiers")
    {
        board = sc7280_with([](void* fdt, std::uint32_t, std::uint32_t) {
            set_cells(fdt, add_node(fdt, "/soc@0", "short"), "interrupts", {0, 987});
        });
        why = "node short: bad interrupts (not whole specifiers)";
    }
    SECTION("interrupts-extended naming no node")
    {
        board = sc7280_with([](void* fdt, std::uint32_t, std::uint32_t) {
            set_cells(fdt, add_node(fdt, "/soc@0", "dangling"), "interrupts-extended", {0xdead, 0, 987, 4});
        });
        why = "node dangling: bad phandle (it names no node)";
    }
    SECTION("interrupts-extended naming a node that is no controller")
    {
        board = sc7280_with([](void* fdt, std::uint32_t, std::uint32_t) {
            const std::uint32_t cpu = fdt_get_phandle(fdt, test::node_at(fdt, "/cpus/cpu@0"));
            set_cells(fdt, add_node(fdt, "/soc@0", "odd"), "interrupts-extended", {cpu, 0, 987, 4});
        });
        why = "bad #interrupt-cells (none: not an interrupt controller)";
    }
    SECTION("interrupts-extended cut short")
    {
        board = sc7280_with([](void* fdt, std::uint32_t gic, std::uint32_t) {
            set_cells(fdt, add_node(fdt, "/soc@0", "cut"), "interrupts-extended", {gic, 0, 987});
        });
        why = "node cut: bad interrupts-extended";
    }
    SECTION("interrupt-map cut short")
    {
        board = sc7280_with([](void* fdt, std::uint32_t gic, std::uint32_t) {
            const int nexus = add_node(fdt, "/soc@0", "nexus");
            set_cells(fdt, nexus, "#address-cells", {1});
            set_cells(fdt, nexus, "#interrupt-cells", {1});
            set_cells(fdt, nexus, "interrupt-map", {0, 1, gic, 0, 0, 0, 981});
        });
        why = "node nexus: bad interrupt-map";
    }
    SECTION("an interrupt-parent chain that goes round")
    {
        board = sc7280_with([](void* fdt, std::uint32_t, std::uint32_t) {
            // Neither has #interrupt-cells: each sends the search on to the other.
            add_node(fdt, "/soc@0", "a");
            add_node(fdt, "/soc@0", "b");
            test::set_cells(fdt, "/soc@0/a", "phandle", {0x7001});
            test::set_cells(fdt, "/soc@0/b", "phandle", {0x7002});
            test::set_cells(fdt, "/soc@0/a", "interrupt-parent", {0x7002});
            test::set_cells(fdt, "/soc@0/b", "interrupt-parent", {0x7001});
            test::set_cells(fdt, "/soc@0/a", "interrupts", {0, 987, 4});
        });
        why = "node a: bad interrupt-parent (a chain that does not end)";
    }
    SECTION("no GICv3")
    {
        board = test::edited(test::debian_dtb("qcom/sc7280-idp.dtb"), [](void* fdt) {
            test::set_string(fdt, "/soc@0/interrupt-controller@17a00000", "compatible", "arm,gic-400");
        });
        why = "no arm,gic-v3";
    }
    Scanned s = scan(board);
    CHECK(s.error == Error::arg_inval);
    CHECK_THAT(s.diag, Contains(why));
    Diagnostic diag;
    CHECK(board_link_spis(board.data(), board.size(), 0, diag).error() == Error::arg_inval);
}

TEST_CASE("board SPI scan refuses a tree libfdt refuses", "[board_irqs]")
{
    const test::Blob good = test::debian_dtb("qcom/sc7280-idp.dtb");
    const test::Blob cut(good.begin(), good.begin() + static_cast<long>(good.size() / 2));
    Scanned s = scan(cut);
    CHECK(s.error == Error::arg_inval);
    CHECK_THAT(s.diag, Contains("malformed"));
}
