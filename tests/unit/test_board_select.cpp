// Choosing the board from the root `compatible` before the MMU is on
// (platform/dt/root_compatible.h, platform/boards/board.h): against libfdt on every
// Qualcomm and Arm tree Debian ships, on QEMU's tree, and on damaged blobs.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <string>

#include "platform/boards/board.h"
#include "platform/dt/root_compatible.h"
#include "tests/unit/dtb_file.h"

namespace hyp::test {
namespace {

const platform::Board& board_of(const Blob& blob) { return platform::select_board(blob.data(), blob.size()); }

std::string compatibles_of(const Blob& blob)
{
    std::string all;
    const bool stopped = platform::for_each_root_compatible(blob.data(), blob.size(), [&](const char* s, std::size_t n) {
        all += std::string(s, n) + ";";
        return false;
    });
    CHECK_FALSE(stopped);
    return all;
}

}  // namespace

TEST_CASE("board: QEMU virt's tree selects qemu-virt with its early PL011 and 4 KiB stage 2", "[board]")
{
    const platform::Board& board = board_of(fixture_dtb("qemu_virt"));
    CHECK(std::string(board.name) == "qemu-virt");
    CHECK(board.early_uart.kind == platform::EarlyUartKind::pl011);
    CHECK(board.early_uart.base == 0x09000000);
    CHECK_FALSE(board.stage2_blocks);
    CHECK_FALSE(board.forwards_qcom_sip);
}

TEST_CASE("board: Qualcomm trees select by their root compatible", "[board]")
{
    const platform::Board& idp = board_of(debian_dtb("qcom/sc7280-idp.dtb"));
    CHECK(std::string(idp.name) == "qcom-sc7280");
    CHECK(idp.early_uart.kind == platform::EarlyUartKind::none);
    CHECK(idp.stage2_blocks);
    CHECK(idp.forwards_qcom_sip);

    // Debian 12's kernel has no qcs6490-rb3gen2.dtb: the IDP's tree, named as the RB3 Gen 2 names itself.
    Blob rb3 = edited(debian_dtb("qcom/sc7280-idp.dtb"), [](void* fdt) {
        static const char compat[] = "qcom,qcs6490-rb3gen2\0qcom,qcs6490";
        REQUIRE(fdt_setprop(fdt, 0, "compatible", compat, sizeof compat) == 0);
    });
    const platform::Board& board = board_of(rb3);
    CHECK(std::string(board.name) == "qcom-rb3gen2");
    CHECK(board.early_uart.kind == platform::EarlyUartKind::geni);
    CHECK(board.early_uart.base == 0x994000);

    // An SoC we have no entry for: the generic board, silent until discovery.
    const platform::Board& rb5 = board_of(debian_dtb("qcom/qrb5165-rb5.dtb"));
    CHECK(&rb5 == &platform::generic_board());
    CHECK(rb5.early_uart.kind == platform::EarlyUartKind::none);
    CHECK_FALSE(rb5.forwards_qcom_sip);
}

TEST_CASE("board: the early scan reads the same root compatible as libfdt on every Debian tree", "[board]")
{
    std::size_t trees = 0;
    for (const char* vendor : {"qcom", "arm"}) {
        for (const auto& entry : std::filesystem::directory_iterator(std::string(HYP_DEBIAN_DTB_DIR) + "/" + vendor)) {
            if (entry.path().extension() != ".dtb") {
                continue;
            }
            Blob blob;
            REQUIRE(read_file(entry.path().string(), blob));
            int length = 0;
            const void* expected = fdt_getprop(blob.data(), 0, "compatible", &length);
            const std::uint8_t* value = nullptr;
            std::size_t size = 0;
            INFO(entry.path().string());
            REQUIRE(expected != nullptr);
            REQUIRE(platform::find_root_compatible(blob.data(), blob.size(), value, size));
            CHECK(size == static_cast<std::size_t>(length));
            CHECK(std::memcmp(value, expected, size) == 0);
            ++trees;
        }
    }
    CHECK(trees > 100);
}

TEST_CASE("board: truncated, misaligned or damaged blobs select the generic board and read nothing outside", "[board]")
{
    const Blob whole = fixture_dtb("qemu_virt");
    REQUIRE(compatibles_of(whole) == "linux,dummy-virt;");
    // Every truncation: the header's totalsize then exceeds what the scan may read.
    for (std::size_t n = 0; n < whole.size(); ++n) {
        Blob cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK(&platform::select_board(cut.data(), cut.size()) == &platform::generic_board());
    }
    // Not 8-byte aligned.
    Blob shifted(whole.size() + 8);
    std::memcpy(shifted.data() + 4, whole.data(), whole.size());
    CHECK(&platform::select_board(shifted.data() + 4, whole.size()) == &platform::generic_board());
    CHECK(&platform::select_board(nullptr, 0) == &platform::generic_board());

    // A property name offset past the strings block, and a value length past the structs.
    const std::size_t structs = fdt_off_dt_struct(whole.data());
    Blob bad_name = whole;
    const std::uint32_t huge = __builtin_bswap32(0x7fffffffu);
    std::memcpy(bad_name.data() + structs + 8 + 8, &huge, 4);  // the root's first property's nameoff
    CHECK(&platform::select_board(bad_name.data(), bad_name.size()) == &platform::generic_board());
    Blob bad_length = whole;
    std::memcpy(bad_length.data() + structs + 8 + 4, &huge, 4);  // its length
    CHECK(&platform::select_board(bad_length.data(), bad_length.size()) == &platform::generic_board());

    // A root without compatible.
    Blob none = edited(whole, [](void* fdt) { REQUIRE(fdt_delprop(fdt, 0, "compatible") == 0); });
    CHECK(&platform::select_board(none.data(), none.size()) == &platform::generic_board());
}

TEST_CASE("board: no compatible string selects two boards", "[board]")
{
    // A string listed by two entries would always pick the first; the second could never
    // be chosen by it. (The table's order, specific board before its SoC family, is what
    // the RB3 Gen 2 case above checks: its tree lists both.)
    for (const platform::Board* a = platform::boards_begin(); a != platform::boards_end(); ++a) {
        for (const platform::Board* b = a + 1; b != platform::boards_end(); ++b) {
            for (std::size_t i = 0; i < a->compatible_count; ++i) {
                for (std::size_t j = 0; j < b->compatible_count; ++j) {
                    CHECK(std::string(a->compatibles[i]) != b->compatibles[j]);
                }
            }
        }
    }
}

}  // namespace hyp::test
