// The arm64 Linux Image header (Documentation/arch/arm64/booting.rst): reading the 64
// bytes at the start of a kernel module, and placing the kernel in a VM's RAM the way the
// boot protocol asks. Plain logic over bytes, so the host tests run it on real and
// hand-made headers; the resource manager runs it on the multiboot,kernel module.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

// Layout of the header, all fields little-endian:
//   0 code0 u32, 4 code1 u32, 8 text_offset u64, 16 image_size u64, 24 flags u64,
//   32..55 reserved, 56 magic u32 = "ARM\x64", 60 reserved (PE/COFF offset).
inline constexpr std::size_t image_header_size = 64;
inline constexpr std::size_t image_magic_offset = 56;
inline constexpr std::uint32_t image_magic = 0x644d5241;  // "ARM\x64" read little-endian

// "The Image must be placed text_offset bytes from a 2MB aligned base address."
inline constexpr std::uint64_t image_base_alignment = std::uint64_t{2} << 20;
// Kernels before v3.17 leave image_size zero; their text_offset is then 0x80000.
inline constexpr std::uint64_t legacy_text_offset = 0x80000;
// Nor do they say how large their BSS is, which they clear at boot: U-Boot's booti
// assumes 16 MiB for them, and so do we (or the file's size when that is larger), so
// that nothing placed after the kernel lies in a BSS that is about to be cleared.
inline constexpr std::uint64_t legacy_image_size = std::uint64_t{16} << 20;
// Placement flag 1 asks for the whole image below this (48-bit physical addresses).
inline constexpr std::uint64_t image_anywhere_limit = std::uint64_t{1} << 48;

// flags bits 1-2: the kernel's page size.
enum class ImagePageSize : std::uint8_t { unspecified = 0, size_4k = 1, size_16k = 2, size_64k = 3 };

// flags bit 3: where the 2 MiB-aligned base may be.
enum class ImagePlacement : std::uint8_t {
    near_ram_base,   // 0: as close to the base of RAM as possible (memory below is unusable)
    anywhere_48bit,  // 1: anywhere, with all image_size bytes below 2^48
};

// What the RM needs from a kernel image to place and start it.
struct KernelImage {
    std::uint64_t file_size = 0;    // bytes of the module: what gets copied into the VM
    std::uint64_t text_offset = 0;  // load address = 2 MiB-aligned base + text_offset
    std::uint64_t image_size = 0;   // bytes from the load address the kernel owns, BSS included
    std::uint64_t flags = 0;        // as read (0 for a legacy image, whose field is reserved)
    ImagePageSize page_size = ImagePageSize::unspecified;
    ImagePlacement placement = ImagePlacement::near_ram_base;
    bool legacy = false;  // image_size was 0: text_offset and image_size are assumed
};

// Reads the header of the kernel image at `image`, a module of `file_size` bytes of
// which the first min(file_size, 64) must be readable. Refuses, saying why: fewer bytes
// than a header (truncated), no "ARM\x64" magic (naming gzip and EFI zboot files, the
// usual mistake), a big-endian kernel, an image_size smaller than the file (the header
// cannot be right), offsets that overflow.
[[nodiscard]] Result<KernelImage> parse_image_header(const void* image, std::uint64_t file_size, Diagnostic& diag);

// Where a kernel goes in a VM's RAM.
struct KernelPlacement {
    Ipa base;           // the 2 MiB-aligned base
    Ipa load;           // base + text_offset: where the file is copied and where vCPU 0 starts
    IpaRange reserved;  // [load, load + image_size): must stay free for the kernel
};

// The lowest 2 MiB-aligned base in `ram` whose image (image_size bytes from base +
// text_offset) fits in `ram`. Lowest honours placement 0 ("as close as possible to the
// base of DRAM"); placement 1 additionally needs the image below 2^48. Refuses with the
// sizes when it does not fit.
[[nodiscard]] Result<KernelPlacement> place_kernel(const KernelImage& kernel, IpaRange ram, Diagnostic& diag);

}  // namespace hyp::rm
