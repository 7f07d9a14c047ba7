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

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/dt/board_dt.h"
#include "rm/dt/libfdt.h"
#include "rm/vm/primary_vm.h"
#include "rm/vm/rm_link.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
using Catch::Matchers::Contains;

namespace {

// ---- the dump: what Linux in the primary VM reads, in a fixed order ----------------

std::string hex(std::uint64_t v)
{
    char text[24];
    std::snprintf(text, sizeof text, "%#llx", static_cast<unsigned long long>(v));
    return v == 0 ? "0x0" : text;
}

// A 1- or 2-cell big-endian value.
std::uint64_t cells_at(const void* p, int cells)
{
    return cells == 2 ? fdt64_ld(static_cast<const fdt64_t*>(p)) : fdt32_ld(static_cast<const fdt32_t*>(p));
}

bool printable_strings(const char* v, int len)
{
    if (len <= 0 || v[len - 1] != '\0' || v[0] == '\0') {
        return false;
    }
    for (int i = 0; i < len; ++i) {
        const unsigned char c = static_cast<unsigned char>(v[i]);
        if (c == '\0') {
            if (i > 0 && v[i - 1] == '\0') {
                return false;
            }
        } else if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

// A property's value: "a", "b" for string lists, <0x1 0x2> for cells, [..] else.
std::string value_text(const void* value, int len)
{
    const char* v = static_cast<const char*>(value);
    std::string out;
    if (len == 0) {
        return "(empty)";
    }
    if (printable_strings(v, len)) {
        for (int i = 0; i < len; i += static_cast<int>(std::strlen(v + i)) + 1) {
            out += (out.empty() ? "\"" : ", \"") + std::string{v + i} + "\"";
        }
        return out;
    }
    if (len % 4 == 0) {
        out = "<";
        for (int i = 0; i < len; i += 4) {
            out += (i ? " " : "") + hex(cells_at(v + i, 1));
        }
        return out + ">";
    }
    out = "[";
    for (int i = 0; i < len; ++i) {
        char byte[4];
        std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned char>(v[i]));
        out += byte;
    }
    return out + "]";
}

// reg as [base, +size) entries, with the parent's cells.
std::string reg_text(const void* fdt, int node)
{
    const int parent = fdt_parent_offset(fdt, node);
    const int ac = fdt_address_cells(fdt, parent);
    const int sc = fdt_size_cells(fdt, parent);
    int len = 0;
    const auto* reg = static_cast<const unsigned char*>(fdt_getprop(fdt, node, "reg", &len));
    if (reg == nullptr) {
        return "(no reg)";
    }
    const int entry = (ac + sc) * 4;
    std::string out;
    for (int at = 0; entry > 0 && at + entry <= len; at += entry) {
        out += (at ? " " : "") + std::string{"["} + hex(cells_at(reg + at, ac)) + ", +" +
               hex(cells_at(reg + at + ac * 4, sc)) + ")";
    }
    return out;
}

std::string prop(const void* fdt, int node, const char* name)
{
    int len = 0;
    const void* v = fdt_getprop(fdt, node, name, &len);
    return v == nullptr ? "(none)" : value_text(v, len);
}

bool has(const void* fdt, int node, const char* name) { return fdt_getprop(fdt, node, name, nullptr) != nullptr; }

std::string path_of(const void* fdt, int node)
{
    char path[256];
    return fdt_get_path(fdt, node, path, sizeof path) == 0 ? path : "?";
}

// Every property and child, indented: for the nodes the RM writes itself.
void dump_node(std::ostringstream& out, const void* fdt, int node, const std::string& indent)
{
    out << indent << fdt_get_name(fdt, node, nullptr) << " {\n";
    int p = 0;
    fdt_for_each_property_offset(p, fdt, node)
    {
        const char* name = nullptr;
        int len = 0;
        const void* v = fdt_getprop_by_offset(fdt, p, &name, &len);
        out << indent << "  " << name << " = " << value_text(v, len) << "\n";
    }
    int child = 0;
    fdt_for_each_subnode(child, fdt, node) { dump_node(out, fdt, child, indent + "  "); }
    out << indent << "}\n";
}

std::string dump(const void* fdt)
{
    std::ostringstream out;
    out << "# What the primary VM gets from this board's DT (rm/dt/board_dt.h); tests/unit/test_board_dt.cpp\n";
    out << "model: " << prop(fdt, 0, "model") << "\n";
    out << "interrupt-parent: " << prop(fdt, 0, "interrupt-parent") << "\n";
    out << "memreserve:";
    for (int i = 0; i < fdt_num_mem_rsv(fdt); ++i) {
        std::uint64_t base = 0;
        std::uint64_t size = 0;
        fdt_get_mem_rsv(fdt, i, &base, &size);
        out << " [" << hex(base) << ", +" << hex(size) << ")";
    }
    out << (fdt_num_mem_rsv(fdt) == 0 ? " none\n" : "\n");

    out << "\n[memory]\n";
    int node = 0;
    fdt_for_each_subnode(node, fdt, 0)
    {
        if (prop(fdt, node, "device_type") == "\"memory\"") {
            out << path_of(fdt, node) << " reg " << reg_text(fdt, node) << "\n";
        }
    }

    out << "\n[reserved-memory]\n";
    const int reserved = fdt_path_offset(fdt, "/reserved-memory");
    if (reserved >= 0) {
        out << "#address-cells " << prop(fdt, reserved, "#address-cells") << " #size-cells "
            << prop(fdt, reserved, "#size-cells") << " ranges " << prop(fdt, reserved, "ranges") << "\n";
        fdt_for_each_subnode(node, fdt, reserved)
        {
            out << fdt_get_name(fdt, node, nullptr) << " reg " << reg_text(fdt, node);
            for (const char* flag : {"no-map", "reusable"}) {
                if (has(fdt, node, flag)) {
                    out << " " << flag;
                }
            }
            for (const char* name : {"compatible", "size", "status"}) {
                if (has(fdt, node, name)) {
                    out << " " << name << " " << prop(fdt, node, name);
                }
            }
            out << "\n";
        }
    }

    out << "\n[cpus]\n";
    const int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus >= 0) {
        const int ac = fdt_address_cells(fdt, cpus);
        fdt_for_each_subnode(node, fdt, cpus)
        {
            if (prop(fdt, node, "device_type") != "\"cpu\"") {
                continue;
            }
            int len = 0;
            const void* reg = fdt_getprop(fdt, node, "reg", &len);
            out << fdt_get_name(fdt, node, nullptr) << " mpidr " << (reg ? hex(cells_at(reg, ac)) : "?")
                << " phandle " << hex(fdt_get_phandle(fdt, node)) << " compatible " << prop(fdt, node, "compatible")
                << " enable-method " << prop(fdt, node, "enable-method") << "\n";
        }
        // cpu-map leaves, as path -> cpu node.
        const int map = fdt_subnode_offset(fdt, cpus, "cpu-map");
        for (int n = map; map >= 0 && n >= 0; n = fdt_next_node(fdt, n, nullptr)) {
            if (n != map && path_of(fdt, n).rfind("/cpus/cpu-map/", 0) != 0) {
                break;
            }
            int len = 0;
            const void* cpu = fdt_getprop(fdt, n, "cpu", &len);
            if (cpu != nullptr && len == 4) {
                const int target = fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(cpu, 1)));
                out << path_of(fdt, n) << " -> " << (target >= 0 ? path_of(fdt, target) : "(dangling)") << "\n";
            }
        }
    }

    // Thermal maps that cool CPUs, as the CPU nodes they name.
    out << "\n[cooling maps naming CPUs]\n";
    for (node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        int len = 0;
        const auto* v = static_cast<const unsigned char*>(fdt_getprop(fdt, node, "cooling-device", &len));
        if (v == nullptr) {
            continue;
        }
        std::string names;
        for (int at = 0; at + 4 <= len;) {
            const int target = fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(v + at, 1)));
            int cl = 0;
            const void* cells = target >= 0 ? fdt_getprop(fdt, target, "#cooling-cells", &cl) : nullptr;
            if (target >= 0 && prop(fdt, target, "device_type") == "\"cpu\"") {
                names += " " + std::string{fdt_get_name(fdt, target, nullptr)};
            }
            at += 4 + (cells != nullptr && cl == 4 ? static_cast<int>(cells_at(cells, 1)) * 4 : len);
        }
        if (!names.empty()) {
            out << path_of(fdt, node) << ":" << names << "\n";
        }
    }

    out << "\n[psci]\n";
    const int psci = fdt_path_offset(fdt, "/psci");
    if (psci >= 0) {
        out << "compatible " << prop(fdt, psci, "compatible") << " method " << prop(fdt, psci, "method") << "\n";
    }

    out << "\n[gic]\n";
    for (node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3"); node >= 0;
         node = fdt_node_offset_by_compatible(fdt, node, "arm,gic-v3")) {
        out << path_of(fdt, node) << " phandle " << hex(fdt_get_phandle(fdt, node)) << " #interrupt-cells "
            << prop(fdt, node, "#interrupt-cells") << " reg " << reg_text(fdt, node) << "\n";
    }

    out << "\n[hypervisor]\n";
    const int hypervisor = fdt_path_offset(fdt, "/hypervisor");
    if (hypervisor >= 0) {
        dump_node(out, fdt, hypervisor, "");
    }

    out << "\n[chosen]\n";
    const int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen >= 0) {
        dump_node(out, fdt, chosen, "");
    }
    return out.str();
}

// ---- the edits every board gets in these tests -------------------------------------

// The hypervisor where Gunyah's hyp_mem sits on these SoCs, and the RM's own memory.
constexpr std::uint64_t hyp_base = 0x80000000;
constexpr std::uint64_t hyp_size = 0x600000;
constexpr std::uint64_t rm_base = 0xa0000000;
constexpr std::uint64_t rm_size = 0x400000;

BoardDtEdits typical_edits(std::size_t cpus = 8)
{
    BoardDtEdits edits;
    edits.carve_outs[0] = {"gunyah-hyp", IpaRange{Ipa{hyp_base}, hyp_size}};
    edits.carve_outs[1] = {"gunyah-rm", IpaRange{Ipa{rm_base}, rm_size}};
    edits.carve_out_count = 2;
    for (std::size_t i = 0; i < cpus; ++i) {
        edits.cpu_mpidrs[i] = i * 0x100;  // the Qualcomm trees' 0x000..0x700
    }
    edits.cpu_count = cpus;
    RmLinkNode& link = edits.rm_link;
    link.present = true;
    link.tx_cap = 0x12;
    link.rx_cap = 0x13;
    link.tx_intid = primary_rm_tx_intid;
    link.rx_intid = primary_rm_rx_intid;
    link.vmid = GUNYAH_RM_VMID_HLOS;
    link.message_size = rm_link_message_size;
    link.queue_depth = rm_link_queue_depth;
    edits.bootargs = "console=ttyMSM0,115200n8 earlycon rdinit=/sbin/init";
    edits.initrd = IpaRange{Ipa{0xa1000000}, 0x1234000};
    return edits;
}

// The board's /memory as XBL would fill it in (8 GiB), and a guest-loader style /chosen
// (the hypervisor's bootargs and its boot modules) that the VM must not inherit.
test::Blob as_booted(const test::Blob& blob, const char* memory_path)
{
    return test::edited(blob, [memory_path](void* fdt) {
        const int memory = test::node_at(fdt, memory_path);
        const std::uint64_t base = cells_at(fdt_getprop(fdt, memory, "reg", nullptr), 2);
        test::set_cells(fdt, memory_path, "reg",
                        {static_cast<std::uint32_t>(base >> 32), static_cast<std::uint32_t>(base), 0x2, 0x0});
        test::set_string(fdt, "/chosen", "bootargs", "hyp.log=debug");
        const int chosen = test::node_at(fdt, "/chosen");
        const int module = fdt_add_subnode(fdt, chosen, "module@a2400000");
        REQUIRE(module >= 0);
        REQUIRE(fdt_setprop(fdt, module, "compatible", "multiboot,kernel\0multiboot,module", 34) == 0);
        test::set_cells(fdt, "/chosen/module@a2400000", "reg", {0x0, 0xa2400000, 0x0, 0x2000000});
    });
}

struct Built {
    std::vector<std::uint8_t> buffer;
    Error error = Error::failure;
    std::size_t size = 0;
    Diagnostic diag;

    [[nodiscard]] bool ok() const { return error == Error::ok; }
};

std::unique_ptr<Built> build(const test::Blob& board, const BoardDtEdits& edits, std::size_t capacity)
{
    auto built = std::make_unique<Built>();
    built->buffer.assign(capacity, 0xa5);
    Result<std::size_t> size =
        build_board_dt(board.data(), board.size(), edits, built->buffer.data(), capacity, built->diag);
    built->error = size.error();
    built->size = size ? *size : 0;
    return built;
}

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
    auto built = build(board, typical_edits(), board.size() + 4096);
    INFO(built->diag.c_str());
    REQUIRE(built->ok());
    const void* fdt = built->buffer.data();
    REQUIRE(fdt_check_full(fdt, built->size) == 0);
    // The hypervisor's own discovery reads it as a machine with the same eight CPUs.
    auto found = test::discover(built->buffer.data(), built->size);
    INFO(found->message());
    REQUIRE(found->ok());
    CHECK(found->info.cpu_count == 8);
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
