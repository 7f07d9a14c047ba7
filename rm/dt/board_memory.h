// What the primary VM must not use on a board whose own device tree it gets
// (rm/dt/board_dt.h): every byte of the board's /memory outside the VM's RAM. The VM's
// stage 2 maps only its RAM, so Linux must see everything else of /memory reserved
// (no-map), or it would allocate there and fault. The hypervisor's image and the RM's
// RAM get their own named nodes (for whoever reads the tree); the rest of it (RAM the
// hypervisor keeps for its objects and for other VMs, the boot modules) is one numbered
// node per piece. Identity-mapped: the VM's RAM is at IPA = PA.
#pragma once

#include <cstddef>

#include "support/addr.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/board_dt.h"

namespace hyp::rm {

inline constexpr std::size_t board_max_memory_ranges = 8;

// The board tree's /memory ranges (every root child with device_type "memory" and a
// status that is not disabled, each reg entry with a non-zero size), in tree order.
// Errors: arg_inval for a tree libfdt refuses or a malformed reg; nomem when there are
// more than `capacity` ranges.
[[nodiscard]] Result<std::size_t> board_memory(const void* dtb, std::size_t size, PhysRange* out,
                                               std::size_t capacity, Diagnostic& diag);

// Fills edits.carve_outs with `memory` minus `vm_ram`, split so that `hypervisor` and
// `rm_ram` (where they lie in memory) are nodes named "hypervisor" and
// "resource-manager"; every other piece is "gunyah-reserved<n>" (n: its index). Errors: arg_inval when the
// VM's RAM overlaps the hypervisor or the RM, or lies outside memory; nomem when the
// pieces exceed board_max_carve_outs.
[[nodiscard]] Status plan_board_carve_outs(const PhysRange* memory, std::size_t count, PhysRange vm_ram,
                                           PhysRange hypervisor, PhysRange rm_ram, BoardDtEdits& edits,
                                           Diagnostic& diag);

}  // namespace hyp::rm
