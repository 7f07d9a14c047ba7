// Platform discovery, memory: RAM from every `device_type = "memory"` node, and the
// ranges firmware keeps for itself (/memreserve/ entries and /reserved-memory children).

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {

Status append_range(PhysRange* ranges, std::size_t& count, std::size_t capacity, const PhysRange& range,
                    const char* what, Diagnostic& diag)
{
    if (range.empty()) {
        return success();  // e.g. a memory node the bootloader has not filled in
    }
    if (count >= capacity) {
        return report(diag, Error::nomem, "more than {} {} ranges", capacity, what);
    }
    ranges[count++] = range;
    return success();
}

Status append_reg_ranges(const void* fdt, int node, PhysRange* ranges, std::size_t& count,
                         std::size_t capacity, const char* what, Diagnostic& diag)
{
    Result<Reg> reg = read_reg(fdt, node, diag);
    if (!reg) {
        return fail(reg.error());
    }
    for (std::size_t i = 0; i < reg->count; ++i) {
        Result<PhysRange> range = reg_range(fdt, node, *reg, i, Translate::through_ranges, diag);
        if (!range) {
            return fail(range.error());
        }
        Status appended = append_range(ranges, count, capacity, *range, what, diag);
        if (!appended) {
            return appended;
        }
    }
    return success();
}

Status discover_memory(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    static constexpr char memory_type[] = "memory";
    int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", memory_type, sizeof memory_type);
    for (; node >= 0; node = fdt_node_offset_by_prop_value(fdt, node, "device_type", memory_type, sizeof memory_type)) {
        if (!is_enabled(fdt, node)) {
            continue;
        }
        Status status = append_reg_ranges(fdt, node, info.memory, info.memory_count, max_memory_ranges, "memory", diag);
        if (!status) {
            return status;
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return report(diag, Error::arg_inval, "searching memory nodes: {}", fdt_strerror(node));
    }
    return success();
}

Status discover_reserved(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    int entries = fdt_num_mem_rsv(fdt);
    if (entries < 0) {
        return report(diag, Error::arg_inval, "memory reservation block: {}", fdt_strerror(entries));
    }
    for (int i = 0; i < entries; ++i) {
        std::uint64_t address = 0;
        std::uint64_t size = 0;
        int err = fdt_get_mem_rsv(fdt, i, &address, &size);
        if (err < 0) {
            return report(diag, Error::arg_inval, "memory reservation {}: {}", i, fdt_strerror(err));
        }
        PhysRange range{PhysAddr{address}, size};
        if (!range.well_formed()) {
            return report(diag, Error::addr_ovfl, "/memreserve/ {:#x} + {:#x} wraps around the address space",
                          address, size);
        }
        Status status = append_range(info.reserved, info.reserved_count, max_reserved_ranges, range, "reserved", diag);
        if (!status) {
            return status;
        }
    }

    int reserved_memory = fdt_path_offset(fdt, "/reserved-memory");
    if (reserved_memory < 0) {
        return success();  // nothing reserved beyond /memreserve/
    }
    int child = fdt_first_subnode(fdt, reserved_memory);
    for (; child >= 0; child = fdt_next_subnode(fdt, child)) {
        // A child with only `size` (and perhaps `alloc-ranges`) asks the OS to allocate
        // somewhere: it pins no address, so it has no `reg` and adds no range here.
        if (!is_enabled(fdt, child)) {
            continue;
        }
        Status status = append_reg_ranges(fdt, child, info.reserved, info.reserved_count, max_reserved_ranges,
                                          "reserved", diag);
        if (!status) {
            return status;
        }
    }
    if (child != -FDT_ERR_NOTFOUND) {
        return report(diag, Error::arg_inval, "/reserved-memory: {}", fdt_strerror(child));
    }
    return success();
}

}  // namespace hyp::platform::dt
