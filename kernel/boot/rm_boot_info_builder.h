// Filling the boot-info structure the resource manager receives in x0
// (hyp_api/rm_boot_info.h) from what the kernel knows: the platform as discovery found
// it, the capabilities the kernel gave the RM, the RM's RAM, the root partition's free
// RAM and the hypervisor's own command line. Pure data in, data out: the target's root
// VM code calls it, the host tests check every field.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/rm_boot_info.h"
#include "support/addr.h"
#include "support/format.h"
#include "support/result.h"
#include "platform/platform_info.h"

namespace hyp {

// The RM's capabilities, ids in the RM's own cspace. GUNYAH_CAP_ID_INVALID for one not given.
struct RmBootCaps {
    std::uint64_t partition = GUNYAH_CAP_ID_INVALID;      // the root partition
    std::uint64_t cspace = GUNYAH_CAP_ID_INVALID;         // the RM's cspace
    std::uint64_t addrspace = GUNYAH_CAP_ID_INVALID;      // the RM's address space
    std::uint64_t ram_memextent = GUNYAH_CAP_ID_INVALID;  // covering the RM's RAM
    std::uint64_t vic = GUNYAH_CAP_ID_INVALID;            // the RM's own virtual GIC
    std::uint32_t vic_spis = 0;                           // its SPIs, from INTID 32
    // modules[i] covers platform.modules[i], its range rounded out to whole 4 KiB pages
    // (the RM maps it at IPA = the rounded-down base).
    std::uint64_t modules[platform::max_boot_modules] = {
        GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID,
        GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID, GUNYAH_CAP_ID_INVALID};
};
static_assert(platform::max_boot_modules == 8, "RmBootCaps::modules' initialiser lists 8 invalid caps");

struct RmBootInfoInputs {
    const platform::PlatformInfo* platform = nullptr;
    RmBootCaps caps;
    PhysRange rm_ram;                       // RM_RAM_SIZE bytes, 2 MiB aligned; IPA = PA
    const PhysRange* free_ram = nullptr;    // the root partition's RAM the RM may give away
    std::size_t free_ram_count = 0;
    fmt::StrView cmdline;                   // the hypervisor's command line (/chosen/bootargs)
    std::uint32_t boot_cpu = 0;             // index in platform->cpus of the CPU that booted
    PhysRange hypervisor;                   // the hypervisor's own image: boot info's hyp_phys
    // Device memory the RM may map into VMs, sorted and disjoint, and a memextent cap over
    // each range (device_caps[i] covers device_memory[i]).
    const PhysRange* device_memory = nullptr;
    const std::uint64_t* device_caps = nullptr;
    std::size_t device_count = 0;
    // hwirq_caps[i]: the hwirq of SPI 32 + i (or GUNYAH_CAP_ID_INVALID), for the GIC's
    // hwirq_count SPIs.
    const std::uint64_t* hwirq_caps = nullptr;
    std::size_t hwirq_count = 0;
};

// What did not fit, for the kernel's log; the structure carries the same as flags.
struct RmBootInfoReport {
    std::size_t options_dropped = 0;        // rm. words left out of options (whole)
    std::size_t bootargs_truncated = 0;     // modules whose bootargs were cut
    std::size_t ram_ranges_dropped = 0;     // free ranges beyond RM_BOOT_INFO_MAX_RAM_RANGES
};

// Where the structure goes in the RM's RAM: the top RM_BOOT_INFO_RESERVED_SIZE bytes.
[[nodiscard]] constexpr PhysAddr rm_boot_info_address(PhysRange rm_ram)
{
    return rm_ram.end() - RM_BOOT_INFO_RESERVED_SIZE;
}

// Fills `out` completely (every byte not set is zero). Free ranges are sorted by base;
// empty ones are skipped; the first RM_BOOT_INFO_MAX_RAM_RANGES are kept. Options are the
// command line's words starting with "rm.", in order. Refuses (arg_inval) a null
// platform, a boot CPU outside its CPUs, free ranges that wrap or overlap each other,
// an RM RAM range that is not RM_RAM_SIZE bytes at a 2 MiB boundary, and more device
// ranges than RM_BOOT_INFO_MAX_DEVICE_RANGES or hwirqs than RM_BOOT_INFO_MAX_HWIRQS (or a
// count without its array).
[[nodiscard]] Result<RmBootInfoReport> build_rm_boot_info(const RmBootInfoInputs& inputs, rm_boot_info& out);

// Where the board's DTB goes in the RM's RAM for a tree of `size` bytes: directly below
// boot info, its size rounded up to 4 KiB (rm_boot_info.h).
[[nodiscard]] constexpr PhysRange rm_board_dtb_range(PhysRange rm_ram, std::size_t size)
{
    const std::uint64_t room = (std::uint64_t{size} + RM_BOOT_INFO_ALIGNMENT - 1) & ~std::uint64_t{RM_BOOT_INFO_ALIGNMENT - 1};
    return PhysRange{rm_boot_info_address(rm_ram) - room, size};
}

// Copies the board's DTB (`size` bytes at `dtb`, as discovery read it) into the RM's RAM
// below boot info and records it in `out` (built by build_rm_boot_info(): board_dtb at
// IPA = PA, RM_BOOT_INFO_BOARD_DTB set). `rm_ram_bytes` is where the kernel writes the
// RM's RAM (its first byte; the RAM itself on the target). Refuses, leaving `out` and the
// RAM as they were: arg_size for a tree larger than RM_BOOT_INFO_BOARD_DTB_MAX_SIZE or
// one that would reach into the RM's image (`rm_image_size` bytes from the RAM's start);
// arg_inval for a null tree or one whose header is not an FDT's of `size` bytes.
[[nodiscard]] Status add_board_dtb(const void* dtb, std::size_t size, PhysRange rm_ram, std::uint8_t* rm_ram_bytes,
                                   std::uint64_t rm_image_size, rm_boot_info& out);

}  // namespace hyp
