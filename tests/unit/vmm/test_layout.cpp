// Guest RAM layout and loading (vmm/layout.h, vmm/loader.h): Image headers read and
// refused, the initrd at the first 2 MiB boundary after the kernel's image_size, the DT
// in the last 64 KiB, and every overlap refused with the sizes.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "temp_dir.h"
#include "vmm/layout.h"
#include "vmm/loader.h"

using namespace vmm;

namespace {

std::vector<std::uint8_t> image_header_bytes(std::uint64_t text_offset, std::uint64_t image_size,
                                             std::uint64_t flags = 0)
{
    std::vector<std::uint8_t> head(image_header::length, 0);
    for (int i = 0; i < 8; ++i) {
        head[image_header::text_offset + i] = static_cast<std::uint8_t>(text_offset >> (8 * i));
        head[image_header::image_size + i] = static_cast<std::uint8_t>(image_size >> (8 * i));
        head[image_header::flags + i] = static_cast<std::uint8_t>(flags >> (8 * i));
    }
    std::memcpy(&head[image_header::magic], "ARM\x64", 4);
    return head;
}

KernelImage inspect(const std::vector<std::uint8_t>& head, std::uint64_t file_size, std::string& error)
{
    KernelImage k;
    CHECK(inspect_kernel(head.data(), head.size(), file_size, k, error));
    return k;
}

}  // namespace

TEST_CASE("vmm layout: an Image occupies its image_size, BSS included", "[vmm]")
{
    std::string error;
    const KernelImage k = inspect(image_header_bytes(0, 30 * mib), 20 * mib, error);
    CHECK(k.has_header);
    CHECK(k.extent == 30 * mib);
    // image_size 0 (kernels before 3.17) or smaller than the file: the file's size.
    CHECK(inspect(image_header_bytes(0, 0), 5000, error).extent == 5000);
    CHECK(inspect(image_header_bytes(0, 100), 5000, error).extent == 5000);
}

TEST_CASE("vmm layout: a file without the Image magic is a flat binary of its size", "[vmm]")
{
    std::string error;
    std::vector<std::uint8_t> head = image_header_bytes(0x80000, 30 * mib);
    head[image_header::magic] = 'X';
    const KernelImage k = inspect(head, 1234, error);
    CHECK_FALSE(k.has_header);
    CHECK(k.extent == 1234);
    // Shorter than a header: flat as well.
    const std::vector<std::uint8_t> tiny = {0x00, 0x00, 0x00, 0x14};
    CHECK(inspect(tiny, tiny.size(), error).extent == 4);
}

TEST_CASE("vmm layout: an Image with text_offset other than 0, a big-endian one or an empty file is refused",
          "[vmm]")
{
    KernelImage k;
    std::string error;
    const auto offset = image_header_bytes(0x80000, 30 * mib);
    CHECK_FALSE(inspect_kernel(offset.data(), offset.size(), 20 * mib, k, error));
    CHECK(error.find("text_offset 0x80000") != std::string::npos);
    const auto big = image_header_bytes(0, 30 * mib, image_header::flag_big_endian);
    CHECK_FALSE(inspect_kernel(big.data(), big.size(), 20 * mib, k, error));
    CHECK(error.find("big-endian") != std::string::npos);
    CHECK_FALSE(inspect_kernel(nullptr, 0, 0, k, error));
    CHECK(error == "the kernel file is empty");
}

TEST_CASE("vmm layout: initrd at the next 2 MiB boundary, DT in the last 64 KiB", "[vmm]")
{
    Layout l;
    std::string error;
    const KernelImage kernel{true, 30 * mib + 1};
    REQUIRE(plan_layout(128 * mib, kernel, 20 * mib, true, 10 * mib, l, error));
    CHECK(l.kernel_size == 20 * mib);
    CHECK(l.kernel_extent == 30 * mib + 1);
    CHECK(l.initrd_offset == 32 * mib);
    CHECK(l.initrd_size == 10 * mib);
    CHECK(l.dt_offset == 128 * mib - 64 * kib);
    CHECK(l.ipa(l.dt_offset) == 0x87ff0000);
    CHECK(l.ipa(l.initrd_offset) == 0x82000000);

    // Already on a boundary: right there.
    REQUIRE(plan_layout(128 * mib, KernelImage{true, 32 * mib}, 20 * mib, true, 1, l, error));
    CHECK(l.initrd_offset == 32 * mib);
    // No initrd: none placed.
    REQUIRE(plan_layout(16 * mib, KernelImage{false, 4096}, 4096, false, 0, l, error));
    CHECK_FALSE(l.has_initrd);
    CHECK(l.dt_offset == 16 * mib - 64 * kib);
}

TEST_CASE("vmm layout: a kernel or initrd reaching into the DT window is refused", "[vmm]")
{
    Layout l;
    std::string error;
    const std::uint64_t ram = 64 * mib;
    const std::uint64_t dt = ram - 64 * kib;
    CHECK(plan_layout(ram, KernelImage{true, dt}, dt, false, 0, l, error));
    CHECK_FALSE(plan_layout(ram, KernelImage{true, dt + 1}, 4096, false, 0, l, error));
    CHECK(error.find("the kernel needs") != std::string::npos);
    CHECK(error.find("--mem") != std::string::npos);

    // The initrd ends exactly at the DT: fits; one byte more: refused.
    CHECK(plan_layout(ram, KernelImage{true, 2 * mib}, 4096, true, dt - 2 * mib, l, error));
    CHECK_FALSE(plan_layout(ram, KernelImage{true, 2 * mib}, 4096, true, dt - 2 * mib + 1, l, error));
    CHECK(error.find("the initrd") != std::string::npos);
    // A kernel ending in the last 2 MiB: the initrd's boundary is past the DT.
    CHECK_FALSE(plan_layout(ram, KernelImage{true, dt - 1}, 4096, true, 1, l, error));
    CHECK_FALSE(plan_layout(ram, KernelImage{true, 2 * mib}, 4096, true, UINT64_MAX, l, error));
}

TEST_CASE("vmm loader: the kernel at RAM's start and the initrd where planned", "[vmm]")
{
    vmm_test::TempDir dir;
    std::vector<std::uint8_t> kernel = image_header_bytes(0, 3 * mib);
    kernel.resize(100000, 0xaa);
    std::vector<std::uint8_t> initrd(5000, 0x55);
    const std::string kernel_path = dir.write("Image", kernel);
    const std::string initrd_path = dir.write("initrd", initrd);

    Layout layout;
    KernelImage image;
    std::string error;
    REQUIRE(plan_images(kernel_path, initrd_path, 16 * mib, layout, image, error));
    CHECK(image.has_header);
    CHECK(layout.kernel_size == kernel.size());
    CHECK(layout.initrd_offset == 4 * mib);

    std::vector<std::uint8_t> ram(16 * mib, 0);
    REQUIRE(load_images(kernel_path, initrd_path, layout, ram.data(), error));
    CHECK(std::memcmp(ram.data(), kernel.data(), kernel.size()) == 0);
    CHECK(ram[kernel.size()] == 0);
    CHECK(std::memcmp(ram.data() + 4 * mib, initrd.data(), initrd.size()) == 0);
}

TEST_CASE("vmm loader: a kernel too large for --mem is refused before loading, a changed file while loading",
          "[vmm]")
{
    vmm_test::TempDir dir;
    const std::string kernel_path = dir.write("Image", image_header_bytes(0, 20 * mib));
    Layout layout;
    KernelImage image;
    std::string error;
    CHECK_FALSE(plan_images(kernel_path, "", 16 * mib, layout, image, error));
    CHECK(error.find("the kernel needs 0x1400000 bytes") != std::string::npos);

    const std::string flat = dir.write("flat", std::string(1000, 'x'));
    REQUIRE(plan_images(flat, "", 16 * mib, layout, image, error));
    dir.write("flat", std::string(10, 'x'));
    std::vector<std::uint8_t> ram(16 * mib);
    CHECK_FALSE(load_images(flat, "", layout, ram.data(), error));
    CHECK(error.find("shrank") != std::string::npos);
    dir.write("flat", std::string(2000, 'x'));
    CHECK_FALSE(load_images(flat, "", layout, ram.data(), error));
    CHECK(error.find("grew") != std::string::npos);
}
