// The root VM: the resource manager (rm/, built into rm.bin and embedded in the
// hypervisor image), which the kernel builds at boot with the same objects the RM later
// uses for other VMs. Everything after this, VMs included, is the RM's policy.
#pragma once

#include <cstddef>

#include "support/addr.h"
#include "support/format.h"
#include "platform/platform_info.h"

namespace hyp {

// Builds and powers on the RM: a memory extent per boot module (the root partition takes
// the modules over in place), its RAM (RM_RAM_SIZE, 2 MiB aligned, from the top of the
// root partition's RAM) mapped at IPA = PA, its address space (VMID 255), its VPM group
// (whose SYSTEM_OFF / SYSTEM_RESET are the machine's), one vCPU on CPU 0 in the root
// cspace, rm.bin copied to the start of its RAM and the boot info (rm_boot_info.h) at its
// top, in x0. The vCPU runs once the CPUs enter the run loop. False, with a message, when
// any of it fails.
// `kept`: RAM the kernel keeps (its image, the device tree), left out of the free RAM the
// boot info lists.
// `hypervisor`: the hypervisor's image, for boot info. `board_dtb` (`board_dtb_size`
// bytes; null: none): the board's device tree, copied into the RM's RAM for the primary
// VM when the board says so (platform::Board::primary_gets_board_dt).
// `device_memory` (`device_count` ranges, sorted, disjoint, at most
// RM_BOOT_INFO_MAX_DEVICE_RANGES): the root partition's device memory, each range under a
// memory extent (memtype device, read-write) the RM is given and boot info lists.
struct RootVmBoard {
    PhysRange hypervisor;
    const void* board_dtb = nullptr;
    std::size_t board_dtb_size = 0;
    const PhysRange* device_memory = nullptr;
    std::size_t device_count = 0;
};
[[nodiscard]] bool start_root_vm(const platform::PlatformInfo& info, fmt::StrView command_line, const PhysRange* kept,
                                 std::size_t kept_count, const RootVmBoard& board);

}  // namespace hyp
