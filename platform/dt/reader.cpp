// Checked property and cell reads for platform discovery (see reader.h).
#include "platform/dt/reader.h"

#include <cstring>

#include "platform/dt/fdt.h"

namespace hyp::platform::dt {

NodePath node_path(const void* fdt, int node)
{
    NodePath path{};
    if (fdt_get_path(fdt, node, path.text, static_cast<int>(sizeof path.text)) == 0) {
        return path;
    }
    int length = 0;
    const char* name = fdt_get_name(fdt, node, &length);
    if (name == nullptr || length < 0) {
        fmt::format_buffer(path.text, sizeof path.text, "<node at offset {}>", node);
        return path;
    }
    // A path too long for the buffer: the node's own name still tells the reader where to look.
    fmt::format_buffer(path.text, sizeof path.text, ".../{}",
                       fmt::StrView{name, static_cast<std::size_t>(length)});
    return path;
}

std::uint32_t load_be32(const std::uint8_t* bytes)
{
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::uint64_t load_cells(const std::uint8_t* bytes, std::uint32_t cells)
{
    std::uint64_t value = 0;
    for (std::uint32_t i = 0; i < cells; ++i) {
        value = (value << 32) | load_be32(bytes + 4 * i);
    }
    return value;
}

Result<Prop> find_prop(const void* fdt, int node, const char* name, Diagnostic& diag)
{
    int length = 0;
    const void* data = fdt_getprop(fdt, node, name, &length);
    if (data == nullptr) {
        if (length == -FDT_ERR_NOTFOUND) {
            return Prop{};
        }
        return report(diag, Error::arg_inval, "{}: cannot read {}: {}", node_path(fdt, node).c_str(), name,
                      fdt_strerror(length));
    }
    if (length < 0) {
        return report(diag, Error::arg_inval, "{}: {} has a negative length", node_path(fdt, node).c_str(), name);
    }
    return Prop{static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(length)};
}

Result<std::uint32_t> read_u32(const void* fdt, int node, const char* name, std::uint32_t absent,
                               Diagnostic& diag)
{
    Result<Prop> prop = find_prop(fdt, node, name, diag);
    if (!prop) {
        return fail(prop.error());
    }
    if (!prop->present()) {
        return absent;
    }
    if (prop->length != 4) {
        return report(diag, Error::arg_size, "{}: {} is {} bytes, expected 4 (one cell)",
                      node_path(fdt, node).c_str(), name, prop->length);
    }
    return load_be32(prop->data);
}

Result<DtString> read_string(const void* fdt, int node, const char* name, Diagnostic& diag)
{
    Result<Prop> prop = find_prop(fdt, node, name, diag);
    if (!prop) {
        return fail(prop.error());
    }
    if (!prop->present()) {
        return DtString{};
    }
    const char* text = reinterpret_cast<const char*>(prop->data);
    if (prop->length == 0 || text[prop->length - 1] != '\0') {
        return report(diag, Error::arg_inval, "{}: {} is not a NUL-terminated string ({} bytes)",
                      node_path(fdt, node).c_str(), name, prop->length);
    }
    return DtString{text, bounded_length(text, prop->length)};
}

bool is_compatible(const void* fdt, int node, const char* compatible)
{
    return fdt_node_check_compatible(fdt, node, compatible) == 0;
}

bool is_enabled(const void* fdt, int node)
{
    int length = 0;
    const void* status = fdt_getprop(fdt, node, "status", &length);
    if (status == nullptr) {
        return true;
    }
    const char* text = static_cast<const char*>(status);
    if (length < 1 || text[length - 1] != '\0') {
        return false;  // a malformed status is not "okay"
    }
    std::size_t text_length = static_cast<std::size_t>(length - 1);
    return name_is(text, text_length, "okay") || name_is(text, text_length, "ok");
}

bool name_is(const char* a, std::size_t a_length, const char* b)
{
    std::size_t b_length = std::strlen(b);
    return a_length == b_length && std::memcmp(a, b, b_length) == 0;
}

namespace {

// Reads a one-cell property into `value` when present; `found` says whether it was.
Status read_optional_u32(const void* fdt, int node, const char* name, std::uint32_t& value, bool& found,
                         Diagnostic& diag)
{
    Result<Prop> prop = find_prop(fdt, node, name, diag);
    if (!prop) {
        return fail(prop.error());
    }
    if (!prop->present()) {
        return success();
    }
    if (prop->length != 4) {
        return report(diag, Error::arg_size, "{}: {} is {} bytes, expected 4 (one cell)",
                      node_path(fdt, node).c_str(), name, prop->length);
    }
    value = load_be32(prop->data);
    found = true;
    return success();
}

}  // namespace

std::size_t bounded_length(const char* text, std::size_t limit)
{
    const void* nul = std::memchr(text, '\0', limit);
    return nul == nullptr ? limit : static_cast<std::size_t>(static_cast<const char*>(nul) - text);
}

Result<BusCells> child_cells(const void* fdt, int bus, Diagnostic& diag)
{
    BusCells cells;
    bool have_address = false;
    bool have_size = false;
    // Each step moves one level up, so the walk ends at the root even in a hostile blob.
    for (int node = bus; node >= 0 && !(have_address && have_size); node = fdt_parent_offset(fdt, node)) {
        if (!have_address) {
            Status status = read_optional_u32(fdt, node, "#address-cells", cells.address, have_address, diag);
            if (!status) {
                return fail(status.error());
            }
        }
        if (!have_size) {
            Status status = read_optional_u32(fdt, node, "#size-cells", cells.size, have_size, diag);
            if (!status) {
                return fail(status.error());
            }
        }
    }
    return cells;
}

std::uint64_t Reg::address(std::size_t i) const
{
    return load_cells(data + i * 4 * (cells.address + cells.size), cells.address);
}

std::uint64_t Reg::size(std::size_t i) const
{
    return load_cells(data + i * 4 * (cells.address + cells.size) + 4 * cells.address, cells.size);
}

Result<Reg> read_reg(const void* fdt, int node, Diagnostic& diag)
{
    Result<Prop> prop = find_prop(fdt, node, "reg", diag);
    if (!prop) {
        return fail(prop.error());
    }
    if (!prop->present()) {
        return Reg{};
    }
    int parent = fdt_parent_offset(fdt, node);
    if (parent < 0) {
        return report(diag, Error::arg_inval, "{}: reg on a node without a parent", node_path(fdt, node).c_str());
    }
    Result<BusCells> cells = child_cells(fdt, parent, diag);
    if (!cells) {
        return fail(cells.error());
    }
    if (cells->address < 1 || cells->address > 2 || cells->size < 1 || cells->size > 2) {
        return report(diag, Error::arg_inval,
                      "{}: reg uses #address-cells = {} and #size-cells = {}; only 1 or 2 are supported",
                      node_path(fdt, node).c_str(), cells->address, cells->size);
    }
    std::size_t entry_bytes = 4 * (cells->address + cells->size);
    if (prop->length % entry_bytes != 0) {
        return report(diag, Error::arg_size, "{}: reg is {} bytes, not a multiple of {} ({}+{} cells)",
                      node_path(fdt, node).c_str(), prop->length, entry_bytes, cells->address, cells->size);
    }
    return Reg{prop->data, prop->length / entry_bytes, *cells};
}

namespace {

// Maps `address`, which `node` sees on its parent bus, to the address the bus's own
// parent sees, through the bus's `ranges`; repeated up to the root.
Result<std::uint64_t> translate_to_cpu(const void* fdt, int node, std::uint64_t address, Diagnostic& diag)
{
    for (int child = node;;) {
        int bus = fdt_parent_offset(fdt, child);
        if (bus < 0) {
            return address;  // `child` is the root
        }
        int above = fdt_parent_offset(fdt, bus);
        if (above < 0) {
            return address;  // the bus is the root: its addresses are CPU physical addresses
        }
        Result<Prop> ranges = find_prop(fdt, bus, "ranges", diag);
        if (!ranges) {
            return fail(ranges.error());
        }
        if (!ranges->present()) {
            return report(diag, Error::addr_inval, "{}: its bus {} has no ranges, so reg cannot be translated",
                          node_path(fdt, node).c_str(), node_path(fdt, bus).c_str());
        }
        if (ranges->length != 0) {  // empty `ranges`: identity mapping
            Result<BusCells> inner = child_cells(fdt, bus, diag);
            if (!inner) {
                return fail(inner.error());
            }
            Result<BusCells> outer = child_cells(fdt, above, diag);
            if (!outer) {
                return fail(outer.error());
            }
            std::uint32_t child_cells_n = inner->address;
            std::uint32_t parent_cells_n = outer->address;
            std::uint32_t size_cells_n = inner->size;
            if (child_cells_n < 1 || child_cells_n > 2 || parent_cells_n < 1 || parent_cells_n > 2 ||
                size_cells_n < 1 || size_cells_n > 2) {
                return report(diag, Error::arg_inval, "{}: ranges with {}/{}/{} cells is not supported",
                              node_path(fdt, bus).c_str(), child_cells_n, parent_cells_n, size_cells_n);
            }
            std::size_t entry_bytes = 4 * (child_cells_n + parent_cells_n + size_cells_n);
            if (ranges->length % entry_bytes != 0) {
                return report(diag, Error::arg_size, "{}: ranges is {} bytes, not a multiple of {}",
                              node_path(fdt, bus).c_str(), ranges->length, entry_bytes);
            }
            bool mapped = false;
            for (std::size_t offset = 0; offset < ranges->length && !mapped; offset += entry_bytes) {
                const std::uint8_t* entry = ranges->data + offset;
                std::uint64_t child_base = load_cells(entry, child_cells_n);
                std::uint64_t parent_base = load_cells(entry + 4 * child_cells_n, parent_cells_n);
                std::uint64_t size = load_cells(entry + 4 * (child_cells_n + parent_cells_n), size_cells_n);
                if (address >= child_base && address - child_base < size) {
                    address = parent_base + (address - child_base);
                    mapped = true;
                }
            }
            if (!mapped) {
                return report(diag, Error::addr_inval, "{}: address {:#x} is outside the ranges of {}",
                              node_path(fdt, node).c_str(), address, node_path(fdt, bus).c_str());
            }
        }
        child = bus;
    }
}

}  // namespace

Result<PhysRange> reg_range(const void* fdt, int node, const Reg& reg, std::size_t i, Translate translate,
                            Diagnostic& diag)
{
    std::uint64_t address = reg.address(i);
    std::uint64_t size = reg.size(i);
    PhysRange bus_range{PhysAddr{address}, size};
    if (!bus_range.well_formed()) {
        return report(diag, Error::addr_ovfl, "{}: reg entry {} ({:#x} + {:#x}) wraps around the address space",
                      node_path(fdt, node).c_str(), i, address, size);
    }
    if (translate == Translate::none || size == 0) {
        return bus_range;
    }
    Result<std::uint64_t> cpu_address = translate_to_cpu(fdt, node, address, diag);
    if (!cpu_address) {
        return fail(cpu_address.error());
    }
    PhysRange range{PhysAddr{*cpu_address}, size};
    if (!range.well_formed()) {
        return report(diag, Error::addr_ovfl, "{}: reg entry {} translated to {:#x} + {:#x} wraps around",
                      node_path(fdt, node).c_str(), i, *cpu_address, size);
    }
    return range;
}

}  // namespace hyp::platform::dt
