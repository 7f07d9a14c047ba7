// Where the platform's GICv3 is: the secondary VM's virtual GIC sits at the same
// addresses (the RM makes its vGIC at the platform's GICD/GICR), so the VMM reads them
// from the primary VM's own device tree, /proc/device-tree: a directory per node, a file
// of raw big-endian bytes per property.
#pragma once

#include <cstdint>
#include <string>

namespace vmm {

// QEMU virt's GICv3, used when the tree has none (with a warning).
inline constexpr std::uint64_t default_gicd_base = 0x08000000;
inline constexpr std::uint64_t default_gicd_size = 0x10000;
inline constexpr std::uint64_t default_gicr_base = 0x080a0000;
// One redistributor (RD_base + SGI_base frames) per vCPU.
inline constexpr std::uint64_t gicr_stride = 0x20000;

struct GicLocation {
    std::uint64_t gicd_base = default_gicd_base;
    std::uint64_t gicd_size = default_gicd_size;
    std::uint64_t gicr_base = default_gicr_base;
    bool from_tree = false;
    std::string node;     // the node's path under the tree, when found
    std::string warning;  // why the defaults are used, when they are
};

// Finds the node whose compatible list holds "arm,gic-v3" under `tree` and reads its
// reg (cells per its parent's #address-cells / #size-cells, default 2 and 1 as the DT
// spec says): the first entry is the distributor, the second the redistributors. The
// defaults, with `warning` set, when there is no such node or its reg is unusable.
[[nodiscard]] GicLocation find_primary_gic(const std::string& tree);

}  // namespace vmm
