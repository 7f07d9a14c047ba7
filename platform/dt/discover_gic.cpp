// Platform discovery, interrupt controller: the GIC by compatible, its distributor and
// GICv3 redistributor regions, and its maintenance interrupt. A GICv2 is recorded too,
// so that the kernel can say plainly that GICv2 is not supported.

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/interrupts.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

constexpr const char* gic_v3_compatibles[] = {"arm,gic-v3"};
constexpr const char* gic_v2_compatibles[] = {
    "arm,gic-400",       "arm,cortex-a15-gic", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
    "arm,gic-v2",        "arm,arm11mp-gic",    "arm,eb11mp-gic",    "arm,tc11mp-gic",
    "arm,pl390",         "qcom,msm-8660-qgic", "qcom,msm-qgic2",    "brcm,brahma-b15-gic",
    "nvidia,tegra210-agic",
};

// GICv3 redistributor frames come in 64 KiB units; a stride is a whole number of them.
constexpr std::uint64_t redistributor_stride_unit = 0x10000;

template <std::size_t N>
bool compatible_with_any(const void* fdt, int node, const char* const (&compatibles)[N])
{
    for (const char* compatible : compatibles) {
        if (is_compatible(fdt, node, compatible)) {
            return true;
        }
    }
    return false;
}

GicVersion version_of(const void* fdt, int node)
{
    if (compatible_with_any(fdt, node, gic_v3_compatibles)) {
        return GicVersion::v3;
    }
    if (compatible_with_any(fdt, node, gic_v2_compatibles)) {
        return GicVersion::v2;
    }
    return GicVersion::none;
}

// The first node, in tree order, compatible with one of `compatibles`; -1 when none.
template <std::size_t N>
int first_compatible(const void* fdt, const char* const (&compatibles)[N])
{
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        if (compatible_with_any(fdt, node, compatibles)) {
            return node;
        }
    }
    return -1;
}

// The root's interrupt-parent when it is a GIC (a tree may describe several interrupt
// controllers; the root's is the one the CPUs take interrupts from), else the first
// GICv3, else the first GICv2. Qualcomm's PDC is no GIC and never matches.
Result<int> choose_gic(const void* fdt, Diagnostic& diag)
{
    int root = fdt_path_offset(fdt, "/");
    if (root < 0) {
        return report(diag, Error::arg_inval, "device tree has no root node: {}", fdt_strerror(root));
    }
    Result<std::uint32_t> phandle = read_u32(fdt, root, "interrupt-parent", 0, diag);
    if (!phandle) {
        return fail(phandle.error());
    }
    if (*phandle != 0) {
        int node = fdt_node_offset_by_phandle(fdt, *phandle);
        if (node >= 0 && version_of(fdt, node) != GicVersion::none) {
            return node;
        }
    }
    int node = first_compatible(fdt, gic_v3_compatibles);
    if (node >= 0) {
        return node;
    }
    return first_compatible(fdt, gic_v2_compatibles);
}

Status read_redistributors(const void* fdt, int node, const Reg& reg, GicInfo& gic, Diagnostic& diag)
{
    Result<std::uint32_t> regions = read_u32(fdt, node, "#redistributor-regions", 1, diag);
    if (!regions) {
        return fail(regions.error());
    }
    if (*regions < 1 || *regions > max_redistributor_regions) {
        return report(diag, Error::arg_inval, "{}: #redistributor-regions = {}, supported 1 to {}",
                      node_path(fdt, node).c_str(), *regions, max_redistributor_regions);
    }
    if (reg.count < 1 + std::size_t{*regions}) {
        return report(diag, Error::arg_inval, "{}: reg has {} entries, fewer than the distributor and {} redistributor regions",
                      node_path(fdt, node).c_str(), reg.count, *regions);
    }
    for (std::size_t i = 0; i < *regions; ++i) {
        Result<PhysRange> region = reg_range(fdt, node, reg, 1 + i, Translate::through_ranges, diag);
        if (!region) {
            return fail(region.error());
        }
        gic.redistributor_regions[gic.redistributor_region_count++] = *region;
    }

    Result<Prop> stride = find_prop(fdt, node, "redistributor-stride", diag);
    if (!stride) {
        return fail(stride.error());
    }
    if (stride->present()) {
        if (stride->length != 8) {
            return report(diag, Error::arg_size, "{}: redistributor-stride is {} bytes, expected 8 (a u64)",
                          node_path(fdt, node).c_str(), stride->length);
        }
        std::uint64_t value = load_cells(stride->data, 2);
        if (value == 0 || value % redistributor_stride_unit != 0) {
            return report(diag, Error::arg_inval, "{}: redistributor-stride {:#x} is not a multiple of 64 KiB",
                          node_path(fdt, node).c_str(), value);
        }
        gic.redistributor_stride = value;
    }
    return success();
}

}  // namespace

Status discover_gic(const void* fdt, PlatformInfo& info, int& gic_node, Diagnostic& diag)
{
    gic_node = -1;
    Result<int> chosen = choose_gic(fdt, diag);
    if (!chosen) {
        return fail(chosen.error());
    }
    int node = *chosen;
    if (node < 0) {
        return success();  // check_runnable() reports the missing GIC
    }

    GicInfo& gic = info.gic;
    gic.version = version_of(fdt, node);
    Result<DtString> compatible = read_string(fdt, node, "compatible", diag);
    if (!compatible) {
        return fail(compatible.error());
    }
    gic.compatible = *compatible;

    Result<Reg> reg = read_reg(fdt, node, diag);
    if (!reg) {
        return fail(reg.error());
    }
    if (reg->count < 1) {
        return report(diag, Error::arg_inval, "{}: interrupt controller has no reg", node_path(fdt, node).c_str());
    }
    Result<PhysRange> distributor = reg_range(fdt, node, *reg, 0, Translate::through_ranges, diag);
    if (!distributor) {
        return fail(distributor.error());
    }
    gic.distributor = *distributor;
    if (gic.version == GicVersion::v3) {
        Status status = read_redistributors(fdt, node, *reg, gic, diag);
        if (!status) {
            return status;
        }
    }

    gic_node = node;
    Result<Interrupts> interrupts = read_interrupts(fdt, node, gic_node, diag);
    if (!interrupts) {
        return fail(interrupts.error());
    }
    Result<std::uint32_t> maintenance = interrupt_intid(fdt, node, *interrupts, 0, diag);
    if (!maintenance) {
        return fail(maintenance.error());
    }
    gic.maintenance_intid = *maintenance;
    return success();
}

}  // namespace hyp::platform::dt
