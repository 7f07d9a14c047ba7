// Platform discovery, SPI trigger modes: which SPIs the tree's devices signal by edge.
// The GIC's own binding puts it in the flags cell of each specifier (1: rising edge, 2:
// falling edge, 4 and 8: level). When the hypervisor owns the physical GIC and forwards
// a device's SPI to a VM, nobody else configures it, so bring-up does it from here
// (platform/drivers/gicv3.cpp). `interrupts-extended` and `interrupt-map` are not read:
// their SPIs stay level.
#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/interrupts.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

constexpr std::uint32_t flags_edge = 0x3;  // IRQ_TYPE_EDGE_RISING | IRQ_TYPE_EDGE_FALLING

void note_edges(const void* fdt, int node, int gic_node, PlatformInfo& info)
{
    Diagnostic ignored;  // a device's malformed `interrupts` is its driver's problem, not boot's
    Result<Interrupts> irqs = read_interrupts(fdt, node, gic_node, ignored);
    if (!irqs) {
        ++info.gic.trigger_nodes_skipped;
        return;
    }
    for (std::size_t i = 0; i < irqs->count && irqs->to_gic; ++i) {
        Result<std::uint32_t> intid = interrupt_intid(fdt, node, *irqs, i, ignored);
        const std::uint8_t* entry = irqs->data + i * 4 * std::size_t{irqs->cells};
        if (intid && *intid >= 32 && *intid < 1020 && (load_be32(entry + 8) & flags_edge) != 0) {
            const std::uint32_t spi = *intid - 32;
            info.gic.edge_spis[spi / 32] |= 1u << (spi % 32);
        }
    }
}

}  // namespace

Status discover_triggers(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic&)
{
    if (gic_node < 0) {
        return success();
    }
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        if (fdt_getprop(fdt, node, "interrupts", nullptr) != nullptr) {
            note_edges(fdt, node, gic_node, info);
        }
    }
    return success();
}

}  // namespace hyp::platform::dt
