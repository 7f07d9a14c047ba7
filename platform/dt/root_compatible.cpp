// Scanning the root node for `compatible` with the MMU off (see root_compatible.h).
#include "platform/dt/root_compatible.h"

#include "support/cmdline.h"

namespace hyp::platform {
namespace {

// The flattened device tree's header and tokens (devicetree specification, 5.2 and 5.4).
constexpr std::uint32_t fdt_magic = 0xd00dfeed;
constexpr std::size_t header_bytes = 40;
constexpr std::size_t off_dt_struct_field = 8;
constexpr std::size_t off_dt_strings_field = 12;
constexpr std::size_t size_dt_strings_field = 32;
constexpr std::size_t size_dt_struct_field = 36;
constexpr std::uint32_t fdt_begin_node = 1;
constexpr std::uint32_t fdt_prop = 3;
constexpr std::uint32_t fdt_nop = 4;
// The root's properties come before its first child; a tree with more than this many
// before `compatible` is not one a boot loader wrote.
constexpr unsigned max_root_tokens = 256;

std::uint32_t be32(const std::uint8_t* blob, std::size_t offset)
{
    // Aligned: every caller's offset is a multiple of 4 and the blob is 8-byte aligned.
    const std::uint32_t raw = *reinterpret_cast<const volatile std::uint32_t*>(blob + offset);
    return __builtin_bswap32(raw);
}

}  // namespace

std::size_t early_blob_size(const std::uint8_t* blob)
{
    if (blob == nullptr || (reinterpret_cast<std::uintptr_t>(blob) & 7) != 0 || be32(blob, 0) != fdt_magic) {
        return 0;
    }
    return be32(blob, 4);
}

bool find_root_compatible(const std::uint8_t* blob, std::size_t size, const std::uint8_t*& value,
                          std::size_t& length)
{
    if (size < header_bytes) {
        return false;
    }
    const std::size_t total = early_blob_size(blob);
    if (total == 0) {
        return false;
    }
    const std::size_t structs = be32(blob, off_dt_struct_field);
    const std::size_t struct_size = be32(blob, size_dt_struct_field);
    const std::size_t strings = be32(blob, off_dt_strings_field);
    const std::size_t strings_size = be32(blob, size_dt_strings_field);
    if (total > size || (structs & 3) != 0 || structs > total || struct_size > total - structs || strings > total ||
        strings_size > total - strings) {
        return false;
    }
    const std::size_t end = structs + struct_size;
    std::size_t at = structs;
    // FDT_BEGIN_NODE for the root, whose name is empty: the token and one padded word.
    if (end - at < 8 || be32(blob, at) != fdt_begin_node || blob[at + 4] != 0) {
        return false;
    }
    at += 8;
    for (unsigned token = 0; token < max_root_tokens && end - at >= 4; ++token) {
        const std::uint32_t tag = be32(blob, at);
        if (tag == fdt_nop) {
            at += 4;
            continue;
        }
        if (tag != fdt_prop || end - at < 12) {
            return false;  // FDT_BEGIN_NODE (a child) or FDT_END_NODE: no compatible among the properties
        }
        const std::size_t value_length = be32(blob, at + 4);
        const std::size_t name_offset = be32(blob, at + 8);
        const std::size_t value_at = at + 12;
        if (value_length > end - value_at || name_offset >= strings_size) {
            return false;
        }
        const std::uint8_t* name = blob + strings + name_offset;
        std::size_t name_length = 0;
        while (name_offset + name_length < strings_size && name[name_length] != 0) {
            ++name_length;
        }
        if (name_offset + name_length == strings_size) {
            return false;  // the name runs off the strings block
        }
        if (cmdline::equals(fmt::StrView{reinterpret_cast<const char*>(name), name_length}, "compatible")) {
            value = blob + value_at;
            length = value_length;
            return true;
        }
        at = value_at + ((value_length + 3) & ~std::size_t{3});
        if (at > end) {
            return false;
        }
    }
    return false;
}

}  // namespace hyp::platform
