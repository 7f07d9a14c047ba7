// The board DT editor's CPU step (see board_dt.h): the VM keeps the cpu nodes whose reg
// (MPIDR) it was given and loses the others, with what names them by phandle in ways
// Linux checks: cpu-map leaves (a dangling one makes Linux drop the whole DT topology)
// and thermal cooling-device entries (a dangling one stops the zone's other CPUs from
// binding as cooling devices). Other references (CoreSight ETMs, for one) make only
// their own device fail to probe, and are left.
#include <cstring>

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm::board_dt_detail {
namespace {

constexpr std::size_t max_cooling_cells = 128;
constexpr int max_cpu_map_depth = 8;

struct Removed {
    std::uint32_t phandles[board_max_removed_cpus] = {};
    std::size_t count = 0;

    [[nodiscard]] bool has(std::uint32_t phandle) const
    {
        for (std::size_t i = 0; i < count; ++i) {
            if (phandles[i] == phandle) {
                return true;
            }
        }
        return false;
    }
};

bool is_cpu_node(const void* fdt, int node)
{
    int length = 0;
    const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", &length));
    return type != nullptr && length == 4 && std::memcmp(type, "cpu", 4) == 0;
}

bool kept(const BoardDtEdits& edits, std::uint64_t mpidr)
{
    for (std::size_t i = 0; i < edits.cpu_count; ++i) {
        if (edits.cpu_mpidrs[i] == mpidr) {
            return true;
        }
    }
    return false;
}

Status cpu_mpidr(Tree& tree, int node, int address_cells, std::uint64_t& mpidr)
{
    int length = 0;
    const void* reg = fdt_getprop(tree.fdt, node, "reg", &length);
    if (reg == nullptr || length != address_cells * 4) {
        return refuse(tree.diag, Error::arg_inval, "board DT: cpu node {} has no reg of {} cells",
                      fdt_get_name(tree.fdt, node, nullptr), address_cells);
    }
    mpidr = read_cells(reg, address_cells);
    return success();
}

// The first cpu node under `cpus` that the VM does not get, or -1.
Result<int> first_dropped_cpu(Tree& tree, const BoardDtEdits& edits, int cpus, int address_cells)
{
    int node = 0;
    fdt_for_each_subnode(node, tree.fdt, cpus)
    {
        if (!is_cpu_node(tree.fdt, node)) {
            continue;
        }
        std::uint64_t mpidr = 0;
        Status s = cpu_mpidr(tree, node, address_cells, mpidr);
        if (!s) {
            return fail(s.error());
        }
        if (!kept(edits, mpidr)) {
            return node;
        }
    }
    return -1;
}

// Every cpu node has a well-formed reg, every MPIDR asked for is on the board, and the
// dropped CPUs' phandles are noted.
Status survey(Tree& tree, const BoardDtEdits& edits, int cpus, int address_cells, Removed& removed)
{
    std::size_t found = 0;
    int node = 0;
    fdt_for_each_subnode(node, tree.fdt, cpus)
    {
        std::uint64_t mpidr = 0;
        if (!is_cpu_node(tree.fdt, node)) {
            continue;
        }
        Status s = cpu_mpidr(tree, node, address_cells, mpidr);
        if (!s) {
            return s;
        }
        if (kept(edits, mpidr)) {
            ++found;  // the edits hold no duplicates (checked before)
            continue;
        }
        std::uint32_t phandle = fdt_get_phandle(tree.fdt, node);
        if (phandle == 0) {
            continue;  // nothing can name it
        }
        if (removed.count == board_max_removed_cpus) {
            return refuse(tree.diag, Error::arg_inval, "board DT has more than {} CPUs to remove",
                          board_max_removed_cpus);
        }
        removed.phandles[removed.count++] = phandle;
    }
    if (found == edits.cpu_count) {
        return success();
    }
    for (std::size_t i = 0; i < edits.cpu_count; ++i) {
        bool present = false;
        fdt_for_each_subnode(node, tree.fdt, cpus)
        {
            std::uint64_t mpidr = 0;
            present = present || (is_cpu_node(tree.fdt, node) && cpu_mpidr(tree, node, address_cells, mpidr) &&
                                  mpidr == edits.cpu_mpidrs[i]);
        }
        if (!present) {
            return refuse(tree.diag, Error::arg_inval, "board DT has no CPU with MPIDR {:#x}", edits.cpu_mpidrs[i]);
        }
    }
    return refuse(tree.diag, Error::arg_inval, "board DT lists a kept CPU twice");
}

// One node's cooling-device list without the dropped CPUs' entries (<phandle> then the
// provider's #cooling-cells). Deletes the node (a cooling map) when nothing is left.
// Returns true when the tree changed in a way that moved later nodes' offsets.
Result<bool> filter_cooling(Tree& tree, int node, const Removed& removed)
{
    int length = 0;
    const fdt32_t* value = static_cast<const fdt32_t*>(fdt_getprop(tree.fdt, node, "cooling-device", &length));
    if (value == nullptr) {
        return false;
    }
    const std::size_t count = static_cast<std::size_t>(length) / 4;
    if (length % 4 != 0 || count > max_cooling_cells) {
        return refuse(tree.diag, Error::arg_inval, "board DT: cooling-device of {} is {} bytes",
                      fdt_get_name(tree.fdt, node, nullptr), length);
    }
    std::uint32_t kept_cells[max_cooling_cells];
    std::size_t kept_count = 0;
    bool changed = false;
    for (std::size_t i = 0; i < count;) {
        const std::uint32_t phandle = fdt32_to_cpu(value[i]);
        const int provider = fdt_node_offset_by_phandle(tree.fdt, phandle);
        int cells_length = 0;
        const void* cells = provider < 0 ? nullptr : fdt_getprop(tree.fdt, provider, "#cooling-cells", &cells_length);
        const std::size_t cell_count = cells == nullptr || cells_length != 4 ? count : read_cells(cells, 1);
        if (i + 1 + cell_count > count) {
            return refuse(tree.diag, Error::arg_inval,
                          "board DT: cooling-device of {} names phandle {:#x} without a fitting #cooling-cells",
                          fdt_get_name(tree.fdt, node, nullptr), phandle);
        }
        if (removed.has(phandle)) {
            changed = true;
        } else {
            for (std::size_t j = 0; j <= cell_count; ++j) {
                kept_cells[kept_count++] = fdt32_to_cpu(value[i + j]);
            }
        }
        i += 1 + cell_count;
    }
    if (!changed) {
        return false;
    }
    if (kept_count == 0) {
        Status s = fdt_result(tree, fdt_del_node(tree.fdt, node), "removing a cooling map");
        return s ? Result<bool>{true} : Result<bool>{fail(s.error())};
    }
    fdt32_t encoded[max_cooling_cells];
    for (std::size_t i = 0; i < kept_count; ++i) {
        encoded[i] = cpu_to_fdt32(kept_cells[i]);
    }
    Status s = fdt_result(tree, fdt_setprop(tree.fdt, node, "cooling-device", encoded, static_cast<int>(kept_count * 4)),
                          "rewriting a cooling-device list");
    return s ? Result<bool>{false} : Result<bool>{fail(s.error())};
}

Status filter_cooling_maps(Tree& tree, const Removed& removed)
{
    int node = fdt_next_node(tree.fdt, -1, nullptr);
    while (node >= 0) {
        Result<bool> moved = filter_cooling(tree, node, removed);
        if (!moved) {
            return fail(moved.error());
        }
        // A deleted node's successors moved: start again (finished lists no longer change).
        node = *moved ? fdt_next_node(tree.fdt, -1, nullptr) : fdt_next_node(tree.fdt, node, nullptr);
    }
    return success();
}

// The first cpu-map node to delete under `node`: a leaf naming a dropped CPU, or a
// cluster or core left with no children and no cpu; -1 when there is none.
int prunable(const void* fdt, int node, const Removed& removed, int depth)
{
    if (depth > max_cpu_map_depth) {
        return -1;
    }
    int child = 0;
    fdt_for_each_subnode(child, fdt, node)
    {
        int length = 0;
        const void* cpu = fdt_getprop(fdt, child, "cpu", &length);
        if (cpu != nullptr) {
            if (length == 4 && removed.has(static_cast<std::uint32_t>(read_cells(cpu, 1)))) {
                return child;
            }
            continue;
        }
        int inner = prunable(fdt, child, removed, depth + 1);
        if (inner >= 0) {
            return inner;
        }
        if (fdt_first_subnode(fdt, child) < 0) {
            return child;
        }
    }
    return -1;
}

Status prune_cpu_map(Tree& tree, const Removed& removed)
{
    for (;;) {
        const int cpus = fdt_path_offset(tree.fdt, "/cpus");
        const int map = cpus < 0 ? cpus : fdt_subnode_offset(tree.fdt, cpus, "cpu-map");
        const int victim = map < 0 ? -1 : prunable(tree.fdt, map, removed, 0);
        if (victim < 0) {
            return success();
        }
        Status s = fdt_result(tree, fdt_del_node(tree.fdt, victim), "pruning /cpus/cpu-map");
        if (!s) {
            return s;
        }
    }
}


// Kept CPU i's reg becomes edits.cpu_vcpu_mpidrs[i]. Offsets first, then the writes (in
// place: the same size, so no offset moves), so that a new value equal to a board MPIDR
// not yet looked up cannot be mistaken for it.
Status renumber(Tree& tree, const BoardDtEdits& edits, int cpus, int address_cells)
{
    int nodes[primary_max_vcpus] = {};
    for (std::size_t i = 0; i < edits.cpu_count; ++i) {
        nodes[i] = -1;
        int node = 0;
        fdt_for_each_subnode(node, tree.fdt, cpus)
        {
            std::uint64_t mpidr = 0;
            if (is_cpu_node(tree.fdt, node) && cpu_mpidr(tree, node, address_cells, mpidr) &&
                mpidr == edits.cpu_mpidrs[i]) {
                nodes[i] = node;
            }
        }
        if (nodes[i] < 0) {
            return refuse(tree.diag, Error::arg_inval, "board DT has no CPU with MPIDR {:#x}", edits.cpu_mpidrs[i]);
        }
    }
    for (std::size_t i = 0; i < edits.cpu_count; ++i) {
        const std::uint64_t value = edits.cpu_vcpu_mpidrs[i];
        fdt32_t cells[2] = {cpu_to_fdt32(static_cast<std::uint32_t>(value >> 32)),
                            cpu_to_fdt32(static_cast<std::uint32_t>(value))};
        if (address_cells == 1 && (value >> 32) != 0) {
            return refuse(tree.diag, Error::arg_inval, "vCPU MPIDR {:#x} does not fit /cpus' one address cell", value);
        }
        const void* reg = address_cells == 2 ? static_cast<const void*>(cells) : static_cast<const void*>(&cells[1]);
        Status s = fdt_result(tree, fdt_setprop_inplace(tree.fdt, nodes[i], "reg", reg, address_cells * 4),
                              "renumbering a CPU");
        if (!s) {
            return s;
        }
    }
    return success();
}

}  // namespace

Result<std::size_t> list_cpus(const void* fdt, std::uint64_t* out, std::size_t capacity, Diagnostic& diag)
{
    const int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) {
        return refuse(diag, Error::arg_inval, "board DT has no /cpus");
    }
    const int address_cells = fdt_address_cells(fdt, cpus);
    if (address_cells != 1 && address_cells != 2) {
        return refuse(diag, Error::arg_inval, "board DT: /cpus has #address-cells {}", address_cells);
    }
    Tree tree{const_cast<void*>(fdt), 0, diag};  // read only: cpu_mpidr() does not write
    std::size_t count = 0;
    int node = 0;
    fdt_for_each_subnode(node, fdt, cpus)
    {
        if (!is_cpu_node(fdt, node)) {
            continue;
        }
        std::uint64_t mpidr = 0;
        if (Status s = cpu_mpidr(tree, node, address_cells, mpidr); !s) {
            return fail(s.error());
        }
        if (count < capacity) {
            out[count] = mpidr;
        }
        ++count;
    }
    return count;
}


Status keep_cpus(Tree& tree, const BoardDtEdits& edits)
{
    int cpus = fdt_path_offset(tree.fdt, "/cpus");
    if (cpus < 0) {
        return refuse(tree.diag, Error::arg_inval, "board DT has no /cpus");
    }
    const int address_cells = fdt_address_cells(tree.fdt, cpus);
    if (address_cells != 1 && address_cells != 2) {
        return refuse(tree.diag, Error::arg_inval, "board DT: /cpus has #address-cells {}", address_cells);
    }
    Removed removed;
    Status s = survey(tree, edits, cpus, address_cells, removed);
    // Cooling lists first: reading them needs the dropped CPUs' #cooling-cells.
    if (s && removed.count > 0) {
        s = filter_cooling_maps(tree, removed);
    }
    if (s && removed.count > 0) {
        s = prune_cpu_map(tree, removed);
    }
    while (s) {
        cpus = fdt_path_offset(tree.fdt, "/cpus");
        Result<int> dropped = first_dropped_cpu(tree, edits, cpus, address_cells);
        if (!dropped) {
            return fail(dropped.error());
        }
        if (*dropped < 0) {
            break;
        }
        s = fdt_result(tree, fdt_del_node(tree.fdt, *dropped), "removing a CPU");
    }
    if (s && edits.renumber_cpus) {
        s = renumber(tree, edits, fdt_path_offset(tree.fdt, "/cpus"), address_cells);
    }
    return s;
}

}  // namespace hyp::rm::board_dt_detail
