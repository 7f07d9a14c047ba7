// The SPIs a board's device tree gives its devices, and the two the primary VM's RPC link
// to the RM takes on a board (rm/vm/primary_vm.cpp): the highest two SPIs (INTIDs up to
// 1019) that no device of the board's tree uses and that are not the console's. The
// primary VM's virtual GIC then has every SPI (the board's devices' interrupts keep their
// numbers), so the link must sit where none of them can ever be raised.
//
// "Used" means routed to the GIC by any of (disabled nodes included):
//   - `interrupts`, with the controller found as Linux finds it (interrupt-parent, else
//     the parent node, until a node with #interrupt-cells);
//   - `interrupts-extended`, each entry's phandle naming its controller;
//   - `interrupt-map` (PCIe hosts' INTx), each entry's parent naming its controller;
//   - Qualcomm's wake-up controllers, which hand their pins GIC SPIs from a table no
//     interrupts property shows: `qcom,pdc-ranges` <pin spi count> (the PDC) and
//     `qcom,mpm-pin-map` <pin spi> (the MPM), when that controller's own parent is the GIC.
// GIC specifiers are <type number flags...>: type 0 is an SPI, INTID number + 32. PPIs
// (type 1) and the GICv3.1 extended ranges (ESPI type 2 from INTID 4096, EPPI type 3)
// can never be one of INTIDs 32..1019, so they are skipped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

inline constexpr std::uint32_t board_first_spi = 32;
inline constexpr std::uint32_t board_last_spi = 1019;

// A set of SPI INTIDs (32..1019); anything else is never in it.
class SpiSet {
public:
    void add(std::uint32_t intid);
    [[nodiscard]] bool has(std::uint32_t intid) const;

private:
    static constexpr std::size_t words = (board_last_spi + 1 + 63) / 64;
    std::uint64_t bits_[words] = {};
};

// Every SPI the board's tree routes to its GIC (the first node compatible with
// "arm,gic-v3", the one the board DT editor and the virtual GIC use), added to `used`.
// Error::arg_inval for a tree libfdt refuses, no GIC, or a malformed interrupt property
// (a length that is not whole specifiers, a phandle that names no node, a controller
// without a usable #interrupt-cells, an interrupt-parent chain that does not end).
[[nodiscard]] Status board_used_spis(const void* board_dtb, std::size_t board_size, SpiSet& used, Diagnostic& diag);

struct BoardLinkSpis {
    std::uint32_t tx_intid = 0;  // the lower of the two
    std::uint32_t rx_intid = 0;  // the highest free SPI
};

// The two highest SPIs that board_used_spis() does not report and that are not
// `console_intid` (the virtual PL011's, which the board's tree may not show under that
// number). board_used_spis()'s errors, and Error::nomem when fewer than two are free.
[[nodiscard]] Result<BoardLinkSpis> board_link_spis(const void* board_dtb, std::size_t board_size,
                                                   std::uint32_t console_intid, Diagnostic& diag);

}  // namespace hyp::rm
