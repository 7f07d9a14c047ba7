// The primary VM's device tree on a board (rm/dt/board_dt.h), built from Debian's real
// Qualcomm trees (scripts/fetch-guest puts them in .cache/debian/dtbs). What each VM
// would get is dumped as text and compared with tests/fixtures/golden/board_dt/<name>.txt;
// HYP_UPDATE_GOLDEN=1 rewrites those files instead (then review the diff by eye).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

std::filesystem::path golden_path(const std::string& name)
{
    return std::filesystem::path{HYP_GOLDEN_DIR} / "board_dt" / (name + ".txt");
}

void check_golden(const std::string& name, const std::string& text)
{
    const auto path = golden_path(name);
    const char* update = std::getenv("HYP_UPDATE_GOLDEN");
    if (update != nullptr && std::string{update} == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream{path, std::ios::binary} << text;
        WARN("rewrote " << path.string());
        return;
    }
    std::ifstream in{path, std::ios::binary};
    if (!in.good()) {
        FAIL(path.string() << " is missing: run with HYP_UPDATE_GOLDEN=1 and review it");
    }
    const std::string expected{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    // Line by line, so a failure names the first line that differs.
    std::istringstream want{expected};
    std::istringstream got{text};
    std::string a;
    std::string b;
    for (int line = 1; std::getline(want, a) || std::getline(got, b); ++line) {
        if (!std::getline(got, b)) {
            b = "(end of dump)";
        }
        INFO(path.string() << " line " << line);
        REQUIRE(b == a);
        a = "(end of golden file)";
    }
}

void golden_case(const std::string& dtb, const char* memory_path)
{
    const test::Blob board = as_booted(test::debian_dtb(dtb), memory_path);
    BoardDtEdits edits = typical_edits();
    edits.console = board_console(board);
    auto built = build(board, edits, board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    REQUIRE(fdt_check_full(fdt, built->size) == 0);
    // The hypervisor's own discovery reads it as a machine with the same eight CPUs and
    // a PL011 console where the board's UART was, with its interrupt.
    auto found = test::discover(built->buffer.data(), built->size);
    INFO(found->message());
    REQUIRE(found->ok());
    CHECK(found->info.cpu_count == 8);
    CHECK(found->info.console.kind == platform::ConsoleKind::pl011);
    CHECK(found->info.console.regs == test::range(edits.console.regs.base.raw(), 0x1000));
    CHECK(found->info.console.intid == edits.console.intid);
    const std::string name = std::filesystem::path{dtb}.stem().string();
    check_golden(name, dump(fdt));
}

int count_cpus(const void* fdt)
{
    int n = 0;
    int node = 0;
    fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/cpus"))
    {
        n += prop(fdt, node, "device_type") == "\"cpu\"" ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("board DT for sc7280-idp matches its golden dump", "[board_dt]")
{
    golden_case("qcom/sc7280-idp.dtb", "/memory@80000000");
}

TEST_CASE("board DT for qrb5165-rb5 matches its golden dump", "[board_dt]")
{
    golden_case("qcom/qrb5165-rb5.dtb", "/memory@80000000");
}

TEST_CASE("board DT for sm8450-hdk matches its golden dump", "[board_dt]")
{
    golden_case("qcom/sm8450-hdk.dtb", "/memory@a0000000");
}

TEST_CASE("board DT for qcs6490-rb3gen2 matches its golden dump when Debian ships it", "[board_dt]")
{
    const std::string path = std::string{HYP_DEBIAN_DTB_DIR} + "/qcom/qcs6490-rb3gen2.dtb";
    if (!std::filesystem::exists(path)) {
        WARN("skipped: " << path << " is not in this Debian kernel (Debian 12's 6.1 does not ship it)");
        return;
    }
    golden_case("qcom/qcs6490-rb3gen2.dtb", "/memory@80000000");
}

TEST_CASE("board DT keeps the board's PSCI over SMC and its GIC and adds the carve-outs as no-map", "[board_dt]")
{
    const test::Blob board = as_booted(test::debian_dtb("qcom/sc7280-idp.dtb"), "/memory@80000000");
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    CHECK(prop(fdt, test::node_at(fdt, "/psci"), "method") == "\"smc\"");
    const int hyp = test::node_at(fdt, "/reserved-memory/gunyah-hyp@80000000");
    CHECK(has(fdt, hyp, "no-map"));
    CHECK(reg_text(fdt, hyp) == "[0x80000000, +0x600000)");
    // /memory stays as the boot loader wrote it.
    CHECK(reg_text(fdt, test::node_at(fdt, "/memory@80000000")) == "[0x80000000, +0x200000000)");
    // The boot loader's view of /chosen is gone.
    CHECK(fdt_path_offset(fdt, "/chosen/module@a2400000") < 0);
    CHECK(prop(fdt, test::node_at(fdt, "/chosen"), "bootargs") ==
          "\"console=ttyMSM0,115200n8 earlycon rdinit=/sbin/init\"");
}

TEST_CASE("board DT drops the CPUs the VM does not get with their cpu-map and cooling entries", "[board_dt]")
{
    const test::Blob board = as_booted(test::debian_dtb("qcom/sc7280-idp.dtb"), "/memory@80000000");
    BoardDtEdits edits = typical_edits(0);
    // CPUs 0, 1 and 4 (MPIDR 0x0, 0x100, 0x400): a little and a big core stay in each map.
    edits.cpu_mpidrs[0] = 0x0;
    edits.cpu_mpidrs[1] = 0x400;
    edits.cpu_mpidrs[2] = 0x100;
    edits.cpu_count = 3;
    auto built = build(board, edits, board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    CHECK(count_cpus(fdt) == 3);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@0") >= 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@100") >= 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@400") >= 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@200") < 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@700") < 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core0") >= 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core4") >= 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core2") < 0);
    const std::string text = dump(fdt);
    CHECK_THAT(text, !Contains("(dangling)"));
    CHECK_THAT(text, Contains("map0: cpu@0 cpu@100\n"));
    CHECK_THAT(text, !Contains("cpu@200"));
    // Every cooling-device entry still names a node: no phandle left dangling.
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        int len = 0;
        const auto* v = static_cast<const unsigned char*>(fdt_getprop(fdt, node, "cooling-device", &len));
        if (v != nullptr) {
            REQUIRE(len % 12 == 0);
            for (int at = 0; at < len; at += 12) {
                CHECK(fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(v + at, 1))) >= 0);
            }
        }
    }
    auto found = test::discover(built->buffer.data(), built->size);
    REQUIRE(found->ok());
    CHECK(found->info.cpu_count == 3);
}

TEST_CASE("board DT refuses a kept MPIDR the board does not have", "[board_dt]")
{
    const test::Blob board = test::debian_dtb("qcom/sc7280-idp.dtb");
    BoardDtEdits edits = typical_edits();
    edits.cpu_mpidrs[7] = 0x10000;
    auto built = build(board, edits, board.size() + 4096);
    REQUIRE(built->error == Error::arg_inval);
    CHECK_THAT(std::string{built->diag.c_str()}, Contains("no CPU with MPIDR 0x10000"));
    CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
}

TEST_CASE("board DT refuses a malformed board tree and leaves no tree behind", "[board_dt]")
{
    const test::Blob good = test::debian_dtb("qcom/sc7280-idp.dtb");
    const BoardDtEdits edits = typical_edits();
    SECTION("truncated")
    {
        const test::Blob cut(good.begin(), good.begin() + static_cast<long>(good.size() / 2));
        auto built = build(cut, edits, good.size() + 4096);
        CHECK(built->error == Error::arg_inval);
        CHECK_THAT(std::string{built->diag.c_str()}, Contains("malformed"));
        CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
    }
    SECTION("bad magic")
    {
        test::Blob bad = good;
        bad[0] ^= 0xff;
        auto built = build(bad, edits, good.size() + 4096);
        CHECK(built->error == Error::arg_inval);
        CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
    }
    SECTION("structure block corrupted")
    {
        test::Blob bad = good;
        const std::size_t at = fdt_off_dt_struct(good.data()) + 64;
        for (std::size_t i = 0; i < 16; ++i) {
            bad[at + i] = 0xee;
        }
        auto built = build(bad, edits, good.size() + 4096);
        CHECK(built->error == Error::arg_inval);
        CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
    }
    SECTION("too short for a header")
    {
        const test::Blob tiny(good.begin(), good.begin() + 8);
        auto built = build(tiny, edits, good.size() + 4096);
        CHECK(built->error == Error::arg_inval);
    }
}

TEST_CASE("board DT refuses a buffer too small and leaves no tree behind", "[board_dt]")
{
    const test::Blob board = as_booted(test::debian_dtb("qcom/sm8450-hdk.dtb"), "/memory@a0000000");
    auto fits = build(board, typical_edits(), board.size() + 4096);
    REQUIRE(fits->ok());
    const std::size_t needed = fits->size;
    for (std::size_t capacity : {std::size_t{64}, board.size() - 8, needed - 8}) {
        INFO("capacity " << capacity);
        auto built = build(board, typical_edits(), capacity);
        CHECK(built->error == Error::nomem);
        CHECK_THAT(std::string{built->diag.c_str()}, Contains("does not fit"));
        CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
    }
}

TEST_CASE("board DT refuses carve-outs that overlap each other or the initrd", "[board_dt]")
{
    const test::Blob board = test::debian_dtb("qcom/sc7280-idp.dtb");
    BoardDtEdits edits = typical_edits();
    SECTION("two carve-outs overlap")
    {
        edits.carve_outs[1].range = IpaRange{Ipa{hyp_base + hyp_size - 0x1000}, 0x2000};
    }
    SECTION("the initrd lies in a carve-out")
    {
        edits.initrd = IpaRange{Ipa{rm_base + 0x1000}, 0x1000};
    }
    SECTION("a carve-out wraps")
    {
        edits.carve_outs[1].range = IpaRange{Ipa{~std::uint64_t{0} - 0xfff}, 0x2000};
    }
    SECTION("a carve-out has an unusable node name")
    {
        edits.carve_outs[1].name = "Gunyah RM";
    }
    auto built = build(board, edits, board.size() + 4096);
    CHECK(built->error == Error::arg_inval);
    CHECK(fdt_magic(built->buffer.data()) != FDT_MAGIC);
}

TEST_CASE("board DT accepts a carve-out over a board no-map region but not over one without no-map",
          "[board_dt]")
{
    // qrb5165-rb5 reserves 0x80000000 +6M no-map (Gunyah's hyp_mem) where gunyah-hyp goes.
    const test::Blob board = test::debian_dtb("qcom/qrb5165-rb5.dtb");
    auto shared = build(board, typical_edits(), board.size() + 4096);
    INFO(shared->diag.c_str());
    REQUIRE(shared->ok());
    CHECK(fdt_path_offset(shared->buffer.data(), "/reserved-memory/memory@80000000") >= 0);
    CHECK(fdt_path_offset(shared->buffer.data(), "/reserved-memory/gunyah-hyp@80000000") >= 0);

    // The same region reserved for a driver (mapped, not no-map): Linux would keep it.
    const test::Blob mapped = test::edited(board, [](void* fdt) {
        test::delete_prop(fdt, "/reserved-memory/memory@80000000", "no-map");
    });
    auto refused = build(mapped, typical_edits(), board.size() + 4096);
    CHECK(refused->error == Error::arg_inval);
    CHECK_THAT(std::string{refused->diag.c_str()}, Contains("without no-map"));
    CHECK(fdt_magic(refused->buffer.data()) != FDT_MAGIC);

    // A /memreserve/ entry is the same: Linux reserves it mapped.
    const test::Blob memreserved = test::edited(board, [](void* fdt) {
        REQUIRE(fdt_add_mem_rsv(fdt, rm_base + 0x200000, 0x1000) == 0);
    });
    auto refused_rsv = build(memreserved, typical_edits(), board.size() + 4096);
    CHECK(refused_rsv->error == Error::arg_inval);
    CHECK_THAT(std::string{refused_rsv->diag.c_str()}, Contains("/memreserve/"));
}

TEST_CASE("board DT makes /reserved-memory and /chosen when the board has none", "[board_dt]")
{
    const test::Blob board = test::edited(test::debian_dtb("qcom/sc7280-idp.dtb"), [](void* fdt) {
        test::delete_node(fdt, "/reserved-memory");
        test::delete_node(fdt, "/chosen");
    });
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    const int reserved = test::node_at(fdt, "/reserved-memory");
    CHECK(prop(fdt, reserved, "#address-cells") == "<0x2>");
    CHECK(has(fdt, reserved, "ranges"));
    int n = 0;
    int node = 0;
    fdt_for_each_subnode(node, fdt, reserved) { ++n; }
    CHECK(n == 2);
    CHECK(prop(fdt, test::node_at(fdt, "/chosen"), "linux,initrd-start") == "<0x0 0xa1000000>");
}

TEST_CASE("board DT refuses RM queue interrupts that are not two distinct SPIs", "[board_dt]")
{
    const test::Blob board = test::debian_dtb("qcom/sc7280-idp.dtb");
    BoardDtEdits edits = typical_edits();
    edits.rm_link.rx_intid = edits.rm_link.tx_intid;
    auto built = build(board, edits, board.size() + 4096);
    CHECK(built->error == Error::arg_inval);
    edits.rm_link.rx_intid = 27;  // a PPI
    built = build(board, edits, board.size() + 4096);
    CHECK(built->error == Error::arg_inval);
}
