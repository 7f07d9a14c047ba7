// The board DT editor's device step (see board_dt.h). The VM gets every device's MMIO at
// IPA = PA except what the hypervisor keeps: the GIC with its children, the console UART
// and every SMMU. The VM sees a virtual GIC and a virtual PL011 where the first two were;
// the rest it must not probe:
//   - every SMMU node and every ITS under the GIC (the virtual GIC has none) is disabled.
//     The nodes that name them stay as they are. A device whose `iommus` names a
//     disabled SMMU still probes, untranslated: Linux's of_iommu_xlate() answers -ENODEV
//     (NO_IOMMU in older kernels, 6.1 among them) for an unavailable IOMMU node,
//     of_dma_configure_id() takes any answer but -EPROBE_DEFER as "not behind an IOMMU",
//     and fw_devlink links no consumer to a disabled supplier. (A driver may still refuse
//     to run without translation; that is its own probe failing, not the core's.) A
//     device whose msi-parent or msi-map names the ITS finds no MSI domain and is left to
//     its wired interrupts (none of the Qualcomm trees the tests use has either property).
//   - the console UART's node becomes the virtual PL011 (rewrite_console).
#include <cstring>

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm::board_dt_detail {
namespace {

// Linux's arm-smmu and arm-smmu-v3 drivers' compatibles. Qualcomm's SoC-specific names
// ("qcom,sc7280-smmu-500", "qcom,msm8996-smmu-v2") come with one of these in the real
// trees, and are matched by pattern as well in case one does not.
constexpr const char* smmu_compatibles[] = {
    "arm,smmu-v1", "arm,smmu-v2",   "arm,mmu-400",  "arm,mmu-401",      "arm,mmu-500",
    "arm,smmu-v3", "qcom,smmu-v2", "qcom,smmu-500", "qcom,adreno-smmu", "nvidia,smmu-500",
};

bool ends_with(const char* text, int length, const char* suffix)
{
    const int n = static_cast<int>(std::strlen(suffix));
    return length >= n && std::memcmp(text + length - n, suffix, static_cast<std::size_t>(n)) == 0;
}

bool is_smmu(const void* fdt, int node)
{
    int length = 0;
    for (int i = 0; const char* compatible = fdt_stringlist_get(fdt, node, "compatible", i, &length); ++i) {
        for (const char* known : smmu_compatibles) {
            if (std::strlen(known) == static_cast<std::size_t>(length) &&
                std::memcmp(compatible, known, static_cast<std::size_t>(length)) == 0) {
                return true;
            }
        }
        if (length > 5 && std::memcmp(compatible, "qcom,", 5) == 0 &&
            (ends_with(compatible, length, "-smmu-500") || ends_with(compatible, length, "-smmu-v2"))) {
            return true;
        }
    }
    return false;
}

Status disable(Tree& tree, int node)
{
    // The node's own offset does not move, so a walk from it goes on.
    return fdt_result(tree, fdt_setprop_string(tree.fdt, node, "status", "disabled"), "disabling a device");
}

// ---- the console ---------------------------------------------------------------------

constexpr int max_depth = 32;
constexpr std::size_t uart_scratch_size = 1024;  // the PL011 and its clock take about 600 bytes
constexpr std::size_t max_path = 256;  // sc7280's console path is 36 bytes

// Node `path[depth]`'s first reg address as the CPU sees it: through each ancestor's
// ranges, as Linux translates on the simple buses these trees use. False when it has no
// reg, or one or a bus on the way needs more than two cells, or a bus has no ranges or
// ranges that do not cover it.
bool first_reg_address(const void* fdt, const int* path, int depth, std::uint64_t& address)
{
    int length = 0;
    const void* reg = depth < 1 ? nullptr : fdt_getprop(fdt, path[depth], "reg", &length);
    const int address_cells = depth < 1 ? 0 : fdt_address_cells(fdt, path[depth - 1]);
    const int size_cells = depth < 1 ? 0 : fdt_size_cells(fdt, path[depth - 1]);
    if (reg == nullptr || address_cells < 1 || address_cells > 2 || size_cells < 0 ||
        length < (address_cells + size_cells) * 4) {
        return false;
    }
    address = read_cells(reg, address_cells);
    for (int d = depth - 1; d >= 1; --d) {
        int ranges_length = 0;
        const auto* ranges = static_cast<const unsigned char*>(fdt_getprop(fdt, path[d], "ranges", &ranges_length));
        if (ranges == nullptr) {
            return false;
        }
        if (ranges_length == 0) {
            continue;  // the same addresses on both sides
        }
        const int child = fdt_address_cells(fdt, path[d]);
        const int parent = fdt_address_cells(fdt, path[d - 1]);
        const int size = fdt_size_cells(fdt, path[d]);
        if (child < 1 || child > 2 || parent < 1 || parent > 2 || size < 1 || size > 2) {
            return false;
        }
        const int entry = (child + parent + size) * 4;
        bool covered = false;
        for (int at = 0; !covered && at + entry <= ranges_length; at += entry) {
            const std::uint64_t from = read_cells(ranges + at, child);
            const std::uint64_t to = read_cells(ranges + at + child * 4, parent);
            const std::uint64_t bytes = read_cells(ranges + at + (child + parent) * 4, size);
            covered = address >= from && address - from < bytes;
            address = covered ? address - from + to : address;
        }
        if (!covered) {
            return false;
        }
    }
    return true;
}

// The node /chosen's stdout-path (else linux,stdout-path) names, options after ':' left
// out; -1 when none. An alias must hold a path: libfdt's fdt_path_offset() follows aliases
// of aliases, and a loop in a hostile tree would exhaust the stack.
int stdout_node(const void* fdt)
{
    const int chosen = fdt_path_offset(fdt, "/chosen");
    for (const char* property : {"stdout-path", "linux,stdout-path"}) {
        int length = 0;
        const char* value = chosen < 0 ? nullptr : static_cast<const char*>(fdt_getprop(fdt, chosen, property, &length));
        if (value == nullptr || length < 2 || value[length - 1] != '\0') {
            continue;
        }
        const char* colon = std::strchr(value, ':');
        int n = colon != nullptr ? static_cast<int>(colon - value) : length - 1;
        const char* path = value;
        if (value[0] != '/') {
            path = fdt_get_alias_namelen(fdt, value, n);  // its value, not followed further
            n = path == nullptr ? 0 : static_cast<int>(std::strlen(path));
        }
        const int node = n > 0 && path[0] == '/' ? fdt_path_offset_namelen(fdt, path, n) : -1;
        if (node >= 0) {
            return node;
        }
    }
    return -1;
}

struct ConsoleNode {
    int node = -1;
    int parent = -1;
};

// The node at the console's address: the one stdout-path names when it is one of them,
// else the only enabled one (Qualcomm trees put an I2C and an SPI controller, disabled,
// at each serial engine's address too). Nodes nested deeper than max_depth are not
// looked at (real trees nest 6 deep).
Result<ConsoleNode> find_console(Tree& tree, std::uint64_t base)
{
    const int named = stdout_node(tree.fdt);
    int path[max_depth] = {};
    int depth = 0;
    int enabled = 0;
    ConsoleNode found;
    int node = 0;
    for (; node >= 0 && depth >= 0; node = fdt_next_node(tree.fdt, node, &depth)) {  // < 0: past the root
        if (depth >= max_depth) {
            continue;
        }
        path[depth] = node;
        std::uint64_t address = 0;
        if (!first_reg_address(tree.fdt, path, depth, address) || address != base) {
            continue;
        }
        if (node == named) {
            return ConsoleNode{node, path[depth - 1]};
        }
        if (!disabled(tree.fdt, node)) {
            ++enabled;
            found = ConsoleNode{node, path[depth - 1]};
        }
    }
    if (node < 0 && node != -FDT_ERR_NOTFOUND) {
        return fail(fdt_result(tree, node, "looking for the console").error());
    }
    if (enabled != 1) {
        return refuse(tree.diag, Error::arg_inval,
                      "board DT has no node at the console's address {:#x} that stdout-path names or that alone is "
                      "enabled ({} enabled)", base, enabled);
    }
    return found;
}

// Properties the console node keeps: what other nodes and its children rely on.
// Everything else described the board's UART (clocks, pins, power domain,
// interconnects, operating points, DMA channels, a wake-up interrupt, qcom,* settings)
// and would have Linux's PL011 driver reach for hardware the VM does not have.
bool kept_property(const char* name)
{
    for (const char* kept : {"phandle", "linux,phandle", "#address-cells", "#size-cells"}) {
        if (std::strcmp(name, kept) == 0) {
            return true;
        }
    }
    return false;
}

Status strip(Tree& tree, int node)
{
    for (;;) {
        const char* doomed = nullptr;
        int property = 0;
        fdt_for_each_property_offset(property, tree.fdt, node)
        {
            const char* name = nullptr;
            if (fdt_getprop_by_offset(tree.fdt, property, &name, nullptr) != nullptr && !kept_property(name)) {
                doomed = name;
                break;
            }
        }
        if (doomed == nullptr) {
            return success();
        }
        Status s = fdt_result(tree, fdt_delprop(tree.fdt, node, doomed), "clearing the console node");
        if (!s) {
            return s;
        }
    }
}

// The node's new reg: its first entry's address as the board wrote it (in its bus's
// addresses), and the virtual PL011's size.
Status console_reg(Tree& tree, const ConsoleNode& console, std::uint64_t size, fdt32_t (&cells)[4], int& count)
{
    const int address_cells = fdt_address_cells(tree.fdt, console.parent);  // 1 or 2: find_console matched it
    const int size_cells = fdt_size_cells(tree.fdt, console.parent);
    if (size_cells < 1 || size_cells > 2 || (size_cells == 1 && (size >> 32) != 0)) {
        return refuse(tree.diag, Error::arg_inval, "board DT: the console's bus has #size-cells {}", size_cells);
    }
    std::memcpy(cells, fdt_getprop(tree.fdt, console.node, "reg", nullptr), static_cast<std::size_t>(address_cells) * 4);
    cells[address_cells] = cpu_to_fdt32(static_cast<std::uint32_t>(size_cells == 2 ? size >> 32 : size));
    cells[address_cells + 1] = cpu_to_fdt32(static_cast<std::uint32_t>(size));
    count = address_cells + size_cells;
    return success();
}

}  // namespace

Status disable_kept_devices(Tree& tree)
{
    int node = fdt_next_node(tree.fdt, -1, nullptr);
    for (; node >= 0; node = fdt_next_node(tree.fdt, node, nullptr)) {
        if (is_smmu(tree.fdt, node)) {
            if (Status s = disable(tree, node); !s) {
                return s;
            }
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return fdt_result(tree, node, "looking for SMMUs");
    }
    const int gic = find_gic(tree.fdt);
    if (gic < 0) {
        return success();  // no GIC, no ITS (a console or /hypervisor refuses such a tree)
    }
    int child = 0;
    fdt_for_each_subnode(child, tree.fdt, gic)
    {
        if (fdt_node_check_compatible(tree.fdt, child, "arm,gic-v3-its") == 0 ||
            fdt_getprop(tree.fdt, child, "msi-controller", nullptr) != nullptr) {
            if (Status s = disable(tree, child); !s) {
                return s;
            }
        }
    }
    return success();
}

// The virtual PL011 as build_primary_dt() writes it (build_uart_dt), its clock a new
// root node of its own name with the next free phandle, its interrupt in the GIC's
// 3-cell form.
Status rewrite_console(Tree& tree, const BoardDtEdits& edits)
{
    const BoardDtEdits::Console& console = edits.console;
    if (console.regs.empty()) {
        return success();
    }
    Result<std::uint32_t> gic = gic_phandle(tree);
    if (!gic) {
        return fail(gic.error());
    }
    std::uint32_t max_phandle = 0;
    Status s = fdt_result(tree, fdt_find_max_phandle(tree.fdt, &max_phandle), "looking for a free phandle");
    if (s && max_phandle >= FDT_MAX_PHANDLE) {
        return refuse(tree.diag, Error::arg_inval, "board DT has no free phandle for the console's clock");
    }
    alignas(8) unsigned char scratch[uart_scratch_size];
    UartNode uart;
    uart.regs = console.regs;
    uart.intid = console.intid;
    uart.clock_phandle = max_phandle + 1;
    uart.clock_node = "gunyah-vpl011-clock";  // boards may have an apb-pclk (QEMU's tree does)
    Result<std::size_t> built =
        s ? build_uart_dt(uart, scratch, sizeof scratch, tree.diag) : Result<std::size_t>{fail(s.error())};
    Result<ConsoleNode> found =
        built ? find_console(tree, console.regs.base.raw()) : Result<ConsoleNode>{fail(built.error())};
    if (!found) {
        return fail(found.error());
    }
    char path[max_path];
    s = fdt_result(tree, fdt_get_path(tree.fdt, found->node, path, sizeof path), "the console's path");
    fdt32_t reg[4] = {};
    int reg_cells = 0;
    if (s) {
        s = console_reg(tree, *found, console.regs.size, reg, reg_cells);
    }
    // New properties go first: written last to first.
    if (s) {
        s = strip(tree, found->node);
    }
    if (s) {
        s = fdt_result(tree, fdt_setprop_string(tree.fdt, found->node, "status", "okay"), "console status");
    }
    if (s) {
        s = fdt_result(tree, fdt_setprop_u32(tree.fdt, found->node, "interrupt-parent", *gic), "console interrupt-parent");
    }
    if (s) {
        s = fdt_result(tree, fdt_setprop(tree.fdt, found->node, "reg", reg, reg_cells * 4), "console reg");
    }
    const int pl011 = fdt_first_subnode(scratch, 0);
    if (s) {
        s = copy_properties(tree, scratch, pl011, found->node, "reg");
    }
    // Offsets move from here on: /chosen and the clock are found by name.
    const int chosen = s ? fdt_path_offset(tree.fdt, "/chosen") : 0;
    if (s) {
        s = fdt_result(tree, chosen < 0 ? chosen : fdt_setprop_string(tree.fdt, chosen, "stdout-path", path),
                       "stdout-path");
    }
    if (s) {
        s = graft(tree, scratch, fdt_next_subnode(scratch, pl011), 0, 0);
    }
    return s;
}

}  // namespace hyp::rm::board_dt_detail
