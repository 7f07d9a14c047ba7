// The primary VM's device tree from the board's own (see board_dt.h): the edits are
// checked, the /hypervisor node is built aside with the QEMU writer's code, then the
// board tree is opened into the caller's buffer and edited in place with libfdt's
// read-write API (which keeps every node, property and phandle the edits do not touch).
#include "rm/dt/board_dt.h"

#include <cstring>
#include <limits>

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm {
namespace board_dt_detail {

Status fdt_result(Tree& tree, int result, const char* what)
{
    if (result >= 0) {
        return success();
    }
    switch (-result) {
    case FDT_ERR_NOSPACE:
        return refuse(tree.diag, Error::nomem, "edited device tree does not fit in {} bytes (ran out {})",
                      tree.capacity, what);
    case FDT_ERR_ALIGNMENT:
        return refuse(tree.diag, Error::arg_align, "device tree buffer is not 8-byte aligned");
    case FDT_ERR_BADMAGIC:
    case FDT_ERR_BADVERSION:
    case FDT_ERR_BADSTRUCTURE:
    case FDT_ERR_BADOFFSET:
    case FDT_ERR_BADLAYOUT:
    case FDT_ERR_TRUNCATED:
    case FDT_ERR_BADPHANDLE:
    case FDT_ERR_BADNCELLS:
    case FDT_ERR_BADVALUE:
        return refuse(tree.diag, Error::arg_inval, "board DT is malformed ({}): {}", what, fdt_strerror(result));
    default:
        return refuse(tree.diag, Error::failure, "libfdt failed {}: {}", what, fdt_strerror(result));
    }
}

std::uint64_t read_cells(const void* p, int cells)
{
    const auto* bytes = static_cast<const unsigned char*>(p);
    std::uint64_t value = 0;
    for (int i = 0; i < cells * 4; ++i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

Status check_board(const void* board, std::size_t size, Diagnostic& diag)
{
    if (board == nullptr || size < sizeof(fdt_header)) {
        return refuse(diag, Error::arg_inval, "board DT is missing or shorter than a header ({} bytes)", size);
    }
    constexpr std::size_t int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
    const int result = fdt_check_full(board, size < int_max ? size : int_max);
    if (result != 0) {
        return refuse(diag, Error::arg_inval, "board DT is malformed: {}", fdt_strerror(result));
    }
    return success();
}

Status delete_property(Tree& tree, int node, const char* name)
{
    const int result = fdt_delprop(tree.fdt, node, name);
    return result == -FDT_ERR_NOTFOUND ? success() : fdt_result(tree, result, name);
}

Status copy_properties(Tree& tree, const void* source, int from, int node, const char* except)
{
    constexpr int max_properties = 16;
    int properties[max_properties];
    int count = 0;
    int property = 0;
    fdt_for_each_property_offset(property, source, from)
    {
        if (count == max_properties) {
            return refuse(tree.diag, Error::failure, "copied node has over {} properties", max_properties);
        }
        properties[count++] = property;
    }
    // New properties go first: copied last to first, they keep their order.
    Status s = success();
    for (int i = count; s && i-- > 0;) {
        const char* name = nullptr;
        int length = 0;
        const void* value = fdt_getprop_by_offset(source, properties[i], &name, &length);
        if (value != nullptr && except != nullptr && std::strcmp(name, except) == 0) {
            continue;
        }
        s = fdt_result(tree, value == nullptr ? length : fdt_setprop(tree.fdt, node, name, value, length), name);
    }
    return s;
}

Status graft(Tree& tree, const void* source, int from, int parent, int depth)
{
    constexpr int max_grafted_children = 8;
    constexpr int max_graft_depth = 4;
    if (depth > max_graft_depth) {
        return refuse(tree.diag, Error::failure, "grafted node is nested too deeply");
    }
    const int node = fdt_add_subnode(tree.fdt, parent, fdt_get_name(source, from, nullptr));
    Status s = fdt_result(tree, node, "grafting a node");
    if (s) {
        s = copy_properties(tree, source, from, node, nullptr);
    }
    int children[max_grafted_children];
    int child_count = 0;
    int child = 0;
    fdt_for_each_subnode(child, source, from)
    {
        if (child_count == max_grafted_children) {
            return refuse(tree.diag, Error::failure, "grafted node has over {} children", max_grafted_children);
        }
        children[child_count++] = child;
    }
    // New nodes go first too.
    for (int i = child_count; s && i-- > 0;) {
        s = graft(tree, source, children[i], node, depth + 1);
    }
    return s;
}

int find_gic(const void* fdt) { return fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3"); }

Result<std::uint32_t> gic_phandle(Tree& tree)
{
    const int gic = find_gic(tree.fdt);
    if (gic < 0) {
        return refuse(tree.diag, Error::arg_inval, "board DT has no arm,gic-v3 for the interrupts the RM writes");
    }
    int length = 0;
    const void* cells = fdt_getprop(tree.fdt, gic, "#interrupt-cells", &length);
    const std::uint32_t phandle = fdt_get_phandle(tree.fdt, gic);
    if (cells == nullptr || length != 4 || read_cells(cells, 1) != 3 || phandle == 0) {
        return refuse(tree.diag, Error::arg_inval, "board DT: the GIC {} has no phandle or not 3 interrupt cells",
                      fdt_get_name(tree.fdt, gic, nullptr));
    }
    return phandle;
}

}  // namespace board_dt_detail

namespace {

using board_dt_detail::delete_property;
using board_dt_detail::fdt_result;
using board_dt_detail::graft;
using board_dt_detail::gic_phandle;
using board_dt_detail::read_cells;
using board_dt_detail::Tree;

// Room for the /hypervisor node built aside: it takes about 700 bytes.
constexpr std::size_t hypervisor_scratch_size = 1536;

bool wraps_or_ends_at_top(const IpaRange& range)
{
    return !range.well_formed() || (range.base + (range.size - 1)).raw() == ~std::uint64_t{0};
}

bool valid_name(const char* name)
{
    if (name == nullptr || name[0] == '\0') {
        return false;
    }
    std::size_t i = 0;
    for (; name[i] != '\0'; ++i) {
        const char c = name[i];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ',' || c == '.' || c == '_' ||
                        c == '+' || c == '-';
        if (!ok || i == board_carve_out_name_max) {
            return false;
        }
    }
    return true;
}

// The console's registers must not wrap, and its interrupt must not be one the RM link
// raises (build_uart_dt() checks that it is an SPI).
Status check_console(const BoardDtEdits& edits, Diagnostic& diag)
{
    const BoardDtEdits::Console& console = edits.console;
    if (console.regs.empty()) {
        return success();
    }
    if (wraps_or_ends_at_top(console.regs)) {
        return refuse(diag, Error::arg_inval, "console [{:#x}, +{:#x}) wraps", console.regs.base.raw(),
                      console.regs.size);
    }
    if (edits.rm_link.present && (console.intid == edits.rm_link.tx_intid || console.intid == edits.rm_link.rx_intid)) {
        return refuse(diag, Error::arg_inval, "console interrupt {} is one of the RM link's", console.intid);
    }
    return success();
}

Status check_edits(const BoardDtEdits& edits, Diagnostic& diag)
{
    if (edits.cpu_count == 0 || edits.cpu_count > primary_max_vcpus) {
        return refuse(diag, Error::arg_inval, "primary VM keeps {} CPUs; 1 to {} are supported", edits.cpu_count,
                      primary_max_vcpus);
    }
    for (std::size_t i = 0; i < edits.cpu_count; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (edits.cpu_mpidrs[i] == edits.cpu_mpidrs[j]) {
                return refuse(diag, Error::arg_inval, "kept CPU MPIDR {:#x} is listed twice", edits.cpu_mpidrs[i]);
            }
        }
    }
    if (edits.carve_out_count > board_max_carve_outs) {
        return refuse(diag, Error::arg_inval, "{} carve-outs; at most {}", edits.carve_out_count,
                      board_max_carve_outs);
    }
    for (std::size_t i = 0; i < edits.carve_out_count; ++i) {
        const BoardCarveOut& c = edits.carve_outs[i];
        if (!valid_name(c.name)) {
            return refuse(diag, Error::arg_inval, "carve-out {} has no valid node name", i);
        }
        if (c.range.empty() || wraps_or_ends_at_top(c.range)) {
            return refuse(diag, Error::arg_inval, "carve-out {} [{:#x}, +{:#x}) is empty or wraps", c.name,
                          c.range.base.raw(), c.range.size);
        }
        for (std::size_t j = 0; j < i; ++j) {
            const BoardCarveOut& other = edits.carve_outs[j];
            if (c.range.overlaps(other.range) || std::strcmp(c.name, other.name) == 0) {
                return refuse(diag, Error::arg_inval, "carve-outs {} [{:#x}, +{:#x}) and {} [{:#x}, +{:#x}) overlap "
                              "or share a name", other.name, other.range.base.raw(), other.range.size, c.name,
                              c.range.base.raw(), c.range.size);
            }
        }
        if (c.range.overlaps(edits.initrd)) {
            return refuse(diag, Error::arg_inval, "the initrd [{:#x}, +{:#x}) overlaps carve-out {}",
                          edits.initrd.base.raw(), edits.initrd.size, c.name);
        }
    }
    if (!edits.initrd.empty() && wraps_or_ends_at_top(edits.initrd)) {
        return refuse(diag, Error::arg_inval, "initrd [{:#x}, +{:#x}) wraps", edits.initrd.base.raw(),
                      edits.initrd.size);
    }
    return check_console(edits, diag);
}

// A /chosen boot module by the hypervisor's own rule (platform/dt/discover_chosen.cpp):
// named "module" or "module@...", or compatible with "multiboot,module".
bool is_boot_module(const void* fdt, int node)
{
    const char* name = fdt_get_name(fdt, node, nullptr);
    if (name != nullptr && std::strncmp(name, "module", 6) == 0 && (name[6] == '\0' || name[6] == '@')) {
        return true;
    }
    return fdt_node_check_compatible(fdt, node, "multiboot,module") == 0;
}

// /chosen as build_primary_dt() writes it (bootargs, linux,initrd-start/-end in two
// cells), without the boot loader's bootargs, initrd and boot-module nodes; the rest
// (stdout-path, rng-seed...) stays.
Status edit_chosen(Tree& tree, const BoardDtEdits& edits)
{
    int chosen = fdt_subnode_offset(tree.fdt, 0, "chosen");
    if (chosen == -FDT_ERR_NOTFOUND) {
        chosen = fdt_add_subnode(tree.fdt, 0, "chosen");
    }
    Status s = fdt_result(tree, chosen, "at /chosen");
    for (const char* name : {"bootargs", "linux,initrd-start", "linux,initrd-end"}) {
        if (s) {
            s = delete_property(tree, chosen, name);
        }
    }
    while (s) {
        int module = -1;
        int node = 0;
        fdt_for_each_subnode(node, tree.fdt, chosen)
        {
            if (module < 0 && is_boot_module(tree.fdt, node)) {
                module = node;
            }
        }
        if (module < 0) {
            break;
        }
        s = fdt_result(tree, fdt_del_node(tree.fdt, module), "removing a /chosen module");
    }
    if (s && !edits.initrd.empty()) {
        s = fdt_result(tree, fdt_setprop_u64(tree.fdt, chosen, "linux,initrd-end", edits.initrd.end().raw()),
                       "linux,initrd-end");
        if (s) {
            s = fdt_result(tree, fdt_setprop_u64(tree.fdt, chosen, "linux,initrd-start", edits.initrd.base.raw()),
                           "linux,initrd-start");
        }
    }
    if (s && edits.bootargs != nullptr && edits.bootargs[0] != '\0') {
        s = fdt_result(tree, fdt_setprop_string(tree.fdt, chosen, "bootargs", edits.bootargs), "bootargs");
    }
    return s;
}

Status add_hypervisor(Tree& tree, const void* scratch)
{
    const int existing = fdt_subnode_offset(tree.fdt, 0, "hypervisor");
    Status s = existing >= 0 ? fdt_result(tree, fdt_del_node(tree.fdt, existing), "replacing /hypervisor")
                             : success();
    Result<std::uint32_t> gic = s ? gic_phandle(tree) : Result<std::uint32_t>{fail(s.error())};
    if (!gic) {
        return fail(gic.error());
    }
    const int from = fdt_subnode_offset(scratch, 0, "hypervisor");
    s = from < 0 ? fdt_result(tree, from, "finding the built /hypervisor") : graft(tree, scratch, from, 0, 0);
    // The root's interrupt-parent is the GIC on Qualcomm trees; say it where it is not.
    int length = 0;
    const void* parent = fdt_getprop(tree.fdt, 0, "interrupt-parent", &length);
    if (s && (parent == nullptr || length != 4 || read_cells(parent, 1) != *gic)) {
        const int node = fdt_subnode_offset(tree.fdt, 0, "hypervisor");
        s = fdt_result(tree, node < 0 ? node : fdt_setprop_u32(tree.fdt, node, "interrupt-parent", *gic),
                       "the /hypervisor interrupt-parent");
    }
    return s;
}

}  // namespace

Result<std::size_t> board_cpu_mpidrs(const void* board_dtb, std::size_t board_size, std::uint64_t* out,
                                     std::size_t capacity, Diagnostic& diag)
{
    if (Status s = board_dt_detail::check_board(board_dtb, board_size, diag); !s) {
        return fail(s.error());
    }
    return board_dt_detail::list_cpus(board_dtb, out, capacity, diag);
}

Result<std::size_t> build_board_dt(const void* board_dtb, std::size_t board_size, const BoardDtEdits& edits,
                                   void* buffer, std::size_t capacity, Diagnostic& diag)
{
    const bool aligned = buffer != nullptr && (reinterpret_cast<std::uintptr_t>(buffer) & 7) == 0;
    // Whatever fails below, the buffer must not be left holding a tree.
    auto no_tree = [&](Error error) -> Result<std::size_t> {
        if (aligned && capacity >= sizeof(fdt32_t)) {
            static_cast<fdt32_t*>(buffer)[0] = 0;
        }
        return fail(error);
    };
    if (!aligned) {
        return refuse(diag, Error::arg_align, "device tree buffer is null or not 8-byte aligned");
    }
    Status s = check_edits(edits, diag);
    if (s) {
        s = board_dt_detail::check_board(board_dtb, board_size, diag);
    }
    alignas(8) unsigned char scratch[hypervisor_scratch_size];
    if (s && edits.rm_link.present) {
        Result<std::size_t> built = build_hypervisor_dt(edits.rm_link, scratch, sizeof scratch, diag);
        s = built ? success() : Status{fail(built.error())};
    }
    if (!s) {
        return no_tree(s.error());
    }

    constexpr std::size_t int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
    Tree tree{buffer, capacity, diag};
    s = fdt_result(tree, fdt_open_into(board_dtb, buffer, static_cast<int>(capacity < int_max ? capacity : int_max)),
                   "copying the board DT");
    if (s) {
        s = board_dt_detail::keep_cpus(tree, edits);
    }
    if (s) {
        s = board_dt_detail::add_carve_outs(tree, edits);
    }
    if (s) {
        s = board_dt_detail::disable_kept_devices(tree);
    }
    if (s) {
        s = edit_chosen(tree, edits);
    }
    if (s) {
        s = board_dt_detail::rewrite_console(tree, edits);  // after edit_chosen: it sets stdout-path
    }
    if (s && edits.rm_link.present) {
        s = add_hypervisor(tree, scratch);
    }
    if (s) {
        s = fdt_result(tree, fdt_pack(buffer), "packing");
    }
    if (s) {
        s = fdt_result(tree, fdt_check_full(buffer, fdt_totalsize(buffer)), "checking the edited tree");
    }
    if (!s) {
        return no_tree(s.error());
    }
    return std::size_t{fdt_totalsize(buffer)};
}

}  // namespace hyp::rm
