// The hypervisor's own address space at EL2: an identity map (VA == PA) of its image
// with per-section permissions, of RAM, and of the devices it drives.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"

#include <arch/mmu.h>

namespace hyp::mem {

// Largest device tree we accept, as Linux does.
inline constexpr std::uint64_t max_dtb_size = 2 * 1024 * 1024;

// Before the device tree has been read: the image, the blob itself (read-only) and the
// early UART that boot code names (empty: none). `dtb_size` comes from the blob header,
// read with the MMU off. Runs with the MMU off; turns it on.
void enable_early_map(PhysAddr dtb, std::uint64_t dtb_size, PhysRange early_uart);

// What the final map holds besides the image. Boot code fills it from what it
// discovered; this file knows no board and no device tree.
struct HypMapLayout {
    const PhysRange* usable_ram = nullptr;  // RAM the hypervisor may touch (read-write)
    std::size_t usable_count = 0;
    PhysRange dtb;                        // read-only; left out of the RAM mapping
    const PhysRange* devices = nullptr;   // MMIO the hypervisor drives (GIC, console, ...)
    std::size_t device_count = 0;         // a device overlapping an earlier one is mapped once
};

// After discovery: a fresh set of tables with the image and `layout`, then switches to
// it. On failure the early map stays in place and the error says what did not fit.
[[nodiscard]] Status switch_to_final_map(const HypMapLayout& layout);

// The tables secondary CPUs start with.
[[nodiscard]] const std::uint64_t* current_root();

}  // namespace hyp::mem

// The MMU settings secondary CPUs use in head.S (cleaned to PoC before CPU_ON).
extern "C" hyp::arch::MmuParams secondary_mmu_params;
