// Checked reads of device-tree nodes and properties for platform discovery. Every
// property's length is checked before a byte of it is used; cells are loaded byte by
// byte (inside the blob only 4-byte alignment holds, and the kernel builds with
// -mstrict-align); every failure says which node and property are at fault.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "platform/dt/diagnostic.h"
#include "platform/platform_info.h"

namespace hyp::platform::dt {

// Sets the diagnostic and returns the failure, so that call sites read `return report(...)`.
template <typename... Args>
[[nodiscard]] Failure report(Diagnostic& diag, Error error, const char* format, const Args&... args)
{
    diag.set(format, args...);
    return fail(error);
}

// A node's full path for messages ("/soc@0/serial@994000"), or its bare name when the
// path does not fit.
struct NodePath {
    char text[96];
    [[nodiscard]] const char* c_str() const { return text; }
};
[[nodiscard]] NodePath node_path(const void* fdt, int node);

// The bytes of one property; data is null when the node has no such property.
struct Prop {
    const std::uint8_t* data = nullptr;
    std::size_t length = 0;
    [[nodiscard]] bool present() const { return data != nullptr; }
};

[[nodiscard]] std::uint32_t load_be32(const std::uint8_t* bytes);
// A big-endian number of `cells` (1 or 2) 32-bit cells.
[[nodiscard]] std::uint64_t load_cells(const std::uint8_t* bytes, std::uint32_t cells);

[[nodiscard]] Result<Prop> find_prop(const void* fdt, int node, const char* name, Diagnostic& diag);
// A one-cell property, or `absent` when the node has none.
[[nodiscard]] Result<std::uint32_t> read_u32(const void* fdt, int node, const char* name,
                                             std::uint32_t absent, Diagnostic& diag);
// A string property (the first string when it holds several); empty when absent.
[[nodiscard]] Result<DtString> read_string(const void* fdt, int node, const char* name, Diagnostic& diag);
[[nodiscard]] bool is_compatible(const void* fdt, int node, const char* compatible);
// True when `status` is absent, "okay" or "ok".
[[nodiscard]] bool is_enabled(const void* fdt, int node);
// True when the `a_length` bytes at `a` are exactly the NUL-terminated string `b`.
[[nodiscard]] bool name_is(const char* a, std::size_t a_length, const char* b);
// The length of the string at `text`, looking at no more than `limit` bytes (strnlen,
// which is POSIX rather than C and not declared for every target).
[[nodiscard]] std::size_t bounded_length(const char* text, std::size_t limit);

// #address-cells and #size-cells as a bus gives them to its children.
struct BusCells {
    std::uint32_t address = 2;
    std::uint32_t size = 1;
};
// Found on `bus` or else on its nearest ancestor that has them, as Linux reads them
// (QEMU's /chosen has none and its module `reg`s use the root's), else the defaults 2 and 1.
[[nodiscard]] Result<BusCells> child_cells(const void* fdt, int bus, Diagnostic& diag);

// A `reg` property as (address, size) entries in the cell sizes of the node's parent.
struct Reg {
    const std::uint8_t* data = nullptr;
    std::size_t count = 0;
    BusCells cells;

    [[nodiscard]] std::uint64_t address(std::size_t i) const;
    [[nodiscard]] std::uint64_t size(std::size_t i) const;
};
// An absent `reg` has no entries. Refused: parent cells other than 1 or 2, a length that
// is not a whole number of entries.
[[nodiscard]] Result<Reg> read_reg(const void* fdt, int node, Diagnostic& diag);

enum class Translate : std::uint8_t {
    through_ranges,  // a device or memory address: map it through each parent bus's `ranges`
    none,            // already a CPU physical address (/chosen/module@* written by the loader)
};
// Entry i of `reg` as a physical range; refused when it wraps around the address space
// or falls outside its bus's `ranges`.
[[nodiscard]] Result<PhysRange> reg_range(const void* fdt, int node, const Reg& reg, std::size_t i,
                                          Translate translate, Diagnostic& diag);

}  // namespace hyp::platform::dt
