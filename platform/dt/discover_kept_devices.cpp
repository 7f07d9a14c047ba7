// Platform discovery, the devices the hypervisor keeps: MMIO no VM may be given.
//   - The GIC: every `reg` of its node (distributor, redistributors, and on GICv3 trees
//     that list them the GICv2-compatible CPU interface, GICH and GICV) and of its
//     children (the ITS). VMs get the virtual GIC at the same addresses instead.
//   - The console's UART: the hypervisor writes to it, and VMs' virtual PL011 sits there.
//   - Every SMMU, enabled in the tree or not: its stream tables decide what each device
//     may reach in memory, so whoever programs it can reach past stage 2. Firmware's
//     setting is left as it is (docs/boards/rb3gen2.md, "The SMMU limit").
// Everything else below the top of RAM that is not RAM is device memory the resource
// manager may give VMs (platform/dt/vm_device_memory.h).
#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

// Linux's arm-smmu and arm-smmu-v3 drivers' match tables, and Qualcomm's SoC-specific
// names, which always come with one of these as a later compatible.
constexpr const char* smmu_compatibles[] = {
    "arm,smmu-v1", "arm,smmu-v2",   "arm,mmu-400",  "arm,mmu-401",      "arm,mmu-500",
    "arm,smmu-v3", "qcom,smmu-v2", "qcom,smmu-500", "qcom,adreno-smmu", "nvidia,smmu-500",
};

bool is_smmu(const void* fdt, int node)
{
    for (const char* compatible : smmu_compatibles) {
        if (is_compatible(fdt, node, compatible)) {
            return true;
        }
    }
    return false;
}

constexpr const char* kept_what = "kept device";

// `node`'s ranges and those of every node below it.
Status append_subtree(const void* fdt, int node, PlatformInfo& info, Diagnostic& diag)
{
    int depth = 0;
    for (int at = node; at >= 0 && (at == node || depth > 0); at = fdt_next_node(fdt, at, &depth)) {
        if (Status s = append_reg_ranges(fdt, at, info.kept_devices, info.kept_device_count, max_kept_devices,
                                         kept_what, diag);
            !s) {
            return s;
        }
    }
    return success();
}

}  // namespace

Status discover_kept_devices(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag)
{
    if (gic_node >= 0) {
        if (Status s = append_subtree(fdt, gic_node, info, diag); !s) {
            return s;
        }
    }
    if (Status s = append_range(info.kept_devices, info.kept_device_count, max_kept_devices, info.console.regs,
                                kept_what, diag);
        !s) {
        return s;
    }
    int node = fdt_next_node(fdt, -1, nullptr);
    for (; node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        if (!is_smmu(fdt, node)) {
            continue;
        }
        if (Status s = append_reg_ranges(fdt, node, info.kept_devices, info.kept_device_count, max_kept_devices,
                                         kept_what, diag);
            !s) {
            return s;
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return report(diag, Error::arg_inval, "searching for SMMUs: {}", fdt_strerror(node));
    }
    return success();
}

}  // namespace hyp::platform::dt
