// Device memory for VMs: the physical ranges the resource manager may map into VMs as
// MMIO. Every page below the top of RAM that is neither RAM (a /memory range, firmware's
// reserved parts included, and any other reserved range) nor a device the hypervisor
// keeps (PlatformInfo::kept_devices: the GIC, the console, the SMMUs). Gunyah hands its
// resource manager such a window too (gunyah-rm.md, device_me). Addresses above the top
// of RAM are left out: on QEMU virt that is the high PCIe window, on Qualcomm SoCs
// nothing (their devices sit below DRAM at 0x80000000).
#pragma once

#include <cstddef>

#include "support/result.h"
#include "platform/platform_info.h"

namespace hyp::platform {

// Writes the ranges, sorted, disjoint and 4 KiB-aligned (holes are widened to whole
// pages), into `out` and returns how many there are; Error::nomem when they do not fit
// in `capacity`.
[[nodiscard]] Result<std::size_t> vm_device_memory(const PlatformInfo& info, PhysRange* out, std::size_t capacity);

}  // namespace hyp::platform
