// Where the kernel, the initrd and the device tree go in guest RAM: pure arithmetic on
// the kernel's first bytes and the files' sizes, so every refusal is unit-tested.
//
//   0x80000000  kernel (Image: image_size bytes, BSS included; flat binary: its size)
//   2 MiB up    initrd (the first 2 MiB boundary after the kernel)
//   end-64 KiB  device tree (the RM copies at most 64 KiB from there)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "vmm/units.h"

namespace vmm {

// The secondary VM's RAM starts here (QEMU virt's and Linux's usual arm64 base); the VM
// starts at its first byte (gh_vm_dtb_config: entry = the region's start).
inline constexpr std::uint64_t ram_base = 0x80000000;
inline constexpr std::uint64_t initrd_align = 2 * mib;
// The RM copies at most 64 KiB of DT (docs/rm-secondary-vms.md).
inline constexpr std::uint64_t dt_window = 64 * kib;

// The arm64 Image header (Linux Documentation/arch/arm64/booting.rst), little-endian.
namespace image_header {
inline constexpr std::size_t text_offset = 8;   // le64
inline constexpr std::size_t image_size = 16;   // le64, 0 on kernels before 3.17
inline constexpr std::size_t flags = 24;        // le64
inline constexpr std::size_t magic = 56;        // "ARM\x64"
inline constexpr std::size_t length = 64;
inline constexpr std::uint64_t flag_big_endian = 1;  // flags bit 0: the kernel is big-endian
}  // namespace image_header

struct KernelImage {
    bool has_header = false;     // an arm64 Image; else a flat binary
    std::uint64_t extent = 0;    // bytes it occupies from RAM base, BSS included
};

// Reads the kernel's first `length` bytes (all of them when the file is shorter than a
// header) and its file size. Refuses an Image that must not run at RAM base (text_offset
// other than 0), a big-endian one and an empty file; `error` says why.
[[nodiscard]] bool inspect_kernel(const std::uint8_t* head, std::size_t length, std::uint64_t file_size,
                                  KernelImage& out, std::string& error);

struct Layout {
    std::uint64_t ram_size = 0;
    std::uint64_t kernel_size = 0;    // bytes read from the kernel file, at offset 0
    std::uint64_t kernel_extent = 0;  // what the kernel occupies, BSS included
    bool has_initrd = false;
    std::uint64_t initrd_offset = 0;  // from RAM base
    std::uint64_t initrd_size = 0;
    std::uint64_t dt_offset = 0;      // from RAM base; dt_window bytes
    std::uint64_t ipa(std::uint64_t offset) const { return ram_base + offset; }
};

// Places everything in ram_size bytes; refuses (with the sizes in `error`) when the
// kernel or the initrd runs into the DT window.
[[nodiscard]] bool plan_layout(std::uint64_t ram_size, const KernelImage& kernel, std::uint64_t kernel_file_size,
                               bool has_initrd, std::uint64_t initrd_size, Layout& out, std::string& error);

}  // namespace vmm
