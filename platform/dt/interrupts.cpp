// Interrupt parents and GIC specifiers for platform discovery (see interrupts.h).
#include "platform/dt/interrupts.h"

#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

// Real trees need a handful of steps; a hostile one could chain phandles in a circle.
constexpr int max_interrupt_parent_steps = 256;
constexpr std::uint32_t max_interrupt_cells = 8;

}  // namespace

Result<int> interrupt_parent(const void* fdt, int node, Diagnostic& diag)
{
    int current = node;
    for (int step = 0; step < max_interrupt_parent_steps; ++step) {
        Result<std::uint32_t> phandle = read_u32(fdt, current, "interrupt-parent", 0, diag);
        if (!phandle) {
            return fail(phandle.error());
        }
        int next = -1;
        if (*phandle != 0) {
            next = fdt_node_offset_by_phandle(fdt, *phandle);
            if (next < 0) {
                return report(diag, Error::arg_inval, "{}: interrupt-parent <{:#x}> matches no node",
                              node_path(fdt, current).c_str(), *phandle);
            }
        } else {
            next = fdt_parent_offset(fdt, current);
            if (next < 0) {
                return -1;  // walked past the root: no controller
            }
        }
        Result<Prop> cells = find_prop(fdt, next, "#interrupt-cells", diag);
        if (!cells) {
            return fail(cells.error());
        }
        if (cells->present()) {
            return next;
        }
        current = next;
    }
    return report(diag, Error::arg_inval, "{}: the interrupt-parent chain does not end (a loop?)",
                  node_path(fdt, node).c_str());
}

Result<Interrupts> read_interrupts(const void* fdt, int node, int gic_node, Diagnostic& diag)
{
    Result<Prop> prop = find_prop(fdt, node, "interrupts", diag);
    if (!prop) {
        return fail(prop.error());
    }
    if (!prop->present()) {
        return Interrupts{};
    }
    Result<int> controller = interrupt_parent(fdt, node, diag);
    if (!controller) {
        return fail(controller.error());
    }
    if (*controller < 0) {
        return Interrupts{};  // nothing to interpret them: no INTIDs, as for another controller's
    }
    Result<std::uint32_t> cells = read_u32(fdt, *controller, "#interrupt-cells", 0, diag);
    if (!cells) {
        return fail(cells.error());
    }
    if (*cells < 1 || *cells > max_interrupt_cells) {
        return report(diag, Error::arg_inval, "{}: #interrupt-cells = {} is not supported",
                      node_path(fdt, *controller).c_str(), *cells);
    }
    std::size_t entry_bytes = 4 * std::size_t{*cells};
    if (prop->length % entry_bytes != 0) {
        return report(diag, Error::arg_size, "{}: interrupts is {} bytes, not a multiple of {} ({} cells)",
                      node_path(fdt, node).c_str(), prop->length, entry_bytes, *cells);
    }
    bool to_gic = gic_node >= 0 && *controller == gic_node && *cells >= 3;
    return Interrupts{prop->data, prop->length / entry_bytes, *cells, to_gic};
}

Result<std::uint32_t> interrupt_intid(const void* fdt, int node, const Interrupts& interrupts, std::size_t i,
                                      Diagnostic& diag)
{
    if (!interrupts.to_gic || i >= interrupts.count) {
        return std::uint32_t{0};
    }
    const std::uint8_t* entry = interrupts.data + i * 4 * std::size_t{interrupts.cells};
    std::uint32_t type = load_be32(entry);
    std::uint32_t number = load_be32(entry + 4);
    switch (type) {
    case gic_spi_type:
        if (number < 988) {  // INTIDs 1020..1023 are special
            return 32 + number;
        }
        break;
    case gic_ppi_type:
        if (number < 16) {
            return 16 + number;
        }
        break;
    case gic_espi_type:
        if (number < 1024) {
            return 4096 + number;
        }
        break;
    case gic_eppi_type:
        if (number < 64) {
            return 1056 + number;
        }
        break;
    default:
        break;
    }
    return report(diag, Error::arg_inval, "{}: interrupts entry {} <{} {}> is not a valid GIC interrupt",
                  node_path(fdt, node).c_str(), i, type, number);
}

}  // namespace hyp::platform::dt
