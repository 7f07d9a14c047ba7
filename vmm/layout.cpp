// Guest RAM layout (see layout.h).
#include "vmm/layout.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vmm {
namespace {

std::uint64_t le64(const std::uint8_t* p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t align) { return (v + align - 1) & ~(align - 1); }

std::string hex(std::uint64_t v)
{
    char text[24];
    std::snprintf(text, sizeof text, "%#llx", static_cast<unsigned long long>(v));
    return text;
}

}  // namespace

bool inspect_kernel(const std::uint8_t* head, std::size_t length, std::uint64_t file_size, KernelImage& out,
                    std::string& error)
{
    out = KernelImage{};
    if (file_size == 0) {
        error = "the kernel file is empty";
        return false;
    }
    static constexpr std::uint8_t magic[] = {'A', 'R', 'M', 0x64};
    if (length < image_header::length ||
        std::memcmp(head + image_header::magic, magic, sizeof magic) != 0) {
        out.extent = file_size;  // a flat binary: it runs from its first byte
        return true;
    }
    const std::uint64_t text_offset = le64(head + image_header::text_offset);
    if (text_offset != 0) {
        error = "the kernel Image asks for text_offset " + hex(text_offset) +
                ": the VM starts at the first byte of its RAM, so only 0 works (Linux >= 3.17 builds with 0)";
        return false;
    }
    if ((le64(head + image_header::flags) & image_header::flag_big_endian) != 0) {
        error = "the kernel Image is big-endian: this VM runs little-endian";
        return false;
    }
    out.has_header = true;
    // image_size counts the BSS the kernel clears after the file's bytes; 0 means an old
    // kernel that does not say, when the file is all we know.
    out.extent = std::max(le64(head + image_header::image_size), file_size);
    return true;
}

bool plan_layout(std::uint64_t ram_size, const KernelImage& kernel, std::uint64_t kernel_file_size, bool has_initrd,
                 std::uint64_t initrd_size, Layout& out, std::string& error)
{
    out = Layout{};
    if (ram_size < dt_window) {
        error = "guest RAM (" + hex(ram_size) + " bytes) is smaller than the DT window";
        return false;
    }
    out.ram_size = ram_size;
    out.dt_offset = ram_size - dt_window;
    out.kernel_size = kernel_file_size;
    out.kernel_extent = kernel.extent;
    if (kernel.extent > out.dt_offset) {
        error = "the kernel needs " + hex(kernel.extent) + " bytes but only " + hex(out.dt_offset) +
                " are free below the DT: give the VM more --mem";
        return false;
    }
    if (!has_initrd) {
        return true;
    }
    out.has_initrd = true;
    out.initrd_offset = align_up(kernel.extent, initrd_align);
    out.initrd_size = initrd_size;
    if (out.initrd_offset > out.dt_offset || initrd_size > out.dt_offset - out.initrd_offset) {
        error = "the initrd (" + hex(initrd_size) + " bytes at RAM offset " + hex(out.initrd_offset) +
                ") runs into the DT at offset " + hex(out.dt_offset) + ": give the VM more --mem";
        return false;
    }
    return true;
}

}  // namespace vmm
