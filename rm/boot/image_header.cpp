// arm64 Image header parsing and kernel placement (see image_header.h).
#include "rm/boot/image_header.h"

namespace hyp::rm {
namespace {

constexpr std::size_t text_offset_field = 8;
constexpr std::size_t image_size_field = 16;
constexpr std::size_t flags_field = 24;

constexpr std::uint64_t flag_big_endian = std::uint64_t{1} << 0;
constexpr unsigned flag_page_size_shift = 1;
constexpr std::uint64_t flag_page_size_mask = std::uint64_t{3} << flag_page_size_shift;
constexpr std::uint64_t flag_placement_anywhere = std::uint64_t{1} << 3;

// Byte by byte: the module may sit at any address, and the RM has no memcpy to lean on.
std::uint64_t load_le(const std::uint8_t* bytes, std::size_t count)
{
    std::uint64_t value = 0;
    for (std::size_t i = count; i > 0; --i) {
        value = (value << 8) | bytes[i - 1];
    }
    return value;
}

// Names the file types people pass by mistake, so the message says what to do.
const char* what_it_looks_like(const std::uint8_t* bytes)
{
    if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
        return "a gzip file: decompress it to the Image first";
    }
    if (bytes[0] == 'M' && bytes[1] == 'Z' && bytes[4] == 'z' && bytes[5] == 'i' && bytes[6] == 'm' &&
        bytes[7] == 'g') {
        return "an EFI zboot image: boot the Image inside it";
    }
    return "not an arm64 Image";
}

}  // namespace

Result<KernelImage> parse_image_header(const void* image, std::uint64_t file_size, Diagnostic& diag)
{
    if (image == nullptr || file_size < image_header_size) {
        return refuse(diag, Error::arg_size, "kernel image is {} bytes, shorter than the {}-byte arm64 Image header",
                      file_size, image_header_size);
    }
    const auto* bytes = static_cast<const std::uint8_t*>(image);
    std::uint32_t magic = static_cast<std::uint32_t>(load_le(bytes + image_magic_offset, 4));
    if (magic != image_magic) {
        return refuse(diag, Error::arg_inval, "kernel image has no \"ARM\\x64\" magic at offset {}: {}",
                      image_magic_offset, what_it_looks_like(bytes));
    }

    KernelImage kernel;
    kernel.file_size = file_size;
    kernel.image_size = load_le(bytes + image_size_field, 8);
    if (kernel.image_size == 0) {
        // Before v3.17 the fields' endianness was unspecified and image_size was zero:
        // booting.rst says text_offset is then 0x80000, and the flags did not exist.
        kernel.legacy = true;
        kernel.text_offset = legacy_text_offset;
        kernel.image_size = file_size > legacy_image_size ? file_size : legacy_image_size;
        return kernel;
    }

    kernel.text_offset = load_le(bytes + text_offset_field, 8);
    kernel.flags = load_le(bytes + flags_field, 8);
    if ((kernel.flags & flag_big_endian) != 0) {
        return refuse(diag, Error::unimplemented, "kernel image is big-endian (flags {:#x}): only little-endian "
                      "kernels can run", kernel.flags);
    }
    kernel.page_size = static_cast<ImagePageSize>((kernel.flags & flag_page_size_mask) >> flag_page_size_shift);
    kernel.placement = (kernel.flags & flag_placement_anywhere) != 0 ? ImagePlacement::anywhere_48bit
                                                                     : ImagePlacement::near_ram_base;
    // image_size counts the file and the BSS after it; a smaller value means the
    // header is wrong, and trusting it would let the copy run past the kernel's space.
    if (kernel.image_size < file_size) {
        return refuse(diag, Error::arg_inval, "kernel image_size {:#x} is smaller than the file ({:#x} bytes)",
                      kernel.image_size, file_size);
    }
    if (kernel.text_offset > ~std::uint64_t{0} - kernel.image_size) {
        return refuse(diag, Error::addr_ovfl, "kernel text_offset {:#x} + image_size {:#x} overflows",
                      kernel.text_offset, kernel.image_size);
    }
    return kernel;
}

Result<KernelPlacement> place_kernel(const KernelImage& kernel, IpaRange ram, Diagnostic& diag)
{
    if (ram.empty() || !ram.well_formed()) {
        return refuse(diag, Error::arg_inval, "VM RAM [{:#x}, +{:#x}) is empty or wraps", ram.base.raw(), ram.size);
    }
    Ipa base = ram.base.align_up(image_base_alignment);
    // align_up saturates at the top of the address space; a base outside RAM, or an
    // image that runs past its end, does not fit. Compared through the last byte, so
    // RAM that ends at 2^64 does not wrap.
    std::uint64_t needed = kernel.text_offset + kernel.image_size;  // checked not to overflow by the parser
    std::uint64_t ram_last = ram.base.raw() + (ram.size - 1);
    bool fits = ram.contains(base) && needed <= ram_last - base.raw() + 1;
    if (!fits) {
        return refuse(diag, Error::nomem,
                      "kernel needs {:#x} bytes (text_offset {:#x} + image_size {:#x}) from a 2 MiB-aligned base; "
                      "VM RAM [{:#x}, +{:#x}) is too small",
                      needed, kernel.text_offset, kernel.image_size, ram.base.raw(), ram.size);
    }
    Ipa load = base + kernel.text_offset;
    if (kernel.placement == ImagePlacement::anywhere_48bit &&
        (kernel.image_size > image_anywhere_limit || load.raw() > image_anywhere_limit - kernel.image_size)) {
        return refuse(diag, Error::addr_ovfl, "kernel at {:#x} would end above 2^48, which its placement flag forbids",
                      load.raw());
    }
    return KernelPlacement{base, load, IpaRange{load, kernel.image_size}};
}

}  // namespace hyp::rm
