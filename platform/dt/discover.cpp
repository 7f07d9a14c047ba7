// Platform discovery entry point: validates the blob as a whole, then lets each topic
// (discover_*.cpp) fill its part of PlatformInfo.
#include "platform/dt/discover.h"

#include <cstdint>

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform {
namespace {

// Copied over the caller's PlatformInfo to clear it: no 4 KiB temporary on a cold-boot
// stack, and no assumption about what the defaults are.
constexpr PlatformInfo empty_info{};

// Real trees nest fewer than 10 levels; Linux gives up at 64. The bound also keeps the
// walks up the tree (cells, ranges, interrupt parents) cheap on a hostile blob.
constexpr int max_depth = 64;

// The reservation map has no size in the header: it runs to its first all-zero entry.
// libfdt bounds that by the blob's end only; entries running on into the structure or
// strings block are garbage, not reservations.
Status check_reservation_map(const void* blob, Diagnostic& diag)
{
    int entries = fdt_num_mem_rsv(blob);
    if (entries < 0) {
        return dt::report(diag, Error::arg_inval, "device tree reservation map: {}", fdt_strerror(entries));
    }
    std::uint64_t begin = fdt_off_mem_rsvmap(blob);
    std::uint64_t end = begin + (std::uint64_t{static_cast<std::uint32_t>(entries)} + 1) * sizeof(fdt_reserve_entry);
    auto overlaps = [&](std::uint64_t block, std::uint64_t size) { return size != 0 && begin < block + size && block < end; };
    if (overlaps(fdt_off_dt_struct(blob), fdt_size_dt_struct(blob)) ||
        overlaps(fdt_off_dt_strings(blob), fdt_size_dt_strings(blob))) {
        return dt::report(diag, Error::arg_inval, "device tree reservation map ({} entries) runs into another block",
                          entries);
    }
    return success();
}

// Every tag of the structure block in order, for what fdt_check_full() lets through.
// libfdt 1.6.1 reads a property length as a signed int, so a length of 0xffffffff passes
// as -1 and steps the walk back into the property's header; and it puts no bound on
// nesting.
Status check_structure_tags(const void* blob, Diagnostic& diag)
{
    int offset = 0;
    int depth = 0;
    for (;;) {
        int next = 0;
        std::uint32_t tag = fdt_next_tag(blob, offset, &next);
        if (next < 0) {
            return dt::report(diag, Error::arg_inval, "device tree structure is invalid: {}", fdt_strerror(next));
        }
        if (tag == FDT_END) {
            return success();
        }
        if (tag == FDT_BEGIN_NODE && ++depth > max_depth) {
            return dt::report(diag, Error::arg_inval, "device tree nests deeper than {} levels", max_depth);
        }
        if (tag == FDT_END_NODE) {
            --depth;
        }
        if (tag == FDT_PROP) {
            const char* name = nullptr;
            int length = 0;
            if (fdt_getprop_by_offset(blob, offset, &name, &length) == nullptr || length < 0) {
                return dt::report(diag, Error::arg_inval, "device tree property at offset {} has an invalid length",
                                  offset);
            }
        }
        if (next <= offset) {
            return dt::report(diag, Error::arg_inval, "device tree structure loops at offset {}", offset);
        }
        offset = next;
    }
}

// Header, size and structure checks, so that the walk that follows only meets offsets
// and lengths libfdt has already bounded.
Status validate_blob(const void* blob, std::size_t capacity, Diagnostic& diag)
{
    if (blob == nullptr) {
        return dt::report(diag, Error::arg_inval, "no device tree (null pointer)");
    }
    if (reinterpret_cast<std::uintptr_t>(blob) % 8 != 0) {
        return dt::report(diag, Error::arg_align, "device tree at {} is not 8-byte aligned", blob);
    }
    if (capacity < sizeof(fdt_header)) {
        return dt::report(diag, Error::arg_size, "device tree: {} bytes mapped, fewer than its {}-byte header",
                          capacity, sizeof(fdt_header));
    }
    int err = fdt_check_header(blob);
    if (err != 0) {
        return dt::report(diag, Error::arg_inval, "device tree header is invalid: {}", fdt_strerror(err));
    }
    if (fdt_totalsize(blob) > capacity) {
        return dt::report(diag, Error::arg_size, "device tree totalsize {} exceeds the {} bytes mapped",
                          fdt_totalsize(blob), capacity);
    }
    err = fdt_check_full(blob, fdt_totalsize(blob));
    if (err != 0) {
        return dt::report(diag, Error::arg_inval, "device tree structure is invalid: {}", fdt_strerror(err));
    }
    Status status = check_reservation_map(blob, diag);
    if (!status) {
        return status;
    }
    return check_structure_tags(blob, diag);
}

Status discover_validated(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    int root = fdt_path_offset(fdt, "/");
    if (root < 0) {
        return dt::report(diag, Error::arg_inval, "device tree has no root node: {}", fdt_strerror(root));
    }
    Result<DtString> model = dt::read_string(fdt, root, "model", diag);
    if (!model) {
        return fail(model.error());
    }
    info.model = *model;

    int gic_node = -1;
    Status status = dt::discover_memory(fdt, info, diag);
    if (status) {
        status = dt::discover_reserved(fdt, info, diag);
    }
    if (status) {
        status = dt::discover_cpus(fdt, info, diag);
    }
    if (status) {
        status = dt::discover_gic(fdt, info, gic_node, diag);
    }
    if (status) {
        status = dt::discover_timer(fdt, gic_node, info, diag);
    }
    if (status) {
        status = dt::discover_psci(fdt, info, diag);
    }
    if (status) {
        status = dt::discover_chosen(fdt, info, diag);
    }
    if (status) {
        status = dt::discover_console(fdt, gic_node, info, diag);
    }
    if (status) {
        status = dt::discover_kept_devices(fdt, gic_node, info, diag);
    }
    if (status) {
        status = dt::discover_triggers(fdt, gic_node, info, diag);
    }
    return status;
}

}  // namespace

Status discover(const void* blob, std::size_t blob_capacity, PlatformInfo& info, Diagnostic& diag)
{
    info = empty_info;
    diag.clear();
    Status status = validate_blob(blob, blob_capacity, diag);
    if (status) {
        status = discover_validated(blob, info, diag);
    }
    if (!status) {
        info = empty_info;  // no half-filled description for a caller to trust by mistake
    }
    return status;
}

}  // namespace hyp::platform
