// The board DT editor's memory step (see board_dt.h): the hypervisor's and the RM's
// carve-outs as /reserved-memory nodes with no-map, after checking that none lies over
// memory the board reserves in a way a no-map node cannot share.
#include <cstring>

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm::board_dt_detail {

bool disabled(const void* fdt, int node)
{
    const char* status = static_cast<const char*>(fdt_getprop(fdt, node, "status", nullptr));
    return status != nullptr && std::strcmp(status, "okay") != 0 && std::strcmp(status, "ok") != 0;
}

namespace {

// Each carve-out against what the board reserves in a way a no-map node cannot share:
// /reserved-memory children without no-map (reserved, reusable) and /memreserve/.
Status check_board_reservations(Tree& tree, const BoardDtEdits& edits, int reserved, int address_cells,
                                int size_cells)
{
    const int entry = (address_cells + size_cells) * 4;
    int node = 0;
    fdt_for_each_subnode(node, tree.fdt, reserved)
    {
        int length = 0;
        const auto* reg = static_cast<const unsigned char*>(fdt_getprop(tree.fdt, node, "reg", &length));
        if (reg == nullptr || disabled(tree.fdt, node) || fdt_getprop(tree.fdt, node, "no-map", nullptr) != nullptr) {
            continue;
        }
        for (int at = 0; at + entry <= length; at += entry) {
            const IpaRange range{Ipa{read_cells(reg + at, address_cells)},
                                 read_cells(reg + at + address_cells * 4, size_cells)};
            for (std::size_t i = 0; i < edits.carve_out_count; ++i) {
                if (range.overlaps(edits.carve_outs[i].range)) {
                    return refuse(tree.diag, Error::arg_inval,
                                  "carve-out {} overlaps /reserved-memory/{}, which the board reserves without no-map",
                                  edits.carve_outs[i].name, fdt_get_name(tree.fdt, node, nullptr));
                }
            }
        }
    }
    const int count = fdt_num_mem_rsv(tree.fdt);
    for (int n = 0; n < count; ++n) {
        std::uint64_t base = 0;
        std::uint64_t size = 0;
        if (fdt_get_mem_rsv(tree.fdt, n, &base, &size) != 0) {
            continue;
        }
        for (std::size_t i = 0; i < edits.carve_out_count; ++i) {
            if (IpaRange{Ipa{base}, size}.overlaps(edits.carve_outs[i].range)) {
                return refuse(tree.diag, Error::arg_inval, "carve-out {} overlaps /memreserve/ [{:#x}, +{:#x})",
                              edits.carve_outs[i].name, base, size);
            }
        }
    }
    return success();
}

Status set_cells(Tree& tree, int node, const char* name, std::uint32_t value)
{
    return fdt_result(tree, fdt_setprop_u32(tree.fdt, node, name, value), name);
}

// /reserved-memory, made (with the root's cells and an identity `ranges`) when the board
// has none.
Result<int> reserved_memory_node(Tree& tree)
{
    int node = fdt_subnode_offset(tree.fdt, 0, "reserved-memory");
    if (node != -FDT_ERR_NOTFOUND) {
        Status s = fdt_result(tree, node, "finding /reserved-memory");
        return s ? Result<int>{node} : Result<int>{fail(s.error())};
    }
    const int address_cells = fdt_address_cells(tree.fdt, 0);
    const int size_cells = fdt_size_cells(tree.fdt, 0);
    node = fdt_add_subnode(tree.fdt, 0, "reserved-memory");
    Status s = fdt_result(tree, node, "adding /reserved-memory");
    if (s) {
        s = set_cells(tree, node, "#address-cells", static_cast<std::uint32_t>(address_cells));
    }
    if (s) {
        s = set_cells(tree, node, "#size-cells", static_cast<std::uint32_t>(size_cells));
    }
    if (s) {
        s = fdt_result(tree, fdt_setprop_empty(tree.fdt, node, "ranges"), "ranges");
    }
    return s ? Result<int>{node} : Result<int>{fail(s.error())};
}

Status add_carve_out(Tree& tree, const BoardCarveOut& c, int address_cells, int size_cells)
{
    const std::uint64_t base = c.range.base.raw();
    if ((address_cells == 1 && (base >> 32) != 0) || (size_cells == 1 && (c.range.size >> 32) != 0)) {
        return refuse(tree.diag, Error::arg_inval, "carve-out {} does not fit /reserved-memory's cells", c.name);
    }
    char name[board_carve_out_name_max + 20];
    fmt::format_buffer(name, sizeof name, "{}@{:x}", c.name, base);
    Result<int> reserved = reserved_memory_node(tree);
    if (!reserved) {
        return fail(reserved.error());
    }
    const int node = fdt_add_subnode(tree.fdt, *reserved, name);
    if (node == -FDT_ERR_EXISTS) {
        return refuse(tree.diag, Error::arg_inval, "board DT already has /reserved-memory/{}", name);
    }
    fdt32_t reg[4];
    int cells = 0;
    if (address_cells == 2) {
        reg[cells++] = cpu_to_fdt32(static_cast<std::uint32_t>(base >> 32));
    }
    reg[cells++] = cpu_to_fdt32(static_cast<std::uint32_t>(base));
    if (size_cells == 2) {
        reg[cells++] = cpu_to_fdt32(static_cast<std::uint32_t>(c.range.size >> 32));
    }
    reg[cells++] = cpu_to_fdt32(static_cast<std::uint32_t>(c.range.size));
    // libfdt puts a new property first: written in reverse, they read reg, no-map.
    Status s = fdt_result(tree, node, "adding a carve-out");
    if (s) {
        s = fdt_result(tree, fdt_setprop_empty(tree.fdt, node, "no-map"), "no-map");
    }
    if (s) {
        s = fdt_result(tree, fdt_setprop(tree.fdt, node, "reg", reg, cells * 4), "a carve-out's reg");
    }
    return s;
}

}  // namespace

Status add_carve_outs(Tree& tree, const BoardDtEdits& edits)
{
    if (edits.carve_out_count == 0) {
        return success();
    }
    Result<int> reserved = reserved_memory_node(tree);
    if (!reserved) {
        return fail(reserved.error());
    }
    const int address_cells = fdt_address_cells(tree.fdt, *reserved);
    const int size_cells = fdt_size_cells(tree.fdt, *reserved);
    if (address_cells < 1 || address_cells > 2 || size_cells < 1 || size_cells > 2) {
        return refuse(tree.diag, Error::arg_inval, "board DT: /reserved-memory has #address-cells {} #size-cells {}",
                      address_cells, size_cells);
    }
    Status s = check_board_reservations(tree, edits, *reserved, address_cells, size_cells);
    // libfdt adds a node as its parent's first child: in reverse, they read in list order.
    for (std::size_t i = edits.carve_out_count; s && i-- > 0;) {
        s = add_carve_out(tree, edits.carve_outs[i], address_cells, size_cells);
    }
    return s;
}

}  // namespace hyp::rm::board_dt_detail
