// The topics of platform discovery, one per file (discover_*.cpp), called in turn by
// discover() on a blob it has already validated. Each fills its part of PlatformInfo
// or returns an error with the Diagnostic naming the node and property at fault.
#pragma once

#include <cstddef>

#include "support/result.h"
#include "platform/dt/diagnostic.h"
#include "platform/platform_info.h"

namespace hyp::platform::dt {

[[nodiscard]] Status discover_memory(const void* fdt, PlatformInfo& info, Diagnostic& diag);
[[nodiscard]] Status discover_reserved(const void* fdt, PlatformInfo& info, Diagnostic& diag);
[[nodiscard]] Status discover_cpus(const void* fdt, PlatformInfo& info, Diagnostic& diag);
// Sets `gic_node` to the chosen interrupt controller's offset (-1 when none), which the
// timer and console need to tell GIC interrupts from those of other controllers.
[[nodiscard]] Status discover_gic(const void* fdt, PlatformInfo& info, int& gic_node, Diagnostic& diag);
[[nodiscard]] Status discover_timer(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag);
[[nodiscard]] Status discover_psci(const void* fdt, PlatformInfo& info, Diagnostic& diag);
// /chosen: bootargs and the boot modules.
[[nodiscard]] Status discover_chosen(const void* fdt, PlatformInfo& info, Diagnostic& diag);
[[nodiscard]] Status discover_console(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag);
// After the GIC: which SPIs the tree's devices signal by edge (GicInfo::edge_spis).
[[nodiscard]] Status discover_triggers(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag);
// After the GIC and the console: the device ranges the hypervisor keeps from VMs.
[[nodiscard]] Status discover_kept_devices(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag);

// Appends a non-empty range to a fixed array; `what` names the array in the message.
[[nodiscard]] Status append_range(PhysRange* ranges, std::size_t& count, std::size_t capacity,
                                  const PhysRange& range, const char* what, Diagnostic& diag);
// Appends every range of `node`'s `reg`, translated to CPU physical addresses.
[[nodiscard]] Status append_reg_ranges(const void* fdt, int node, PhysRange* ranges, std::size_t& count,
                                       std::size_t capacity, const char* what, Diagnostic& diag);

}  // namespace hyp::platform::dt
