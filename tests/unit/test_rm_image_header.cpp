// The resource manager's arm64 Image header reader and kernel placement: headers as
// Linux writes them (and Debian's real Image), legacy ones, and every way a header or
// a RAM size can be wrong.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rm/boot/image_header.h"

using namespace hyp;
using namespace hyp::rm;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

void put_le(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value, std::size_t size)
{
    for (std::size_t i = 0; i < size; ++i) {
        bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
}

// A header as Linux's head.S lays it out, padded to `file_size` bytes.
std::vector<std::uint8_t> image(std::uint64_t text_offset, std::uint64_t image_size, std::uint64_t flags,
                                std::size_t file_size = 4096)
{
    std::vector<std::uint8_t> bytes(file_size);
    put_le(bytes, 0, 0x91005a4d, 4);  // code0: "MZ" + add x13, x18, #0x16 (an EFI stub's first word)
    put_le(bytes, 4, 0x14000000, 4);  // code1: b stext
    put_le(bytes, 8, text_offset, 8);
    put_le(bytes, 16, image_size, 8);
    put_le(bytes, 24, flags, 8);
    put_le(bytes, 56, 0x644d5241, 4);
    return bytes;
}

Result<KernelImage> parse(const std::vector<std::uint8_t>& bytes, std::string& message)
{
    Diagnostic diag;
    Result<KernelImage> result = parse_image_header(bytes.data(), bytes.size(), diag);
    message = diag.c_str();
    return result;
}

KernelImage kernel_of(std::uint64_t text_offset, std::uint64_t image_size, std::uint64_t flags = 0x2)
{
    std::string message;
    Result<KernelImage> kernel = parse(image(text_offset, image_size, flags), message);
    REQUIRE(kernel.ok());
    return *kernel;
}

IpaRange ram(std::uint64_t base, std::uint64_t size) { return IpaRange{Ipa{base}, size}; }

}  // namespace

TEST_CASE("rm image: a modern header gives its text_offset, image_size, page size and placement")
{
    std::string message;
    Result<KernelImage> kernel = parse(image(0, 0x2010000, 0xa), message);
    REQUIRE(kernel.ok());
    CHECK_FALSE(kernel->legacy);
    CHECK(kernel->file_size == 4096);
    CHECK(kernel->text_offset == 0);
    CHECK(kernel->image_size == 0x2010000);
    CHECK(kernel->flags == 0xa);
    CHECK(kernel->page_size == ImagePageSize::size_4k);
    CHECK(kernel->placement == ImagePlacement::anywhere_48bit);
}

TEST_CASE("rm image: flags bits 1-2 give the page size, bit 3 the placement")
{
    CHECK(kernel_of(0, 0x100000, 0x0).page_size == ImagePageSize::unspecified);
    CHECK(kernel_of(0, 0x100000, 0x4).page_size == ImagePageSize::size_16k);
    CHECK(kernel_of(0, 0x100000, 0x6).page_size == ImagePageSize::size_64k);
    CHECK(kernel_of(0, 0x100000, 0x6).placement == ImagePlacement::near_ram_base);
}

TEST_CASE("rm image: Debian's arm64 Image is a little-endian 4 KiB-page kernel placeable anywhere")
{
    std::string path = std::string{HYP_DEBIAN_DTB_DIR} + "/../Image";
    std::ifstream in{path, std::ios::binary | std::ios::ate};
    if (!in) {
        FAIL(path << " is missing: run scripts/fetch-guest to download Debian's arm64 kernel");
    }
    auto file_size = static_cast<std::uint64_t>(in.tellg());
    std::vector<std::uint8_t> header(image_header_size);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(header.size()));
    REQUIRE(in);
    Diagnostic diag;
    Result<KernelImage> kernel = parse_image_header(header.data(), file_size, diag);
    REQUIRE(kernel.ok());
    CHECK(kernel->text_offset == 0);  // 0 since Linux 5.8
    CHECK(kernel->image_size > file_size);  // the BSS comes after the file
    CHECK(kernel->page_size == ImagePageSize::size_4k);
    CHECK(kernel->placement == ImagePlacement::anywhere_48bit);
}

TEST_CASE("rm image: a legacy header (image_size 0) means text_offset 0x80000 and 16 MiB for file and BSS")
{
    std::string message;
    // Pre-3.17 fields are of unspecified endianness: whatever they hold is ignored.
    Result<KernelImage> kernel = parse(image(0x1234, 0, 0x1, 0x5000), message);
    REQUIRE(kernel.ok());
    CHECK(kernel->legacy);
    CHECK(kernel->text_offset == 0x80000);
    CHECK(kernel->file_size == 0x5000);
    CHECK(kernel->image_size == 16 * mib);
    CHECK(kernel->flags == 0);
}

TEST_CASE("rm image: a legacy image larger than 16 MiB reserves its own size")
{
    std::string message;
    Result<KernelImage> kernel = parse(image(0, 0, 0, 16 * mib + 0x1000), message);
    REQUIRE(kernel.ok());
    CHECK(kernel->image_size == 16 * mib + 0x1000);
}

TEST_CASE("rm image: a file without the Image magic (ARM, 0x64) is refused, naming what it looks like")
{
    std::string message;
    auto bytes = image(0, 0x100000, 0x2);
    bytes[56] = 'X';
    Result<KernelImage> kernel = parse(bytes, message);
    CHECK(kernel.error() == Error::arg_inval);
    CHECK_THAT(message, Catch::Contains("no \"ARM\\x64\" magic at offset 56") && Catch::Contains("not an arm64 Image"));

    std::vector<std::uint8_t> gzip(4096);
    gzip[0] = 0x1f;
    gzip[1] = 0x8b;
    CHECK(parse(gzip, message).error() == Error::arg_inval);
    CHECK_THAT(message, Catch::Contains("gzip"));

    std::vector<std::uint8_t> zboot(4096);
    std::memcpy(zboot.data(), "MZ\0\0zimg", 8);
    CHECK(parse(zboot, message).error() == Error::arg_inval);
    CHECK_THAT(message, Catch::Contains("EFI zboot"));
}

TEST_CASE("rm image: a big-endian kernel is refused")
{
    std::string message;
    CHECK(parse(image(0, 0x100000, 0x3), message).error() == Error::unimplemented);
    CHECK_THAT(message, Catch::Contains("big-endian"));
}

TEST_CASE("rm image: fewer bytes than a header are refused as truncated")
{
    std::string message;
    auto bytes = image(0, 0x100000, 0x2, 64);
    bytes.resize(GENERATE(0u, 1u, 56u, 63u));
    CHECK(parse(bytes, message).error() == Error::arg_size);
    CHECK_THAT(message, Catch::Contains("shorter than the 64-byte arm64 Image header"));

    Diagnostic diag;
    CHECK(parse_image_header(nullptr, 4096, diag).error() == Error::arg_size);
}

TEST_CASE("rm image: exactly a header is enough to parse")
{
    std::string message;
    CHECK(parse(image(0, 0x100000, 0x2, 64), message).ok());
}

TEST_CASE("rm image: an image_size smaller than the file is refused")
{
    std::string message;
    CHECK(parse(image(0, 0x1000, 0x2, 0x2000), message).error() == Error::arg_inval);
    CHECK_THAT(message, Catch::Contains("image_size 0x1000 is smaller than the file (0x2000 bytes)"));
}

TEST_CASE("rm image: a text_offset that overflows with image_size is refused")
{
    std::string message;
    CHECK(parse(image(~std::uint64_t{0} - 0xfff, 0x2000, 0x2), message).error() == Error::addr_ovfl);
    CHECK_THAT(message, Catch::Contains("overflows"));
}

TEST_CASE("rm image: the kernel goes text_offset above the lowest 2 MiB boundary in RAM")
{
    struct Case {
        std::uint64_t ram_base;
        std::uint64_t text_offset;
        std::uint64_t expected_base;
    };
    Case c = GENERATE(Case{0x40000000, 0, 0x40000000}, Case{0x40000000, 0x80000, 0x40000000},
                      Case{0x40100000, 0, 0x40200000}, Case{0x40100000, 0x80000, 0x40200000},
                      Case{0x80001000, 0x1000, 0x80200000}, Case{0x880000000, 0x80000, 0x880000000},
                      Case{0, 0x80000, 0});
    Diagnostic diag;
    Result<KernelPlacement> placed = place_kernel(kernel_of(c.text_offset, 0x1000000), ram(c.ram_base, 64 * mib), diag);
    REQUIRE(placed.ok());
    CHECK(placed->base.raw() == c.expected_base);
    CHECK(placed->load.raw() == c.expected_base + c.text_offset);
    CHECK(placed->reserved == IpaRange{Ipa{c.expected_base + c.text_offset}, 0x1000000});
}

TEST_CASE("rm image: a kernel that exactly fills RAM above its base fits")
{
    Diagnostic diag;
    Result<KernelPlacement> placed = place_kernel(kernel_of(0x80000, 32 * mib - 0x80000), ram(0x40000000, 32 * mib), diag);
    REQUIRE(placed.ok());
    CHECK(placed->reserved.end().raw() == 0x42000000);
}

TEST_CASE("rm image: a kernel that does not fit in RAM is refused with the sizes")
{
    Diagnostic diag;
    // One byte too many.
    CHECK(place_kernel(kernel_of(0x80000, 32 * mib - 0x80000 + 1), ram(0x40000000, 32 * mib), diag).error() ==
          Error::nomem);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("kernel needs 0x2000001 bytes") &&
                                              Catch::Contains("VM RAM [0x40000000, +0x2000000) is too small"));
    // RAM with no 2 MiB boundary in it at all.
    CHECK(place_kernel(kernel_of(0, 0x1000), ram(0x40001000, mib), diag).error() == Error::nomem);
    // Aligning the base up eats the room the kernel needed.
    CHECK(place_kernel(kernel_of(0, 4 * mib), ram(0x40100000, 4 * mib + 0x80000), diag).error() == Error::nomem);
    // Empty RAM.
    CHECK(place_kernel(kernel_of(0, 0x1000), ram(0x40000000, 0), diag).error() == Error::arg_inval);
}

TEST_CASE("rm image: placement flag 1 needs the whole image below 2^48, flag 0 does not")
{
    Diagnostic diag;
    IpaRange high = ram((std::uint64_t{1} << 48) - 4 * mib, 64 * mib);
    CHECK(place_kernel(kernel_of(0, 8 * mib, 0xa), high, diag).error() == Error::addr_ovfl);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("above 2^48"));
    CHECK(place_kernel(kernel_of(0, 4 * mib, 0xa), high, diag).ok());
    CHECK(place_kernel(kernel_of(0, 8 * mib, 0x2), high, diag).ok());
}

TEST_CASE("rm image: RAM that ends at the top of the address space does not wrap the fit check")
{
    Diagnostic diag;
    IpaRange top = ram(~std::uint64_t{0} - 8 * mib + 1, 8 * mib);
    Result<KernelPlacement> placed = place_kernel(kernel_of(0, 8 * mib, 0x2), top, diag);
    REQUIRE(placed.ok());
    CHECK(placed->base == top.base);
    CHECK(place_kernel(kernel_of(0, 8 * mib + 1, 0x2), top, diag).error() == Error::nomem);
}
