// FdtWriter (see fdt_writer.h).
#include "rm/dt/fdt_writer.h"

#include <limits>

#include "rm/dt/libfdt.h"

namespace hyp::rm {

FdtWriter::FdtWriter(void* buffer, std::size_t capacity) : fdt_{buffer}, capacity_{capacity}
{
    if (buffer == nullptr || (reinterpret_cast<std::uintptr_t>(buffer) & 7) != 0) {
        record(-FDT_ERR_ALIGNMENT, "the buffer");
        return;
    }
    // libfdt sizes are ints; a DT is at most 2 MiB, so a larger buffer loses nothing.
    constexpr std::size_t int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
    record(fdt_create(buffer, static_cast<int>(capacity < int_max ? capacity : int_max)), "the header");
    if (error_ == 0) {
        record(fdt_finish_reservemap(fdt_), "the reservation map");
    }
}

void FdtWriter::record(int result, const char* where)
{
    if (result >= 0 || error_ != 0) {
        return;
    }
    error_ = result;
    std::size_t i = 0;
    for (; i + 1 < sizeof failed_at_ && where[i] != '\0'; ++i) {
        failed_at_[i] = where[i];
    }
    failed_at_[i] = '\0';
}

void FdtWriter::begin_node(const char* name)
{
    if (error_ == 0) {
        record(fdt_begin_node(fdt_, name), name);
    }
}

void FdtWriter::begin_node_at(const char* prefix, std::uint64_t unit_address)
{
    char name[64];
    fmt::BufferSink sink{name, sizeof name};
    fmt::format_to(sink, "{}@{:x}", prefix, unit_address);
    begin_node(name);
}

void FdtWriter::end_node()
{
    if (error_ == 0) {
        record(fdt_end_node(fdt_), "the end of a node");
    }
}

void FdtWriter::property_bytes(const char* name, const void* value, std::size_t length)
{
    if (error_ == 0) {
        record(fdt_property(fdt_, name, value, static_cast<int>(length)), name);
    }
}

void FdtWriter::property_empty(const char* name) { property_bytes(name, nullptr, 0); }

void FdtWriter::property_u32(const char* name, std::uint32_t value)
{
    if (error_ == 0) {
        record(fdt_property_u32(fdt_, name, value), name);
    }
}

void FdtWriter::property_u64(const char* name, std::uint64_t value)
{
    if (error_ == 0) {
        record(fdt_property_u64(fdt_, name, value), name);
    }
}

void FdtWriter::property_string(const char* name, const char* value)
{
    if (error_ == 0) {
        record(fdt_property_string(fdt_, name, value), name);
    }
}

void FdtWriter::property_cells(const char* name, const std::uint32_t* cells, std::size_t count)
{
    if (count > max_cells) {
        record(-FDT_ERR_BADVALUE, name);
        return;
    }
    fdt32_t encoded[max_cells];
    for (std::size_t i = 0; i < count; ++i) {
        encoded[i] = cpu_to_fdt32(cells[i]);
    }
    property_bytes(name, encoded, count * sizeof(fdt32_t));
}

void FdtWriter::property_reg(const char* name, std::uint64_t base, std::uint64_t size)
{
    const std::uint32_t cells[] = {static_cast<std::uint32_t>(base >> 32), static_cast<std::uint32_t>(base),
                                   static_cast<std::uint32_t>(size >> 32), static_cast<std::uint32_t>(size)};
    property_cells(name, cells);
}

Result<std::size_t> FdtWriter::finish(Diagnostic& diag)
{
    if (error_ == 0) {
        record(fdt_finish(fdt_), "the end of the tree");
    }
    if (error_ == 0) {
        record(fdt_pack(fdt_), "packing");
    }
    if (error_ == 0) {
        record(fdt_check_full(fdt_, capacity_), "the finished tree");
    }
    if (error_ == 0) {
        return std::size_t{fdt_totalsize(fdt_)};
    }
    // A half-written tree carries libfdt's sequential-write magic already; clearing it
    // makes "no tree" explicit whatever step failed.
    if (fdt_ != nullptr && capacity_ >= sizeof(fdt32_t) && (reinterpret_cast<std::uintptr_t>(fdt_) & 7) == 0) {
        static_cast<fdt32_t*>(fdt_)[0] = 0;
    }
    switch (-error_) {
    case FDT_ERR_NOSPACE:
        return refuse(diag, Error::nomem, "device tree does not fit in {} bytes (ran out at {})", capacity_,
                      failed_at_);
    case FDT_ERR_ALIGNMENT:
        return refuse(diag, Error::arg_align, "device tree buffer is null or not 8-byte aligned");
    default:
        return refuse(diag, Error::failure, "libfdt failed at {}: {}", failed_at_, fdt_strerror(error_));
    }
}

}  // namespace hyp::rm
