// The board DT editor's device step (see board_dt.h). The VM gets every device's MMIO at
// IPA = PA except what the hypervisor keeps: the GIC with its children, the console UART
// and every SMMU. The VM sees a virtual GIC where the GIC is; the rest it must not probe:
//   - every SMMU node and every ITS under the GIC (the virtual GIC has none) is disabled.
//     The nodes that name them stay as they are. A device whose `iommus` names a
//     disabled SMMU still probes, untranslated: Linux's of_iommu_xlate() answers -ENODEV
//     (NO_IOMMU in older kernels, 6.1 among them) for an unavailable IOMMU node,
//     of_dma_configure_id() takes any answer but -EPROBE_DEFER as "not behind an IOMMU",
//     and fw_devlink links no consumer to a disabled supplier. (A driver may still refuse
//     to run without translation; that is its own probe failing, not the core's.) A
//     device whose msi-parent or msi-map names the ITS finds no MSI domain and is left to
//     its wired interrupts (none of the Qualcomm trees the tests use has either property).
#include <cstring>

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm::board_dt_detail {
namespace {

// Linux's arm-smmu and arm-smmu-v3 drivers' compatibles. Qualcomm's SoC-specific names
// ("qcom,sc7280-smmu-500", "qcom,msm8996-smmu-v2") come with one of these in the real
// trees, and are matched by pattern as well in case one does not.
constexpr const char* smmu_compatibles[] = {
    "arm,smmu-v1", "arm,smmu-v2",   "arm,mmu-400",  "arm,mmu-401",      "arm,mmu-500",
    "arm,smmu-v3", "qcom,smmu-v2", "qcom,smmu-500", "qcom,adreno-smmu", "nvidia,smmu-500",
};

bool ends_with(const char* text, int length, const char* suffix)
{
    const int n = static_cast<int>(std::strlen(suffix));
    return length >= n && std::memcmp(text + length - n, suffix, static_cast<std::size_t>(n)) == 0;
}

bool is_smmu(const void* fdt, int node)
{
    int length = 0;
    for (int i = 0; const char* compatible = fdt_stringlist_get(fdt, node, "compatible", i, &length); ++i) {
        for (const char* known : smmu_compatibles) {
            if (std::strlen(known) == static_cast<std::size_t>(length) &&
                std::memcmp(compatible, known, static_cast<std::size_t>(length)) == 0) {
                return true;
            }
        }
        if (length > 5 && std::memcmp(compatible, "qcom,", 5) == 0 &&
            (ends_with(compatible, length, "-smmu-500") || ends_with(compatible, length, "-smmu-v2"))) {
            return true;
        }
    }
    return false;
}

Status disable(Tree& tree, int node)
{
    // The node's own offset does not move, so a walk from it goes on.
    return fdt_result(tree, fdt_setprop_string(tree.fdt, node, "status", "disabled"), "disabling a device");
}

}  // namespace

Status disable_kept_devices(Tree& tree)
{
    int node = fdt_next_node(tree.fdt, -1, nullptr);
    for (; node >= 0; node = fdt_next_node(tree.fdt, node, nullptr)) {
        if (is_smmu(tree.fdt, node)) {
            if (Status s = disable(tree, node); !s) {
                return s;
            }
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return fdt_result(tree, node, "looking for SMMUs");
    }
    const int gic = find_gic(tree.fdt);
    if (gic < 0) {
        return success();  // no GIC, no ITS (the /hypervisor step refuses such a tree)
    }
    int child = 0;
    fdt_for_each_subnode(child, tree.fdt, gic)
    {
        if (fdt_node_check_compatible(tree.fdt, child, "arm,gic-v3-its") == 0 ||
            fdt_getprop(tree.fdt, child, "msi-controller", nullptr) != nullptr) {
            if (Status s = disable(tree, child); !s) {
                return s;
            }
        }
    }
    return success();
}

}  // namespace hyp::rm::board_dt_detail
