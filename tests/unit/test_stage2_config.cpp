// Stage-2 geometry (start level, concatenated roots), VTCR_EL2/VTTBR_EL2 values, the
// PARange decoding, and the leaf descriptor bits for each memory type and access.
#include <catch2/catch.hpp>

#include "test_stage2_support.h"

using namespace hyp;
using namespace hyp::mem;
using namespace stage2_test;
namespace s2 = hyp::arch::pte::s2;

TEST_CASE("each IPA size starts at the deepest level its concatenated root can cover", "[stage2]")
{
    struct Row {
        unsigned ipa_bits, start_level, root_tables;
        std::uint64_t t0sz, sl0;
    };
    const Row rows[] = {
        {32, 2, 4, 32, 0}, {34, 2, 16, 30, 0}, {35, 1, 1, 29, 1}, {36, 1, 1, 28, 1}, {39, 1, 1, 25, 1},
        {40, 1, 2, 24, 1}, {42, 1, 8, 22, 1},  {43, 1, 16, 21, 1}, {44, 0, 1, 20, 2}, {48, 0, 1, 16, 2},
    };
    for (const Row& row : rows) {
        INFO("IPA bits " << row.ipa_bits);
        auto g = stage2_geometry(row.ipa_bits);
        REQUIRE(g.ok());
        CHECK(g->start_level == row.start_level);
        CHECK(g->root_tables == row.root_tables);
        auto vtcr = stage2_vtcr(row.ipa_bits, 48, 8);
        REQUIRE(vtcr.ok());
        CHECK((*vtcr & 0x3f) == row.t0sz);
        CHECK(((*vtcr >> 6) & 3) == row.sl0);
    }
    CHECK(stage2_geometry(31).error() == Error::arg_inval);
    CHECK(stage2_geometry(49).error() == Error::arg_inval);
}

TEST_CASE("VTCR_EL2 carries write-back inner-shareable walks, 4 KiB granule, PS and VS", "[stage2]")
{
    // T0SZ 24, SL0 1, IRGN0/ORGN0 write-back, SH0 inner, TG0 4K, PS 40 bits, RES1 bit 31.
    CHECK(stage2_vtcr(40, 40, 8).value() == 0x8002'3558);
    CHECK(stage2_vtcr(40, 40, 16).value() == 0x800a'3558);  // VS: 16-bit VMIDs
    CHECK(stage2_vtcr(32, 32, 8).value() == 0x8000'3520);   // T0SZ 32, SL0 0 (level 2), PS 32 bits
    CHECK(stage2_vtcr(44, 44, 8).value() == 0x8004'3594);   // T0SZ 20, SL0 2 (level 0), PS 44 bits
    CHECK(stage2_vtcr(48, 48, 16).value() == 0x800d'3590);  // T0SZ 16, SL0 2, PS 48 bits
    CHECK(stage2_vtcr(36, 42, 8).value() == 0x8003'355c);   // T0SZ 28, SL0 1, PS 42 bits

    CHECK(stage2_vtcr(44, 40, 8).error() == Error::arg_inval);  // IPA wider than PA
    CHECK(stage2_vtcr(40, 41, 8).error() == Error::arg_inval);  // no PS encoding
    CHECK(stage2_vtcr(40, 40, 12).error() == Error::arg_inval);
    CHECK(stage2_vtcr(30, 40, 8).error() == Error::arg_inval);
}

TEST_CASE("PARange decodes to a PA size capped at 48 bits, and caps the IPA size", "[stage2]")
{
    const unsigned expected[] = {32, 36, 40, 42, 44, 48, 48, 48, 48};
    for (unsigned encoding = 0; encoding < 9; ++encoding) {
        CHECK(pa_bits_from_mmfr0(0x1100 | encoding) == expected[encoding]);
    }
    CHECK(stage2_ipa_bits(40, 39).value() == 39);
    CHECK(stage2_ipa_bits(40, 20).value() == 32);
    CHECK(stage2_ipa_bits(40, 40).value() == 40);
    CHECK(stage2_ipa_bits(52, 48).value() == 48);
    CHECK(stage2_ipa_bits(36, 40).error() == Error::addr_ovfl);
}

TEST_CASE("VTTBR_EL2 holds the root and the VMID", "[stage2]")
{
    CHECK(stage2_vttbr(PhysAddr{0x8'1234'0000}, 0x1234) == 0x1234'0008'1234'0000ULL);
    CHECK(stage2_vttbr(PhysAddr{0x4000'0000}, 5) == 0x0005'0000'4000'0000ULL);
}

TEST_CASE("the first and last page and block of every IPA size map through the concatenated root", "[stage2]")
{
    for (unsigned ipa_bits : {32U, 36U, 40U, 42U, 44U, 48U}) {
        INFO("IPA bits " << ipa_bits);
        Arena arena{64};
        Stage2Table table;
        REQUIRE(table.init(arena, Stage2Config{ipa_bits, 48, 1}).ok());
        const auto& g = table.geometry();
        CHECK(table.root().is_aligned(g.root_tables * pte::page_size));
        CHECK(table.table_pages() == g.root_tables);
        const std::uint64_t top = std::uint64_t{1} << ipa_bits;
        const Stage2Attrs rw{};
        REQUIRE(table.map(Ipa{0}, PhysAddr{0x1000}, 4 * kib, rw).ok());
        REQUIRE(table.map(Ipa{top - 4 * kib}, PhysAddr{0x2000}, 4 * kib, rw).ok());
        REQUIRE(table.map(Ipa{top - 4 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
        CHECK(table.lookup(Ipa{top - 1}).value().pa == PhysAddr{0x2fff});
        CHECK(table.lookup(Ipa{0}).value().pa == PhysAddr{0x1000});
        CHECK(table.lookup(Ipa{top - 3 * mib}).value().level == 2);
        CHECK(table.lookup(Ipa{top - 3 * mib}).value().pa == PhysAddr{3 * mib});
        CHECK_FALSE(table.lookup(Ipa{top / 2}).ok());
        if (g.start_level <= 1) {
            REQUIRE(table.map(Ipa{top - 2 * gib}, PhysAddr{gib}, gib, rw).ok());
            CHECK(table.lookup(Ipa{top - 2 * gib}).value().level == 1);
        } else {
            // Starting at level 2 there is no level 1: an aligned gigabyte is 512 blocks.
            REQUIRE(table.map(Ipa{top - 2 * gib}, PhysAddr{gib}, gib, rw).ok());
            CHECK(table.lookup(Ipa{top - 2 * gib}).value().level == 2);
        }
        Walk w = walk(table, arena);
        CHECK(w.problems.empty());
        CHECK(w.tables == table.table_pages());
        REQUIRE(table.unmap(Ipa{0}, top).ok());
        CHECK(table.table_pages() == g.root_tables);
        CHECK(arena.in_use() == g.root_tables);
    }
}

TEST_CASE("each memory type lands in MemAttr, with SH only for Normal memory", "[stage2]")
{
    const Stage2MemType types[] = {
        Stage2MemType::device_ngnrne, Stage2MemType::device_ngnre,   Stage2MemType::device_ngre,
        Stage2MemType::device_gre,    Stage2MemType::normal_nc,      Stage2MemType::normal_onc_iwt,
        Stage2MemType::normal_onc_iwb, Stage2MemType::normal_owt_inc, Stage2MemType::normal_wt,
        Stage2MemType::normal_owt_iwb, Stage2MemType::normal_owb_inc, Stage2MemType::normal_owb_iwt,
        Stage2MemType::normal_wb,
    };
    for (Stage2MemType type : types) {
        INFO("memtype " << static_cast<unsigned>(type));
        CHECK(is_valid(type));
        std::uint64_t bits = stage2_leaf_attrs(Stage2Attrs{Stage2Access::rw, type});
        CHECK((bits & s2::memattr_mask) >> s2::memattr_shift == static_cast<unsigned>(type));
        CHECK((bits & s2::sh_mask) == (is_device(type) ? s2::sh_none : s2::sh_inner_shareable));
        CHECK((bits & pte::access_flag) != 0);
        CHECK((bits & (pte::output_address_mask | pte::type_mask)) == 0);
        CHECK(stage2_decode_attrs(bits).type == type);
    }
    CHECK(static_cast<unsigned>(Stage2MemType::normal_wb) == s2::memattr_normal_wb);
    CHECK(static_cast<unsigned>(Stage2MemType::normal_nc) == s2::memattr_normal_nc);
    CHECK(static_cast<unsigned>(Stage2MemType::device_ngnre) == s2::memattr_device_ngnre);
    CHECK(static_cast<unsigned>(Stage2MemType::device_ngnrne) == s2::memattr_device_ngnrne);
    for (unsigned reserved : {0x4U, 0x8U, 0xcU, 0x10U}) {
        CHECK_FALSE(is_valid(static_cast<Stage2MemType>(reserved)));
    }
}

TEST_CASE("each access combination lands in S2AP and XN, and decodes back", "[stage2]")
{
    for (unsigned raw = 0; raw <= 7; ++raw) {
        auto access = static_cast<Stage2Access>(raw);
        INFO("access " << raw);
        std::uint64_t bits = stage2_leaf_attrs(Stage2Attrs{access, Stage2MemType::normal_wb});
        CHECK(((bits & s2::s2ap_read) != 0) == ((raw & 4) != 0));
        CHECK(((bits & s2::s2ap_write) != 0) == ((raw & 2) != 0));
        // Executable: XN 0b00; not: 0b10, which means "nowhere" with or without FEAT_XNX.
        CHECK((bits & s2::xn_mask) == ((raw & 1) ? 0 : (2ULL << 53)));
        CHECK(stage2_decode_attrs(bits).access == access);
    }
    CHECK_FALSE(is_valid(static_cast<Stage2Access>(8)));
    // Exact descriptors for the common cases: RAM read-write, device, read-execute.
    CHECK(stage2_leaf_attrs({Stage2Access::rw, Stage2MemType::normal_wb}) == 0x0040'0000'0000'07fcULL);
    CHECK(stage2_leaf_attrs({Stage2Access::rw, Stage2MemType::device_ngnre}) == 0x0040'0000'0000'04c4ULL);
    CHECK(stage2_leaf_attrs({Stage2Access::rx, Stage2MemType::normal_wb}) == 0x0000'0000'0000'077cULL);
}
