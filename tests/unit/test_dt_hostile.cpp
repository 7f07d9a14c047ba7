// Platform discovery on hostile blobs made from valid ones: truncated, randomly
// corrupted, with header fields, property lengths or the structure block broken. Each
// must come back as an error (or, where corruption happens to leave a valid tree, as a
// result), never as a crash or a sanitizer report. Buffers are exactly the blob's size,
// so AddressSanitizer sees any read past the end.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <vector>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using Catch::Matchers::Contains;

namespace {

// Header field offsets (struct fdt_header).
constexpr std::size_t magic_at = 0;
constexpr std::size_t totalsize_at = 4;
constexpr std::size_t off_dt_struct_at = 8;
constexpr std::size_t off_dt_strings_at = 12;
constexpr std::size_t off_mem_rsvmap_at = 16;
constexpr std::size_t version_at = 20;
constexpr std::size_t last_comp_version_at = 24;
constexpr std::size_t size_dt_strings_at = 32;
constexpr std::size_t size_dt_struct_at = 36;

std::uint32_t get_be32(const test::Blob& blob, std::size_t at)
{
    return (std::uint32_t{blob[at]} << 24) | (std::uint32_t{blob[at + 1]} << 16) | (std::uint32_t{blob[at + 2]} << 8) |
           std::uint32_t{blob[at + 3]};
}

void put_be32(test::Blob& blob, std::size_t at, std::uint32_t value)
{
    blob[at] = static_cast<std::uint8_t>(value >> 24);
    blob[at + 1] = static_cast<std::uint8_t>(value >> 16);
    blob[at + 2] = static_cast<std::uint8_t>(value >> 8);
    blob[at + 3] = static_cast<std::uint8_t>(value);
}

// Discovery plus everything a caller does with a successful result, so that a
// corrupted-but-accepted tree is exercised end to end.
void discover_and_use(const test::Blob& blob)
{
    auto found = test::discover(blob.data(), blob.size());
    if (found->ok()) {
        (void)test::runnable_problem(found->info);
        PhysRange usable[64];
        (void)usable_ram(found->info, usable, 64);
        for (std::size_t i = 0; i < found->info.cpu_count; ++i) {
            (void)test::str(found->info.cpus[i].enable_method);
        }
        (void)test::str(found->info.console.path);
        (void)test::str(found->info.console.compatible);
    } else {
        CHECK_FALSE(found->diag.empty());
    }
}

// Offsets of the tags in the structure block, by kind, found by walking it as dtc wrote it.
struct Tags {
    std::vector<std::size_t> props;  // offset of each FDT_PROP tag in the blob
    std::size_t end = 0;             // offset of the FDT_END tag
};

Tags walk_structure(const test::Blob& blob)
{
    Tags tags;
    std::size_t at = get_be32(blob, off_dt_struct_at);
    std::size_t limit = at + get_be32(blob, size_dt_struct_at);
    while (at < limit) {
        std::uint32_t tag = get_be32(blob, at);
        if (tag == FDT_BEGIN_NODE) {
            at += 4;
            while (blob[at] != 0) {
                ++at;
            }
            at = (at + 1 + 3) & ~std::size_t{3};
        } else if (tag == FDT_PROP) {
            tags.props.push_back(at);
            at += 12 + ((get_be32(blob, at + 4) + 3) & ~std::uint32_t{3});
        } else if (tag == FDT_END) {
            tags.end = at;
            break;
        } else {
            at += 4;  // FDT_END_NODE, FDT_NOP
        }
    }
    REQUIRE(tags.end != 0);
    REQUIRE(tags.props.size() > 10);
    return tags;
}

}  // namespace

TEST_CASE("no blob, or fewer bytes than a header, is refused")
{
    auto none = test::discover(nullptr, 4096);
    CHECK_FALSE(none->ok());
    CHECK_THAT(none->message(), Contains("null"));

    test::Blob blob = test::fixture_dtb("qemu_virt");
    auto tiny = test::discover(blob.data(), 39);
    CHECK_FALSE(tiny->ok());
    CHECK_THAT(tiny->message(), Contains("header"));
}

TEST_CASE("a blob truncated at any length is refused")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    for (std::size_t length = 0; length < blob.size(); ++length) {
        test::Blob cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length));
        auto found = test::discover(cut.data(), cut.size());
        INFO("length " << length);
        REQUIRE_FALSE(found->ok());
    }
}

TEST_CASE("a blob truncated at any length, with totalsize rewritten to match, is refused")
{
    test::Blob blob = test::fixture_dtb("full_board");
    for (std::size_t length = 40; length < blob.size(); ++length) {
        test::Blob cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length));
        put_be32(cut, totalsize_at, static_cast<std::uint32_t>(length));
        auto found = test::discover(cut.data(), cut.size());
        INFO("length " << length);
        REQUIRE_FALSE(found->ok());
    }
}

TEST_CASE("a totalsize larger than the bytes mapped is refused")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    auto short_mapping = test::discover(blob.data(), blob.size() - 1);
    REQUIRE_FALSE(short_mapping->ok());
    CHECK(short_mapping->error == Error::arg_size);
    CHECK_THAT(short_mapping->message(), Contains("exceeds"));

    for (std::uint32_t totalsize : {static_cast<std::uint32_t>(blob.size() + 1), 0x7fffffffu, 0xffffffffu}) {
        test::Blob bad = blob;
        put_be32(bad, totalsize_at, totalsize);
        INFO("totalsize " << totalsize);
        REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
    }
}

TEST_CASE("a bad magic or version is refused")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    for (std::size_t byte = 0; byte < 4; ++byte) {
        test::Blob bad = blob;
        bad[magic_at + byte] ^= 0x20;
        REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
    }
    for (std::uint32_t version : {0u, 1u}) {
        test::Blob bad = blob;
        put_be32(bad, version_at, version);
        REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
    }
    test::Blob newer = blob;  // a later version that says it is compatible with ours is fine
    put_be32(newer, version_at, 0xffffffff);
    REQUIRE(test::discover(newer.data(), newer.size())->ok());
    test::Blob future = blob;
    put_be32(future, last_comp_version_at, 0x100);
    REQUIRE_FALSE(test::discover(future.data(), future.size())->ok());
}

TEST_CASE("header offsets and sizes pointing outside the blob are refused, odd ones do no harm")
{
    test::Blob blob = test::fixture_dtb("full_board");
    const std::uint32_t total = static_cast<std::uint32_t>(blob.size());
    for (std::size_t field : {off_dt_struct_at, off_dt_strings_at, off_mem_rsvmap_at, size_dt_strings_at,
                              size_dt_struct_at}) {
        for (std::uint32_t value : {total + 1, total + 4, 0x7ffffffcu, 0x80000000u, 0xfffffffcu, 0xffffffffu}) {
            test::Blob bad = blob;
            put_be32(bad, field, value);
            INFO("header field at " << field << " = " << value);
            REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
        }
        for (std::uint32_t value : {0u, 1u, 3u, 8u, 40u, total - 16, total - 1, total}) {
            test::Blob odd = blob;
            put_be32(odd, field, value);
            INFO("header field at " << field << " = " << value);
            discover_and_use(odd);
        }
    }
}

TEST_CASE("huge or misaligned property lengths and name offsets are refused or harmless")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    Tags tags = walk_structure(blob);
    const std::uint32_t struct_size = get_be32(blob, size_dt_struct_at);
    for (std::size_t prop : tags.props) {
        for (std::uint32_t length : {0xffffffffu, 0x7fffffffu, 0x80000000u, struct_size, struct_size + 1}) {
            test::Blob bad = blob;
            put_be32(bad, prop + 4, length);
            INFO("property tag at " << prop << " length " << length);
            REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
        }
        for (std::uint32_t nameoff : {0xffffffffu, 0x7fffffffu, get_be32(blob, size_dt_strings_at)}) {
            test::Blob bad = blob;
            put_be32(bad, prop + 8, nameoff);
            INFO("property tag at " << prop << " nameoff " << nameoff);
            REQUIRE_FALSE(test::discover(bad.data(), bad.size())->ok());
        }
        for (std::uint32_t delta : {1u, 2u, 3u, 5u}) {
            test::Blob odd = blob;
            put_be32(odd, prop + 4, get_be32(blob, prop + 4) + delta);
            INFO("property tag at " << prop << " length + " << delta);
            discover_and_use(odd);
        }
    }
}

TEST_CASE("a structure block that runs on past its end, or starts inside the header, is refused")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    Tags tags = walk_structure(blob);

    test::Blob endless = blob;  // FDT_END replaced: nothing stops the walk inside the block
    put_be32(endless, tags.end, FDT_NOP);
    REQUIRE_FALSE(test::discover(endless.data(), endless.size())->ok());

    test::Blob begin_again = blob;  // a new node opened where the tree should end
    put_be32(begin_again, tags.end, FDT_BEGIN_NODE);
    REQUIRE_FALSE(test::discover(begin_again.data(), begin_again.size())->ok());

    test::Blob unclosed = blob;  // the root's FDT_END_NODE turned into a no-op
    REQUIRE(get_be32(unclosed, tags.end - 4) == FDT_END_NODE);
    put_be32(unclosed, tags.end - 4, FDT_NOP);
    REQUIRE_FALSE(test::discover(unclosed.data(), unclosed.size())->ok());

    test::Blob bad_tag = blob;
    put_be32(bad_tag, tags.props[3], 0x42);
    REQUIRE_FALSE(test::discover(bad_tag.data(), bad_tag.size())->ok());

    for (std::uint32_t start : {0u, 4u, 40u}) {  // back into the header / the reservation map
        test::Blob overlapping = blob;
        put_be32(overlapping, off_dt_struct_at, start);
        INFO("off_dt_struct " << start);
        REQUIRE_FALSE(test::discover(overlapping.data(), overlapping.size())->ok());
    }
}

TEST_CASE("a reservation map that runs on into the structure or strings block is refused")
{
    test::Blob blob = test::fixture_dtb("full_board");
    test::Blob into_struct = blob;  // "entries" read out of the structure block's tags
    put_be32(into_struct, off_mem_rsvmap_at, get_be32(blob, off_dt_struct_at));
    auto found = test::discover(into_struct.data(), into_struct.size());
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("reservation map"));

    test::Blob unterminated = blob;  // the terminating all-zero entry overwritten
    std::size_t map = get_be32(blob, off_mem_rsvmap_at);
    std::memset(unterminated.data() + map, 0x11, get_be32(blob, off_dt_struct_at) - map);
    REQUIRE_FALSE(test::discover(unterminated.data(), unterminated.size())->ok());
}

TEST_CASE("a blob that is not 8-byte aligned is refused")
{
    test::Blob blob = test::fixture_dtb("qemu_virt");
    std::vector<std::uint8_t> shifted(blob.size() + 4);
    std::memcpy(shifted.data() + 4, blob.data(), blob.size());
    auto found = test::discover(shifted.data() + 4, blob.size());
    REQUIRE_FALSE(found->ok());
    CHECK(found->error == Error::arg_align);
    CHECK_THAT(found->message(), Contains("8-byte aligned"));
}

TEST_CASE("random byte corruption never crashes discovery")
{
    std::mt19937 random{20240601};
    for (const char* name : {"qemu_virt", "full_board", "one_cell"}) {
        test::Blob blob = test::fixture_dtb(name);
        const std::size_t struct_begin = get_be32(blob, off_dt_struct_at);
        const std::size_t struct_end = struct_begin + get_be32(blob, size_dt_struct_at);
        std::size_t accepted = 0;
        for (int iteration = 0; iteration < 3000; ++iteration) {
            test::Blob bad = blob;
            std::uniform_int_distribution<int> flips{1, 6};
            // Half the time anywhere, half the time in the structure block where libfdt's
            // walk and ours spend their time.
            std::uniform_int_distribution<std::size_t> anywhere{0, blob.size() - 1};
            std::uniform_int_distribution<std::size_t> in_struct{struct_begin, struct_end - 1};
            std::uniform_int_distribution<int> byte{0, 255};
            for (int n = flips(random); n > 0; --n) {
                std::size_t at = iteration % 2 == 0 ? anywhere(random) : in_struct(random);
                bad[at] = static_cast<std::uint8_t>(byte(random));
            }
            auto found = test::discover(bad.data(), bad.size());
            accepted += found->ok() ? 1 : 0;
            discover_and_use(bad);
        }
        INFO(name << ": " << accepted << " of 3000 corrupted blobs were still valid trees");
        CHECK(accepted < 3000);
    }
}

namespace {

// A tree whose memory node sits `depth` levels down, under buses with identity ranges,
// with a malformed 6-byte reg.
test::Blob nested_tree(int depth)
{
    test::Blob work(64 * 1024);
    void* fdt = work.data();
    REQUIRE(fdt_create(fdt, static_cast<int>(work.size())) == 0);
    REQUIRE(fdt_finish_reservemap(fdt) == 0);
    REQUIRE(fdt_begin_node(fdt, "") == 0);
    REQUIRE(fdt_property_u32(fdt, "#address-cells", 1) == 0);
    REQUIRE(fdt_property_u32(fdt, "#size-cells", 1) == 0);
    for (int level = 0; level < depth; ++level) {
        REQUIRE(fdt_begin_node(fdt, "a-rather-long-node-name") == 0);
        REQUIRE(fdt_property(fdt, "ranges", nullptr, 0) == 0);
    }
    REQUIRE(fdt_begin_node(fdt, "memory@0") == 0);
    REQUIRE(fdt_property_string(fdt, "device_type", "memory") == 0);
    REQUIRE(fdt_property(fdt, "reg", "\0\0\0\1\0\0", 6) == 0);
    REQUIRE(fdt_end_node(fdt) == 0);
    for (int level = 0; level < depth; ++level) {
        REQUIRE(fdt_end_node(fdt) == 0);
    }
    REQUIRE(fdt_end_node(fdt) == 0);
    REQUIRE(fdt_finish(fdt) == 0);
    return test::Blob(work.begin(), work.begin() + fdt_totalsize(fdt));
}

}  // namespace

TEST_CASE("a path too long to print still has its node named in the message")
{
    test::Blob blob = nested_tree(50);
    auto found = test::discover(blob.data(), blob.size());
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains(".../memory@0") && Contains("reg is 6 bytes"));
}

TEST_CASE("a tree nested deeper than 64 levels is refused before it is walked")
{
    test::Blob blob = nested_tree(200);
    auto found = test::discover(blob.data(), blob.size());
    REQUIRE_FALSE(found->ok());
    CHECK_THAT(found->message(), Contains("deeper than 64"));
}
