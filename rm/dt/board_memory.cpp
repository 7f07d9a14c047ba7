// The board's memory and the primary VM's carve-outs from it (see board_memory.h).
#include "rm/dt/board_memory.h"

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm {
namespace {

bool is_memory(const void* fdt, int node)
{
    int length = 0;
    const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", &length));
    if (type == nullptr || length != 7 || __builtin_memcmp(type, "memory", 7) != 0) {
        return false;
    }
    const char* status = static_cast<const char*>(fdt_getprop(fdt, node, "status", &length));
    return status == nullptr || __builtin_strcmp(status, "okay") == 0 || __builtin_strcmp(status, "ok") == 0;
}

// [lo, hi) clipped to `piece`, as a range (empty when they do not meet).
PhysRange clip(PhysRange range, PhysRange piece)
{
    const PhysAddr lo = range.base > piece.base ? range.base : piece.base;
    const PhysAddr hi = range.end() < piece.end() ? range.end() : piece.end();
    return hi > lo ? PhysRange{lo, hi - lo} : PhysRange{};
}

// build_board_dt() wants distinct names: the unnamed pieces are numbered.
constexpr const char* reserved_names[board_max_carve_outs] = {
    "gunyah-reserved0", "gunyah-reserved1", "gunyah-reserved2", "gunyah-reserved3",
    "gunyah-reserved4", "gunyah-reserved5", "gunyah-reserved6", "gunyah-reserved7"};

struct Planner {
    BoardDtEdits& edits;
    Diagnostic& diag;
    PhysRange hypervisor;
    PhysRange rm_ram;

    Status add(const char* name, PhysRange range)
    {
        if (range.empty()) {
            return success();
        }
        if (name == nullptr) {
            name = reserved_names[edits.carve_out_count < board_max_carve_outs ? edits.carve_out_count : 0];
        }
        if (edits.carve_out_count == board_max_carve_outs) {
            return refuse(diag, Error::nomem, "the board's memory outside the primary VM's RAM is more than {} pieces",
                          board_max_carve_outs);
        }
        edits.carve_outs[edits.carve_out_count++] = BoardCarveOut{name, IpaRange{Ipa{range.base.raw()}, range.size}};
        return success();
    }

    // A piece of memory the VM does not get: the hypervisor's and the RM's parts named,
    // the rest around them "gunyah-reserved".
    Status piece(PhysRange p)
    {
        PhysRange named[2] = {clip(hypervisor, p), clip(rm_ram, p)};
        const char* names[2] = {"hypervisor", "resource-manager"};
        if (!named[0].empty() && !named[1].empty() && named[1].base < named[0].base) {
            PhysRange r = named[0];
            named[0] = named[1];
            named[1] = r;
            names[0] = "resource-manager";
            names[1] = "hypervisor";
        }
        PhysAddr at = p.base;
        for (std::size_t i = 0; i < 2; ++i) {
            if (named[i].empty()) {
                continue;
            }
            Status s = add(nullptr, PhysRange{at, named[i].base - at});
            if (s) {
                s = add(names[i], named[i]);
            }
            if (!s) {
                return s;
            }
            at = named[i].end();
        }
        return add(nullptr, PhysRange{at, p.end() - at});
    }
};

}  // namespace

Result<std::size_t> board_memory(const void* dtb, std::size_t size, PhysRange* out, std::size_t capacity,
                                 Diagnostic& diag)
{
    if (size < sizeof(fdt_header) || fdt_check_full(dtb, size) != 0) {
        return refuse(diag, Error::arg_inval, "the board's device tree is malformed");
    }
    const int address_cells = fdt_address_cells(dtb, 0);
    const int size_cells = fdt_size_cells(dtb, 0);
    if (address_cells < 1 || address_cells > 2 || size_cells < 1 || size_cells > 2) {
        return refuse(diag, Error::arg_inval, "the board's root has {} address and {} size cells", address_cells,
                      size_cells);
    }
    const int entry = (address_cells + size_cells) * 4;
    std::size_t count = 0;
    int node = 0;
    fdt_for_each_subnode(node, dtb, 0)
    {
        if (!is_memory(dtb, node)) {
            continue;
        }
        int length = 0;
        const auto* reg = static_cast<const std::uint8_t*>(fdt_getprop(dtb, node, "reg", &length));
        if (reg == nullptr || length % entry != 0) {
            return refuse(diag, Error::arg_inval, "a /memory node of the board has a malformed reg");
        }
        for (int at = 0; at < length; at += entry) {
            const std::uint64_t base = board_dt_detail::read_cells(reg + at, address_cells);
            const std::uint64_t bytes = board_dt_detail::read_cells(reg + at + address_cells * 4, size_cells);
            if (bytes == 0) {
                continue;  // a placeholder the boot loader did not fill in
            }
            if (count == capacity) {
                return refuse(diag, Error::nomem, "the board's /memory has more than {} ranges", capacity);
            }
            out[count++] = PhysRange{PhysAddr{base}, bytes};
        }
    }
    return count;
}

Status plan_board_carve_outs(const PhysRange* memory, std::size_t count, PhysRange vm_ram, PhysRange hypervisor,
                             PhysRange rm_ram, BoardDtEdits& edits, Diagnostic& diag)
{
    if (vm_ram.overlaps(hypervisor) || vm_ram.overlaps(rm_ram)) {
        return refuse(diag, Error::arg_inval, "the primary VM's RAM [{:#x}, +{:#x}) overlaps the hypervisor or the RM",
                      vm_ram.base.raw(), vm_ram.size);
    }
    bool inside = false;
    for (std::size_t i = 0; i < count; ++i) {
        inside = inside || (memory[i].base <= vm_ram.base && vm_ram.end() <= memory[i].end());
    }
    if (!inside) {
        return refuse(diag, Error::arg_inval, "the primary VM's RAM [{:#x}, +{:#x}) is not in the board's /memory",
                      vm_ram.base.raw(), vm_ram.size);
    }
    edits.carve_out_count = 0;
    Planner planner{edits, diag, hypervisor, rm_ram};
    for (std::size_t i = 0; i < count; ++i) {
        const PhysRange m = memory[i];
        const PhysRange in_vm = clip(vm_ram, m);
        if (in_vm.empty()) {
            if (Status s = planner.piece(m); !s) {
                return s;
            }
            continue;
        }
        Status s = planner.piece(PhysRange{m.base, in_vm.base - m.base});
        if (s) {
            s = planner.piece(PhysRange{in_vm.end(), m.end() - in_vm.end()});
        }
        if (!s) {
            return s;
        }
    }
    return success();
}

}  // namespace hyp::rm
