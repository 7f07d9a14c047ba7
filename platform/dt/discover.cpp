// Platform discovery entry point: validates the blob as a whole, then lets each topic
// (discover_*.cpp) fill its part of PlatformInfo.
#include "platform/dt/discover.h"

#include "platform/dt/fdt.h"

#include <cstring>
#include <type_traits>

#include "platform/dt/discover_parts.h"
#include "platform/dt/reader.h"

namespace hyp::platform {
namespace {

// Every default in PlatformInfo is zero (null pointers, zero counts, enumerators `none`),
// so clearing is a memset: no 4 KiB temporary on a cold-boot stack.
void clear(PlatformInfo& info)
{
    static_assert(std::is_trivially_copyable_v<PlatformInfo>);
    static_assert(GicVersion{} == GicVersion::none && ConsoleKind{} == ConsoleKind::none &&
                  PsciMethod{} == PsciMethod::none && ModuleKind{} == ModuleKind::kernel);
    std::memset(static_cast<void*>(&info), 0, sizeof info);
    for (BootModule& module : info.modules) {
        module.kind = ModuleKind::other;  // the one default that is not zero
    }
}

// Header, size and structure checks, so that the walk that follows only meets offsets
// and lengths libfdt has already bounded.
Status validate_blob(const void* blob, std::size_t capacity, Diagnostic& diag)
{
    if (blob == nullptr) {
        return dt::report(diag, Error::arg_inval, "no device tree (null pointer)");
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
    return success();
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
    return status;
}

}  // namespace

Status discover(const void* blob, std::size_t blob_capacity, PlatformInfo& info, Diagnostic& diag)
{
    clear(info);
    diag.clear();
    Status status = validate_blob(blob, blob_capacity, diag);
    if (status) {
        status = discover_validated(blob, info, diag);
    }
    if (!status) {
        clear(info);  // no half-filled description for a caller to trust by mistake
    }
    return status;
}

}  // namespace hyp::platform
