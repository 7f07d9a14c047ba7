// The hypervisor's own address space at EL2: an identity map (VA == PA) of its image
// with per-section permissions, of RAM, and of the devices it drives.
#pragma once

#include <cstdint>

#include "kernel/core/addr.h"
#include "kernel/core/result.h"

#include <arch/mmu.h>
#include "platform/platform_info.h"

namespace hyp::mem {

// Largest device tree we accept, as Linux does.
inline constexpr std::uint64_t max_dtb_size = 2 * 1024 * 1024;

// Before the device tree has been read: the image, the blob itself (read-only) and the
// board's early UART. `dtb_size` comes from the blob header, read with the MMU off.
// Runs with the MMU off; turns it on.
void enable_early_map(PhysAddr dtb, std::uint64_t dtb_size);

// After discovery: a fresh set of tables with the image, usable RAM, the blob and the
// devices the kernel drives (console, GIC), then switches to it. On failure the early
// map stays in place and the error says what did not fit.
[[nodiscard]] Status switch_to_final_map(const platform::PlatformInfo& info, PhysAddr dtb, std::uint64_t dtb_size);

// The tables secondary CPUs start with.
[[nodiscard]] const std::uint64_t* current_root();

}  // namespace hyp::mem

// The MMU settings secondary CPUs use in head.S (cleaned to PoC before CPU_ON).
extern "C" hyp::arch::MmuParams secondary_mmu_params;
