// Platform discovery, CPUs: every `device_type = "cpu"` node under /cpus, with the
// MPIDR its `reg` holds (what PSCI CPU_ON and GICv3 affinity routing need) and how it
// is started (enable-method).

#include <cstring>

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

// MPIDR_EL1 affinity fields: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0].
constexpr std::uint64_t mpidr_affinity_mask = 0xff00ffffffull;

bool is_cpu_node(const void* fdt, int node)
{
    int length = 0;
    const void* type = fdt_getprop(fdt, node, "device_type", &length);
    static constexpr char cpu_type[] = "cpu";
    return type != nullptr && length == static_cast<int>(sizeof cpu_type) &&
           std::memcmp(type, cpu_type, sizeof cpu_type) == 0;
}

Status record_cpu(const void* fdt, int node, const BusCells& cells, PlatformInfo& info, Diagnostic& diag)
{
    ++info.cpu_nodes_found;
    Result<Prop> reg = find_prop(fdt, node, "reg", diag);
    if (!reg) {
        return fail(reg.error());
    }
    if (!reg->present()) {
        return report(diag, Error::arg_inval, "{}: cpu node has no reg (its MPIDR)", node_path(fdt, node).c_str());
    }
    std::size_t expected = 4 * std::size_t{cells.address + cells.size};
    if (reg->length != expected) {
        return report(diag, Error::arg_size, "{}: reg is {} bytes, expected {} (/cpus #address-cells = {})",
                      node_path(fdt, node).c_str(), reg->length, expected, cells.address);
    }
    std::uint64_t mpidr = load_cells(reg->data, cells.address);
    if ((mpidr & ~mpidr_affinity_mask) != 0) {
        return report(diag, Error::arg_inval, "{}: reg {:#x} has bits outside the MPIDR affinity fields",
                      node_path(fdt, node).c_str(), mpidr);
    }
    Result<DtString> enable_method = read_string(fdt, node, "enable-method", diag);
    if (!enable_method) {
        return fail(enable_method.error());
    }
    if (info.cpu_count >= max_cpus) {
        return success();  // counted in cpu_nodes_found, so the kernel can say how many it ignores
    }
    for (std::size_t i = 0; i < info.cpu_count; ++i) {
        if (info.cpus[i].mpidr == mpidr) {
            return report(diag, Error::arg_inval, "{}: MPIDR {:#x} is used by another cpu node",
                          node_path(fdt, node).c_str(), mpidr);
        }
    }
    info.cpus[info.cpu_count++] = CpuInfo{mpidr, *enable_method};
    return success();
}

}  // namespace

Status discover_cpus(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) {
        return success();  // check_runnable() reports the missing CPUs
    }
    Result<BusCells> cells = child_cells(fdt, cpus, diag);
    if (!cells) {
        return fail(cells.error());
    }
    // cpu `reg`s carry no size: /cpus says #size-cells = 0, and its absence means the same
    // here rather than inheriting the root's.
    Result<std::uint32_t> size_cells = read_u32(fdt, cpus, "#size-cells", 0, diag);
    if (!size_cells) {
        return fail(size_cells.error());
    }
    cells->size = *size_cells;
    if (cells->address < 1 || cells->address > 2 || cells->size > 2) {
        return report(diag, Error::arg_inval, "/cpus: #address-cells = {}, #size-cells = {} is not supported",
                      cells->address, cells->size);
    }
    int node = fdt_first_subnode(fdt, cpus);
    for (; node >= 0; node = fdt_next_subnode(fdt, node)) {
        if (!is_cpu_node(fdt, node)) {
            continue;  // cpu-map, idle-states, ...
        }
        Status status = record_cpu(fdt, node, *cells, info, diag);
        if (!status) {
            return status;
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return report(diag, Error::arg_inval, "/cpus: {}", fdt_strerror(node));
    }
    return success();
}

}  // namespace hyp::platform::dt
