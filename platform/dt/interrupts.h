// Reading a node's `interrupts` for platform discovery: finding the controller that
// receives them and turning GIC specifiers <type number flags> into INTIDs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "platform/dt/diagnostic.h"

namespace hyp::platform::dt {

inline constexpr std::uint32_t gic_spi_type = 0;   // INTID 32 + n
inline constexpr std::uint32_t gic_ppi_type = 1;   // INTID 16 + n
inline constexpr std::uint32_t gic_espi_type = 2;  // INTID 4096 + n (GICv3.1 extended SPI)
inline constexpr std::uint32_t gic_eppi_type = 3;  // INTID 1056 + n (GICv3.1 extended PPI)

// The controller that receives `node`'s interrupts, found as Linux finds it: the node's
// `interrupt-parent`, else its parent node, repeated until a node with #interrupt-cells.
// -1 when there is none. A chain that does not end (phandle loop) is an error.
[[nodiscard]] Result<int> interrupt_parent(const void* fdt, int node, Diagnostic& diag);

// A node's `interrupts`, split into specifiers of its controller's #interrupt-cells.
struct Interrupts {
    const std::uint8_t* data = nullptr;
    std::size_t count = 0;
    std::uint32_t cells = 0;
    bool to_gic = false;  // the controller is the GIC, specifiers begin <type number flags>
};
// `gic_node` is the discovered GIC (-1 if none). An absent property, or one no
// controller receives, has no entries.
[[nodiscard]] Result<Interrupts> read_interrupts(const void* fdt, int node, int gic_node, Diagnostic& diag);

// The INTID of entry i, or 0 when the interrupts do not go to the GIC (another
// controller's numbers mean nothing to the hypervisor).
[[nodiscard]] Result<std::uint32_t> interrupt_intid(const void* fdt, int node, const Interrupts& interrupts,
                                                    std::size_t i, Diagnostic& diag);

}  // namespace hyp::platform::dt
