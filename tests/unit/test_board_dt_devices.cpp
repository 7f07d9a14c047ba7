// The board DT editor's device step (rm/dt/board_dt_devices.cpp) on Debian's real
// Qualcomm trees: the SMMUs and the GIC's ITS disabled, the nodes that name them left
// alone.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "rm/dt/board_dt.h"
#include "rm/dt/libfdt.h"
#include "tests/unit/board_dt_dump.h"
#include "tests/unit/board_dt_fixture.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
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

test::Blob sc7280() { return as_booted(test::debian_dtb("qcom/sc7280-idp.dtb"), "/memory@80000000"); }

// Every node's path mapped to its value of `name` ("(none)" when it has none).
std::map<std::string, std::string> by_path(const void* fdt, const char* name)
{
    std::map<std::string, std::string> values;
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        values[path_of(fdt, node)] = prop(fdt, node, name);
    }
    return values;
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
