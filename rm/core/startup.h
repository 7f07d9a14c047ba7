// The resource manager's boot flow, from a boot-info structure to a running primary VM:
// check boot info and where the RM was placed, read the rm. options, print the banner,
// find the primary VM's modules, build and start it. Each refusal is printed on the
// console with its reason; the caller then powers the machine off. Portable: the
// target's rm_main() gives it the real hypercalls, memory and PL011, the host tests
// fakes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/rm_boot_info.h"
#include "support/result.h"
#include "rm/boot/options.h"
#include "rm/core/console.h"
#include "rm/core/diagnostic.h"
#include "rm/vm/hypervisor.h"
#include "rm/vm/primary_vm.h"

namespace hyp::rm {

// Where the RM finds itself: its image (file, BSS and stack) and x0 at entry.
struct RmPlacement {
    std::uint64_t image_start = 0;  // the first byte of rm.bin, its entry point
    std::uint64_t image_end = 0;    // the end of its BSS and stack
    std::uint64_t boot_info = 0;    // x0
};

// The bytes of boot info the RM may read before checking it: from x0 to the end of the
// RAM the contract says the RM has (RM_RAM_SIZE from its first byte); 0 when x0 lies
// outside that.
[[nodiscard]] std::size_t boot_info_available(const RmPlacement& placement);

// Whether the hypervisor placed the RM and boot info as the contract says: the image at
// the start of the RAM boot info names, RM_RAM_SIZE bytes of it, boot info in its top
// RM_BOOT_INFO_RESERVED_SIZE bytes, above the image's end. Boot info must have passed
// check_boot_info().
[[nodiscard]] Status check_rm_placement(const rm_boot_info& info, const RmPlacement& placement, Diagnostic& diag);

// Runs the boot flow. Returns true when the primary VM is running (`vm` says what it
// is); false after printing why not.
[[nodiscard]] bool start_primary_vm(const rm_boot_info& info, const RmPlacement& placement, Hypervisor& hv,
                                    Memory& memory, Console& console, PrimaryVm& vm);

}  // namespace hyp::rm
