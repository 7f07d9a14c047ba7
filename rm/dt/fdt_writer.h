// FdtWriter: libfdt's sequential-write API over a caller's buffer, with the first error
// kept instead of checked after every call. A device-tree writer then reads as the tree
// it writes; once a call fails the rest do nothing, and finish() reports the failure
// with the node or property it stopped at. No heap: the tree is built in the buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

class FdtWriter {
public:
    // The buffer must be 8-byte aligned (libfdt and the arm64 boot protocol want it so).
    FdtWriter(void* buffer, std::size_t capacity);

    void begin_node(const char* name);
    // "prefix@<unit address in hex>", as node names with a reg are written.
    void begin_node_at(const char* prefix, std::uint64_t unit_address);
    void end_node();

    void property_empty(const char* name);  // a boolean property
    void property_u32(const char* name, std::uint32_t value);
    void property_u64(const char* name, std::uint64_t value);  // two cells
    void property_string(const char* name, const char* value);
    // A string list written as one literal with embedded NULs: "arm,pl011\0arm,primecell".
    template <std::size_t N>
    void property_strings(const char* name, const char (&list)[N])
    {
        property_bytes(name, list, N);
    }
    template <std::size_t N>
    void property_cells(const char* name, const std::uint32_t (&cells)[N])
    {
        static_assert(N <= max_cells, "property_cells writes at most max_cells cells");
        property_cells(name, cells, N);
    }
    void property_cells(const char* name, const std::uint32_t* cells, std::size_t count);
    // <base-hi base-lo size-hi size-lo>: one reg entry with #address-cells = #size-cells = 2.
    void property_reg(const char* name, std::uint64_t base, std::uint64_t size);

    // Ends the tree (fdt_finish), packs it and checks it whole; returns its size. On any
    // failure the buffer's magic is cleared, so no reader mistakes it for a tree.
    // NOSPACE becomes Error::nomem ("does not fit in N bytes"), anything else
    // Error::failure with libfdt's reason.
    [[nodiscard]] Result<std::size_t> finish(Diagnostic& diag);

    static constexpr std::size_t max_cells = 16;

private:
    void property_bytes(const char* name, const void* value, std::size_t length);
    void record(int result, const char* where);

    void* fdt_;
    std::size_t capacity_;
    int error_ = 0;           // the first libfdt error, 0 while all is well
    char failed_at_[48] = {};  // the node or property being written when it happened
};

}  // namespace hyp::rm
