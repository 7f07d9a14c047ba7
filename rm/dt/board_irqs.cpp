// The SPIs a board's device tree uses (see board_irqs.h): one pass over the tree, with
// the path to the current node kept on a stack so that finding a node's interrupt
// controller walks up without libfdt's parent lookup (which rescans the tree each time),
// and the phandles interrupt properties name remembered for the same reason.
#include "rm/dt/board_irqs.h"

#include "rm/dt/board_dt_edit.h"
#include "rm/dt/libfdt.h"

namespace hyp::rm {

void SpiSet::add(std::uint32_t intid)
{
    if (intid >= board_first_spi && intid <= board_last_spi) {
        bits_[intid / 64] |= std::uint64_t{1} << (intid % 64);
    }
}

bool SpiSet::has(std::uint32_t intid) const
{
    return intid >= board_first_spi && intid <= board_last_spi && ((bits_[intid / 64] >> (intid % 64)) & 1) != 0;
}

namespace {

using board_dt_detail::read_cells;

constexpr int max_depth = 32;             // Qualcomm trees nest 6 deep
constexpr int max_parent_steps = 64;      // a handful in real trees; a loop in a hostile one
constexpr std::uint32_t max_interrupt_cells = 8;
constexpr std::uint32_t max_address_cells = 4;
constexpr std::size_t phandle_cache_size = 32;
constexpr std::uint32_t gic_spi_type = 0;

struct Scan {
    const void* fdt;
    int gic;
    SpiSet& used;
    Diagnostic& diag;
    int path[max_depth] = {};  // path[d]: the current node's ancestor at depth d
    struct Cached {
        std::uint32_t phandle;
        int node;
    } cache[phandle_cache_size] = {};
    std::size_t cached = 0;
};

const char* name_of(const Scan& s, int node)
{
    const char* name = fdt_get_name(s.fdt, node, nullptr);
    return name == nullptr || name[0] == '\0' ? "/" : name;
}

// Every malformed property is refused in the one form, `what` naming it: one message
// format keeps the RM small.
Failure malformed(const Scan& s, int node, const char* what)
{
    return refuse(s.diag, Error::arg_inval, "board DT: node {}: bad {}", name_of(s, node), what);
}

std::uint32_t cell(const unsigned char* at) { return static_cast<std::uint32_t>(read_cells(at, 1)); }

Result<int> by_phandle(Scan& s, std::uint32_t phandle, int user)
{
    for (std::size_t i = 0; i < s.cached; ++i) {
        if (s.cache[i].phandle == phandle) {
            return s.cache[i].node;
        }
    }
    const int node = fdt_node_offset_by_phandle(s.fdt, phandle);
    if (node < 0) {
        return malformed(s, user, "phandle (it names no node)");
    }
    if (s.cached < phandle_cache_size) {
        s.cache[s.cached++] = {phandle, node};
    }
    return node;
}

// A cell-count property of `node` (#interrupt-cells, #address-cells): `absent` when it
// is missing, an error when it is malformed or 0 or above `limit`.
Result<std::uint32_t> cell_count(const Scan& s, int node, const char* name, std::uint32_t absent, std::uint32_t limit)
{
    int length = 0;
    const auto* value = static_cast<const unsigned char*>(fdt_getprop(s.fdt, node, name, &length));
    if (value == nullptr) {
        return absent;
    }
    const std::uint32_t cells = length == 4 ? cell(value) : limit + 1;
    if (cells > limit) {
        return malformed(s, node, name);
    }
    return cells;
}

// An interrupt controller's #interrupt-cells, which must be there.
Result<std::uint32_t> specifier_cells(const Scan& s, int controller)
{
    Result<std::uint32_t> cells = cell_count(s, controller, "#interrupt-cells", 0, max_interrupt_cells);
    if (cells && *cells == 0) {
        return malformed(s, controller, "#interrupt-cells (none: not an interrupt controller)");
    }
    return cells;
}

// The controller that `node` (at `depth`) sends its `interrupts` to, as Linux's
// of_irq_find_parent() finds it; -1 when there is none (Linux cannot use them either).
Result<int> controller_of(Scan& s, int node, int depth)
{
    int current = node;
    int at = depth;  // current's depth while it is on the path; -1 once reached by phandle
    for (int step = 0; step < max_parent_steps; ++step) {
        int length = 0;
        const auto* parent = static_cast<const unsigned char*>(fdt_getprop(s.fdt, current, "interrupt-parent", &length));
        int next = -1;
        if (parent != nullptr) {
            Result<int> found = length == 4 ? by_phandle(s, cell(parent), current)
                                            : Result<int>{malformed(s, current, "interrupt-parent")};
            if (!found) {
                return found;
            }
            next = *found;
            at = -1;
        } else if (at > 0) {
            next = s.path[--at];
        } else if (at < 0) {
            next = fdt_parent_offset(s.fdt, current);  // off the path: rare, and slow
        }
        if (next < 0) {
            return -1;  // walked past the root
        }
        if (fdt_getprop(s.fdt, next, "#interrupt-cells", nullptr) != nullptr) {
            return next;
        }
        current = next;
    }
    return malformed(s, node, "interrupt-parent (a chain that does not end)");
}

// One specifier of `cells` cells at `spec` for `controller`: an SPI of the GIC is used.
void record(Scan& s, int controller, const unsigned char* spec, std::uint32_t cells)
{
    if (controller != s.gic || cells < 2 || cell(spec) != gic_spi_type) {
        return;
    }
    const std::uint32_t number = cell(spec + 4);
    if (number <= board_last_spi - board_first_spi) {
        s.used.add(number + board_first_spi);
    }
}

Status scan_interrupts(Scan& s, int node, int depth)
{
    int length = 0;
    const auto* value = static_cast<const unsigned char*>(fdt_getprop(s.fdt, node, "interrupts", &length));
    if (value == nullptr) {
        return success();
    }
    Result<int> controller = controller_of(s, node, depth);
    if (!controller || *controller < 0) {
        return controller ? success() : Status{fail(controller.error())};
    }
    Result<std::uint32_t> cells = specifier_cells(s, *controller);
    if (!cells) {
        return fail(cells.error());
    }
    const int entry = static_cast<int>(*cells * 4);
    if (length % entry != 0) {
        return malformed(s, node, "interrupts (not whole specifiers)");
    }
    for (int at = 0; at < length; at += entry) {
        record(s, *controller, value + at, *cells);
    }
    return success();
}

// Entries of <`skip` cells> <phandle> <parent unit address> <parent specifier>, each
// sized by the controller the phandle names: interrupts-extended (nothing skipped, no
// unit address) and interrupt-map (the nexus's child unit address and specifier
// skipped; the parent's #address-cells, 0 when absent, as Linux reads it).
Status scan_list(Scan& s, int node, const char* name, std::uint32_t skip, bool unit_address)
{
    int length = 0;
    const auto* value = static_cast<const unsigned char*>(fdt_getprop(s.fdt, node, name, &length));
    for (int at = 0; value != nullptr && at < length;) {
        at += static_cast<int>(skip * 4);
        if (at + 4 > length) {
            return malformed(s, node, name);
        }
        Result<int> parent = by_phandle(s, cell(value + at), node);
        if (!parent) {
            return fail(parent.error());
        }
        Result<std::uint32_t> address = unit_address ? cell_count(s, *parent, "#address-cells", 0, max_address_cells)
                                                     : Result<std::uint32_t>{0u};
        Result<std::uint32_t> cells = address ? specifier_cells(s, *parent) : address;
        if (!cells) {
            return fail(cells.error());
        }
        const int spec = at + 4 + static_cast<int>(*address * 4);
        at = spec + static_cast<int>(*cells * 4);
        if (at > length) {
            return malformed(s, node, name);
        }
        record(s, *parent, value + spec, *cells);
    }
    return success();
}

// A nexus's interrupt-map: child unit address of its own #address-cells (2 when absent;
// Linux would look further up), child specifier of its #interrupt-cells.
Status scan_map(Scan& s, int node)
{
    if (fdt_getprop(s.fdt, node, "interrupt-map", nullptr) == nullptr) {
        return success();
    }
    Result<std::uint32_t> address = cell_count(s, node, "#address-cells", 2, max_address_cells);
    Result<std::uint32_t> cells = address ? specifier_cells(s, node) : address;
    return cells ? scan_list(s, node, "interrupt-map", *address + *cells, true) : Status{fail(cells.error())};
}

// Qualcomm's PDC and MPM: a pin's GIC SPI comes from a table in the controller's node.
Status scan_pin_tables(Scan& s, int node, int depth)
{
    static constexpr struct {
        const char* name;
        int entry_cells;  // <pin spi count> or <pin spi>
    } tables[] = {{"qcom,pdc-ranges", 3}, {"qcom,mpm-pin-map", 2}};
    for (const auto& table : tables) {
        int length = 0;
        const auto* value = static_cast<const unsigned char*>(fdt_getprop(s.fdt, node, table.name, &length));
        if (value == nullptr) {
            continue;
        }
        Result<int> controller = controller_of(s, node, depth);
        if (!controller) {
            return fail(controller.error());
        }
        if (length % (table.entry_cells * 4) != 0) {
            return malformed(s, node, table.name);
        }
        for (int at = 0; *controller == s.gic && at < length; at += table.entry_cells * 4) {
            const std::uint64_t spi = cell(value + at + 4);
            const std::uint64_t count = table.entry_cells == 3 ? cell(value + at + 8) : 1;
            for (std::uint64_t i = 0; i < count && spi + i <= board_last_spi - board_first_spi; ++i) {
                s.used.add(static_cast<std::uint32_t>(spi + i) + board_first_spi);
            }
        }
    }
    return success();
}

}  // namespace

Status board_used_spis(const void* board_dtb, std::size_t board_size, SpiSet& used, Diagnostic& diag)
{
    if (Status s = board_dt_detail::check_board(board_dtb, board_size, diag); !s) {
        return s;
    }
    Scan s{board_dtb, board_dt_detail::find_gic(board_dtb), used, diag};
    if (s.gic < 0) {
        return refuse(diag, Error::arg_inval, "board DT has no arm,gic-v3");
    }
    int depth = 0;
    int node = 0;
    for (; node >= 0 && depth >= 0; node = fdt_next_node(board_dtb, node, &depth)) {  // < 0: past the root
        if (depth >= max_depth) {
            return refuse(diag, Error::arg_inval, "board DT nests nodes deeper than {}", max_depth);
        }
        s.path[depth] = node;
        Status ok = scan_interrupts(s, node, depth);
        if (ok) {
            ok = scan_list(s, node, "interrupts-extended", 0, false);
        }
        if (ok) {
            ok = scan_map(s, node);
        }
        if (ok) {
            ok = scan_pin_tables(s, node, depth);
        }
        if (!ok) {
            return ok;
        }
    }
    if (node < 0 && node != -FDT_ERR_NOTFOUND) {
        return refuse(diag, Error::arg_inval, "board DT is malformed: {}", fdt_strerror(node));
    }
    return success();
}

Result<BoardLinkSpis> board_link_spis(const void* board_dtb, std::size_t board_size, std::uint32_t console_intid,
                                      Diagnostic& diag)
{
    SpiSet used;
    if (Status s = board_used_spis(board_dtb, board_size, used, diag); !s) {
        return fail(s.error());
    }
    used.add(console_intid);
    std::uint32_t free[2] = {};
    std::size_t found = 0;
    for (std::uint32_t intid = board_last_spi; intid >= board_first_spi && found < 2; --intid) {
        if (!used.has(intid)) {
            free[found++] = intid;
        }
    }
    if (found < 2) {
        return refuse(diag, Error::nomem, "the board DT leaves fewer than two SPIs for the RM link");
    }
    BoardLinkSpis spis;
    spis.tx_intid = free[1];
    spis.rx_intid = free[0];
    return spis;
}

}  // namespace hyp::rm
