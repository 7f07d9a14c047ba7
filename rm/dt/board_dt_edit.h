// Internal to the board DT editor (rm/dt/board_dt.h): the tree being edited in place
// with libfdt's read-write API, and libfdt's error codes turned into the editor's
// errors. Shared by board_dt.cpp, board_dt_cpus.cpp, board_dt_memory.cpp,
// board_dt_devices.cpp and board_irqs.cpp; nothing else includes it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/board_dt.h"

namespace hyp::rm::board_dt_detail {

struct Tree {
    void* fdt;
    std::size_t capacity;
    Diagnostic& diag;
};

// A libfdt result: success when >= 0; else NOSPACE -> Error::nomem ("does not fit"),
// BADSTRUCTURE and kin -> Error::arg_inval, anything else Error::failure, each naming
// `what` (the step) in the message.
[[nodiscard]] Status fdt_result(Tree& tree, int result, const char* what);

// A cell value of `cells` (1 or 2) 32-bit cells, big-endian, from `p`.
[[nodiscard]] std::uint64_t read_cells(const void* p, int cells);

// The board tree is there and libfdt accepts it whole (Error::arg_inval otherwise).
[[nodiscard]] Status check_board(const void* board, std::size_t size, Diagnostic& diag);

// The board's GIC: the first node compatible with "arm,gic-v3"; a libfdt error if none.
[[nodiscard]] int find_gic(const void* fdt);
// Its phandle, refusing a GIC without one or without 3 interrupt cells (the form the
// editor writes its specifiers in).
[[nodiscard]] Result<std::uint32_t> gic_phandle(Tree& tree);

// A node Linux ignores: status present and neither "okay" nor "ok".
[[nodiscard]] bool disabled(const void* fdt, int node);

// Removes a property when it is there.
[[nodiscard]] Status delete_property(Tree& tree, int node, const char* name);

// Copies the properties of node `from` of `source` but the one named `except` (may be
// null) to `node` of the tree being edited, in their order, ahead of node's own.
[[nodiscard]] Status copy_properties(Tree& tree, const void* source, int from, int node, const char* except);

// Copies node `from` of `source` (with its properties and children, in their order)
// under `parent` in the tree being edited, as its first child.
[[nodiscard]] Status graft(Tree& tree, const void* source, int from, int parent, int depth);

// Adds the carve-outs as /reserved-memory no-map nodes (making /reserved-memory when the
// board has none), refusing any over a board reservation without no-map or /memreserve/.
[[nodiscard]] Status add_carve_outs(Tree& tree, const BoardDtEdits& edits);

// Removes the CPU nodes whose MPIDR `edits` does not list, with their cpu-map entries and
// their thermal cooling-device entries (checking first that every listed MPIDR is there).
// When edits.renumber_cpus, the kept ones then take their vCPUs' MPIDRs as reg.
[[nodiscard]] Status keep_cpus(Tree& tree, const BoardDtEdits& edits);

// Sets status "disabled" on every SMMU and on the GIC's ITS (board_dt_devices.cpp).
[[nodiscard]] Status disable_kept_devices(Tree& tree);

// Turns the node at edits.console.regs into the virtual PL011 and names it in
// /chosen/stdout-path (board_dt_devices.cpp); nothing when the console is empty.
[[nodiscard]] Status rewrite_console(Tree& tree, const BoardDtEdits& edits);

// The reg of each cpu node under /cpus, in order (see board_cpu_mpidrs); `fdt` is read only.
[[nodiscard]] Result<std::size_t> list_cpus(const void* fdt, std::uint64_t* out, std::size_t capacity,
                                            Diagnostic& diag);

}  // namespace hyp::rm::board_dt_detail
