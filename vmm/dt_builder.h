// The secondary VM's device tree: what Linux needs to boot on the VM (CPUs, PSCI, RAM,
// GICv3, timer, the PL011 console, /chosen) and the /gunyah-vm-config node the resource
// manager reads to build it (rm/dt/secondary_dt.h is that contract).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vmm {

// The RM adds /hypervisor (its RPC link and one node per doorbell, about 1 KiB) inside
// the same 64 KiB window: a tree larger than this leaves it too little room.
inline constexpr std::size_t max_dt_size = (64 - 4) * 1024;

// Fixed phandles: nothing else in the tree has one.
inline constexpr std::uint32_t gic_phandle = 1;
inline constexpr std::uint32_t clock_phandle = 2;

struct VmDescription {
    unsigned cpus = 1;
    std::uint64_t ram_base = 0;
    std::uint64_t ram_size = 0;
    std::uint64_t gicd_base = 0;
    std::uint64_t gicd_size = 0;
    std::uint64_t gicr_base = 0;  // the VM's region is gicr_stride bytes per vCPU
    std::string cmdline;
    bool has_initrd = false;
    std::uint64_t initrd_start = 0;  // IPA
    std::uint64_t initrd_end = 0;    // IPA, exclusive
};

// A packed flattened tree, at most max_dt_size bytes; false with `error` otherwise.
[[nodiscard]] bool build_dt(const VmDescription& vm, std::vector<std::uint8_t>& out, std::string& error);

}  // namespace vmm
