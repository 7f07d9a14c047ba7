// The vGIC's distributor and redistributor registers: every offset and width answered,
// unimplemented ones RAZ/WI, and the implemented ones' values and widths.
#include "tests/unit/test_vgic_support.h"

#include "hyp_api/vcpu_mpidr.h"

using namespace vgic_test;

namespace {

constexpr unsigned widths[] = {1, 2, 4, 8};

// Where the distributor may read as non-zero, for a VM with `spis` SPIs.
bool dist_implemented(std::uint32_t offset, unsigned size, unsigned spis)
{
    std::uint32_t intids = 32 + spis;
    if (size == 1) {
        return offset >= g::gicd_ipriorityr + 32 && offset < g::gicd_ipriorityr + intids;
    }
    if (size == 8) {
        return offset >= g::gicd_irouter + 8 * 32 && offset < g::gicd_irouter + 8 * intids && offset % 8 == 0;
    }
    if (size != 4 || offset % 4 != 0) {
        return false;
    }
    if (offset <= g::gicd_iidr || offset >= g::id_block) {
        return true;  // CTLR, TYPER, IIDR, the ID block
    }
    if (offset >= g::gicd_igroupr && offset < g::gicd_icactiver + g::bit_block_size) {
        std::uint32_t first = (offset % g::bit_block_size) / 4 * 32;
        return first >= 32 && first < intids;
    }
    if (offset >= g::gicd_ipriorityr && offset < g::gicd_ipriorityr + g::byte_block_size) {
        std::uint32_t first = offset - g::gicd_ipriorityr;
        return first >= 32 && first < intids;
    }
    if (offset >= g::gicd_icfgr && offset < g::gicd_icfgr + g::cfg_block_size) {
        std::uint32_t first = (offset - g::gicd_icfgr) / 4 * 16;
        return first >= 32 && first < intids;
    }
    if (offset >= g::gicd_irouter && offset < g::irouter_end) {
        std::uint32_t intid = (offset - g::gicd_irouter) / 8;
        return offset % 8 == 0 && intid >= 32 && intid < intids;  // the upper half is Aff3: RAZ
    }
    return false;
}

// Where a redistributor's frames may read as non-zero (`offset` within the 128 KiB).
bool redist_implemented(std::uint32_t offset, unsigned size)
{
    bool sgi = offset >= g::sgi_frame;
    std::uint32_t reg = offset % g::frame_size;
    if (!sgi) {
        if (size == 8) {
            return reg == g::gicr_typer;
        }
        return size == 4 && (reg == g::gicr_iidr || reg == g::gicr_typer || reg == g::gicr_typer + 4 ||
                             reg == g::gicr_waker || (reg >= g::id_block && reg % 4 == 0));
    }
    if (size == 1) {
        return reg >= g::gicr_ipriorityr0 && reg < g::gicr_ipriorityr0 + 32;
    }
    if (size != 4 || reg % 4 != 0) {
        return false;
    }
    return (reg >= g::gicr_igroupr0 && reg <= g::gicr_icactiver0 && reg % g::bit_block_size == 0) ||
           (reg >= g::gicr_ipriorityr0 && reg < g::gicr_ipriorityr0 + 32) || reg == g::gicr_icfgr0 ||
           reg == g::gicr_icfgr1;
}

}  // namespace

TEST_CASE("vgic: every distributor offset and width is answered, unimplemented ones are RAZ/WI", "[vgic][mmio]")
{
    Gic gic(2, 64);
    for (unsigned size : widths) {
        for (std::uint32_t offset = 0; offset + size <= g::distributor_size; ++offset) {
            gic.dwrite(offset, ~std::uint64_t{0}, size);
        }
    }
    for (unsigned size : widths) {
        for (std::uint32_t offset = 0; offset + size <= g::distributor_size; ++offset) {
            std::uint64_t v = gic.dread(offset, size);
            if (!dist_implemented(offset, size, gic.spis)) {
                INFO("offset " << std::hex << offset << " size " << size);
                REQUIRE(v == 0);
            }
            if (size < 8) {
                REQUIRE(v >> (8 * size) == 0);
            }
        }
    }
    // Beyond the frame (the bus never sends these, but the device does not trust it).
    std::uint64_t v = 1;
    CHECK(gic.vgic->distributor().mmio_read(g::distributor_size, 4, v) == hyp::virt::MmioResult::done);
    CHECK(v == 0);
    CHECK(gic.vgic->distributor().mmio_write(~std::uint64_t{3}, 4, 1) == hyp::virt::MmioResult::done);
}

TEST_CASE("vgic: every redistributor offset and width is answered, unimplemented ones are RAZ/WI", "[vgic][mmio]")
{
    Gic gic(3, 32);
    std::uint64_t span = 3 * g::redistributor_stride;
    hyp::virt::MmioDevice& dev = gic.vgic->redistributors();
    for (unsigned size : widths) {
        for (std::uint64_t offset = 0; offset + size <= span; ++offset) {
            REQUIRE(dev.mmio_write(offset, size, ~std::uint64_t{0}) == hyp::virt::MmioResult::done);
        }
    }
    for (unsigned size : widths) {
        for (std::uint64_t offset = 0; offset + size <= span; ++offset) {
            std::uint64_t v = 0x5a5a;
            REQUIRE(dev.mmio_read(offset, size, v) == hyp::virt::MmioResult::done);
            if (!redist_implemented(static_cast<std::uint32_t>(offset % g::redistributor_stride), size)) {
                INFO("offset " << std::hex << offset << " size " << size);
                REQUIRE(v == 0);
            }
        }
    }
    std::uint64_t v = 1;
    CHECK(dev.mmio_read(span, 4, v) == hyp::virt::MmioResult::done);
    CHECK(v == 0);
    // ProcessorSleep was written 1 everywhere, and all ones disabled and deactivated all.
    CHECK(gic.rread(2, false, g::gicr_waker) == (g::waker_processor_sleep | g::waker_children_asleep));
    CHECK(gic.rread(2, true, g::gicr_isenabler0) == 0);
}

TEST_CASE("vgic: GICD_CTLR, TYPER, IIDR and the ID registers", "[vgic][mmio]")
{
    Gic gic(4, 96);
    CHECK(gic.dread(g::gicd_ctlr) == (g::ctlr_are | g::ctlr_ds));
    gic.dwrite(g::gicd_ctlr, 0xffffffff);
    CHECK(gic.dread(g::gicd_ctlr) == (g::ctlr_are | g::ctlr_ds | g::ctlr_enable_grp0 | g::ctlr_enable_grp1));
    gic.dwrite(g::gicd_ctlr, 0);
    CHECK(gic.dread(g::gicd_ctlr) == (g::ctlr_are | g::ctlr_ds));  // ARE RAO/WI, RWP 0

    std::uint64_t typer = gic.dread(g::gicd_typer);
    CHECK((typer & 0x1f) == 3);                // (3 + 1) * 32 = 128 INTIDs = 32 + 96
    CHECK(((typer >> 5) & 7) == 0);            // CPUNumber: 0 with ARE
    CHECK(((typer >> 19) & 0x1f) == 9);        // IDbits: 10-bit INTIDs
    CHECK((typer & (g::typer_lpis | g::typer_mbis | g::typer_security_extn | g::typer_a3v | g::typer_no1n)) == 0);
    CHECK(typer == 0x00480003);
    CHECK(gic.dread(g::gicd_iidr) == 0x4700043b);
    CHECK(gic.dread(g::gicd_typer2) == 0);
    CHECK(gic.dread(g::gicd_statusr) == 0);

    CHECK(gic.dread(g::pidr2) == 0x30);
    CHECK(((gic.dread(g::pidr2) >> 4) & 0xf) == 3);
    CHECK(gic.dread(g::pidr0) == 0x47);
    CHECK(gic.dread(g::pidr4) == 0x40);
    CHECK(gic.dread(g::cidr0) == 0x0d);
    CHECK(gic.dread(g::cidr0 + 4) == 0xf0);
    CHECK(gic.dread(g::cidr0 + 8) == 0x05);
    CHECK(gic.dread(g::cidr0 + 12) == 0xb1);
    gic.dwrite(g::pidr2, 0);
    CHECK(gic.dread(g::pidr2) == 0x30);

    Gic all(1, 988);
    CHECK((all.dread(g::gicd_typer) & 0x1f) == 31);
    Gic none(1, 0);
    CHECK((none.dread(g::gicd_typer) & 0x1f) == 0);
}

TEST_CASE("vgic: distributor per-SPI registers, and the SGI/PPI range of them RAZ/WI", "[vgic][mmio]")
{
    Gic gic(4, 64);  // SPIs 32..95
    SECTION("IGROUPR")
    {
        CHECK(gic.dread(g::gicd_igroupr + 4) == 0xffffffff);  // reset Group 1
        gic.dwrite(g::gicd_igroupr + 4, 0x0000ff00);
        CHECK(gic.dread(g::gicd_igroupr + 4) == 0x0000ff00);
        CHECK(gic.dread(g::gicd_igroupr) == 0);
        gic.dwrite(g::gicd_igroupr + 12, 0xffffffff);  // INTIDs 96..127: none
        CHECK(gic.dread(g::gicd_igroupr + 12) == 0);
    }
    SECTION("ISENABLER / ICENABLER")
    {
        gic.dwrite(g::gicd_isenabler + 8, 0x80000001);
        gic.dwrite(g::gicd_isenabler + 8, 0x00000010);  // zeros change nothing
        CHECK(gic.dread(g::gicd_isenabler + 8) == 0x80000011);
        CHECK(gic.dread(g::gicd_icenabler + 8) == 0x80000011);
        gic.dwrite(g::gicd_icenabler + 8, 0x00000011);
        CHECK(gic.dread(g::gicd_isenabler + 8) == 0x80000000);
        gic.dwrite(g::gicd_isenabler, 0xffffffff);  // SGIs/PPIs: the redistributor's
        CHECK(gic.dread(g::gicd_isenabler) == 0);
        CHECK(gic.rread(0, true, g::gicr_isenabler0) == 0);
    }
    SECTION("ISPENDR / ICPENDR and ISACTIVER / ICACTIVER")
    {
        gic.dwrite(g::gicd_ispendr + 4, 0x3);
        CHECK(gic.dread(g::gicd_ispendr + 4) == 0x3);
        CHECK(gic.dread(g::gicd_icpendr + 4) == 0x3);
        gic.dwrite(g::gicd_icpendr + 4, 0x1);
        CHECK(gic.dread(g::gicd_ispendr + 4) == 0x2);
        gic.dwrite(g::gicd_isactiver + 4, 0x10);
        CHECK(gic.dread(g::gicd_icactiver + 4) == 0x10);
        gic.dwrite(g::gicd_icactiver + 4, 0x10);
        CHECK(gic.dread(g::gicd_isactiver + 4) == 0);
        gic.vgic->set_level(0, 33, true);  // a high level line reads pending; ICPENDR cannot clear it
        gic.dwrite(g::gicd_icpendr + 4, 0x2);
        CHECK(gic.dread(g::gicd_ispendr + 4) == 0x2);
    }
    SECTION("IPRIORITYR: bytes and words, 5 bits")
    {
        gic.dwrite(g::gicd_ipriorityr + 40, 0xff, 1);
        CHECK(gic.dread(g::gicd_ipriorityr + 40, 1) == 0xf8);
        gic.dwrite(g::gicd_ipriorityr + 44, 0x12345678);
        CHECK(gic.dread(g::gicd_ipriorityr + 44) == 0x10305078);
        CHECK(gic.dread(g::gicd_ipriorityr + 45, 1) == 0x50);
        gic.dwrite(g::gicd_ipriorityr + 46, 0xffff, 2);  // halfwords: RAZ/WI
        CHECK(gic.dread(g::gicd_ipriorityr + 46, 2) == 0);
        CHECK(gic.dread(g::gicd_ipriorityr + 44) == 0x10305078);
        gic.dwrite(g::gicd_ipriorityr + 8, 0xffffffff);  // SGIs/PPIs
        CHECK(gic.dread(g::gicd_ipriorityr + 8) == 0);
        gic.dwrite(g::gicd_ipriorityr + 96, 0xffffffff);  // no such SPIs
        CHECK(gic.dread(g::gicd_ipriorityr + 96) == 0);
        gic.dwrite(g::gicd_ipriorityr + 28, 0xa0a0a0a0);
        CHECK(gic.dread(g::gicd_ipriorityr + 28) == 0);
    }
    SECTION("ICFGR: Int_config[1] per INTID, [0] RES0, SPIs only")
    {
        CHECK(gic.dread(g::gicd_icfgr + 8) == 0);  // reset level
        gic.dwrite(g::gicd_icfgr + 8, 0xffffffff);
        CHECK(gic.dread(g::gicd_icfgr + 8) == 0xaaaaaaaa);
        gic.dwrite(g::gicd_icfgr + 12, 0x00000008);
        CHECK(gic.dread(g::gicd_icfgr + 12) == 0x00000008);
        gic.dwrite(g::gicd_icfgr + 4, 0xaaaaaaaa);
        CHECK(gic.dread(g::gicd_icfgr + 4) == 0);
        CHECK(gic.dread(g::gicd_icfgr) == 0);
    }
    SECTION("IROUTER: 64-bit and 32-bit halves, Aff2.Aff1.Aff0 and IRM")
    {
        std::uint32_t r = g::gicd_irouter + 8 * 50;
        gic.dwrite(r, 0x000000ff'ff010203, 8);  // Aff3 and bits 30:24 are RES0
        CHECK(gic.dread(r, 8) == 0x80010203);
        CHECK(gic.dread(r) == 0x80010203);
        CHECK(gic.dread(r + 4) == 0);
        gic.dwrite(r, 0x00000105);
        CHECK(gic.dread(r, 8) == 0x105);
        gic.dwrite(r + 4, 0xffffffff);
        CHECK(gic.dread(r, 8) == 0x105);
        gic.dwrite(r + 4, 0xffffffff, 8);  // misaligned 64-bit
        CHECK(gic.dread(r, 8) == 0x105);
        gic.dwrite(g::gicd_irouter + 8 * 20, 0x1, 8);  // INTID 20: no IROUTER
        CHECK(gic.dread(g::gicd_irouter + 8 * 20, 8) == 0);
        gic.dwrite(g::gicd_irouter + 8 * 96, 0x1, 8);  // no such SPI
        CHECK(gic.dread(g::gicd_irouter + 8 * 96, 8) == 0);
    }
    SECTION("GICv2-only and Secure registers are RAZ/WI")
    {
        for (std::uint32_t off : {g::gicd_itargetsr + 40, g::gicd_igrpmodr + 4, g::gicd_nsacr + 8, g::gicd_sgir,
                                  g::gicd_cpendsgir, g::gicd_spendsgir, g::gicd_setspi_nsr, g::gicd_clrspi_nsr}) {
            gic.dwrite(off, 0xffffffff);
            CHECK(gic.dread(off) == 0);
        }
        gic.dwrite(g::gicd_itargetsr + 40, 0xff, 1);
        CHECK(gic.dread(g::gicd_itargetsr + 40, 1) == 0);
        gic.dwrite(g::gicd_setspi_nsr, 40);
        CHECK(gic.dread(g::gicd_ispendr + 4) == 0);
    }
}

TEST_CASE("vgic: redistributor RD_base frame: TYPER, WAKER, CTLR, IIDR, PIDR2", "[vgic][mmio]")
{
    Gic gic(20, 32);
    for (unsigned v = 0; v < 20; ++v) {
        std::uint64_t typer = gic.rread(v, false, g::gicr_typer, 8);
        CHECK(typer >> 32 == hyp_abi::vcpu_mpidr(v));  // Aff3.Aff2.Aff1.Aff0
        CHECK(((typer >> 8) & 0xffff) == v);
        CHECK(((typer & g::gicr_typer_last) != 0) == (v == 19));
        CHECK((typer & (g::gicr_typer_plpis | g::gicr_typer_vlpis | g::gicr_typer_direct_lpi)) == 0);
        CHECK(gic.rread(v, false, g::gicr_typer) == (typer & 0xffffffff));
        CHECK(gic.rread(v, false, g::gicr_typer + 4) == typer >> 32);
        CHECK(gic.rread(v, false, g::pidr2) == 0x30);
        CHECK(gic.rread(v, false, g::gicr_iidr) == 0x4700043b);
    }
    CHECK(gic.rread(17, false, g::gicr_typer + 4) == 0x101);
    gic.rwrite(3, false, g::gicr_typer, 0, 8);
    CHECK(gic.rread(3, false, g::gicr_typer + 4) == 3);

    CHECK(gic.rread(5, false, g::gicr_waker) == 6);  // asleep at reset
    gic.rwrite(5, false, g::gicr_waker, 0);
    CHECK(gic.rread(5, false, g::gicr_waker) == 0);
    CHECK(gic.rread(4, false, g::gicr_waker) == 6);
    gic.rwrite(5, false, g::gicr_waker, g::waker_processor_sleep);
    CHECK(gic.rread(5, false, g::gicr_waker) == 6);
    gic.rwrite(5, false, g::gicr_waker, g::waker_children_asleep);  // read-only bit
    CHECK(gic.rread(5, false, g::gicr_waker) == 0);

    gic.rwrite(0, false, g::gicr_ctlr, 0xffffffff);  // EnableLPIs RAZ/WI
    CHECK(gic.rread(0, false, g::gicr_ctlr) == 0);
    gic.rwrite(0, false, g::gicr_propbaser, 0xffffffff, 8);
    gic.rwrite(0, false, g::gicr_pendbaser, 0xffffffff, 8);
    CHECK(gic.rread(0, false, g::gicr_propbaser, 8) == 0);
    CHECK(gic.rread(0, false, g::gicr_pendbaser, 8) == 0);
    CHECK(gic.rread(0, false, g::gicr_statusr) == 0);
}

TEST_CASE("vgic: redistributor SGI_base frame registers", "[vgic][mmio]")
{
    Gic gic(2, 32);
    CHECK(gic.rread(1, true, g::gicr_igroupr0) == 0xffffffff);
    gic.rwrite(1, true, g::gicr_igroupr0, 0x0000ffff);
    CHECK(gic.rread(1, true, g::gicr_igroupr0) == 0x0000ffff);
    CHECK(gic.rread(0, true, g::gicr_igroupr0) == 0xffffffff);  // per vCPU

    gic.rwrite(1, true, g::gicr_isenabler0, 0x08000003);
    CHECK(gic.rread(1, true, g::gicr_icenabler0) == 0x08000003);
    gic.rwrite(1, true, g::gicr_icenabler0, 0x1);
    CHECK(gic.rread(1, true, g::gicr_isenabler0) == 0x08000002);
    gic.rwrite(1, true, g::gicr_ispendr0, 0x10);
    CHECK(gic.rread(1, true, g::gicr_icpendr0) == 0x10);
    gic.rwrite(1, true, g::gicr_isactiver0, 0x20);
    CHECK(gic.rread(1, true, g::gicr_icactiver0) == 0x20);
    gic.rwrite(1, true, g::gicr_icactiver0, 0x20);
    CHECK(gic.rread(1, true, g::gicr_isactiver0) == 0);

    gic.rwrite(1, true, g::gicr_ipriorityr0 + 27, 0xa7, 1);
    CHECK(gic.rread(1, true, g::gicr_ipriorityr0 + 24) == 0xa0000000);
    gic.rwrite(1, true, g::gicr_ipriorityr0, 0x01020304);
    CHECK(gic.rread(1, true, g::gicr_ipriorityr0) == 0);  // low 3 bits only: all RAZ

    CHECK(gic.rread(1, true, g::gicr_icfgr0) == 0xaaaaaaaa);
    gic.rwrite(1, true, g::gicr_icfgr0, 0);
    CHECK(gic.rread(1, true, g::gicr_icfgr0) == 0xaaaaaaaa);  // SGIs: always edge
    CHECK(gic.rread(1, true, g::gicr_icfgr1) == 0);           // PPIs reset level
    gic.rwrite(1, true, g::gicr_icfgr1, 0xffffffff);
    CHECK(gic.rread(1, true, g::gicr_icfgr1) == 0xaaaaaaaa);

    gic.rwrite(1, true, g::gicr_igrpmodr0, 0xffffffff);
    gic.rwrite(1, true, g::gicr_nsacr, 0xffffffff);
    CHECK(gic.rread(1, true, g::gicr_igrpmodr0) == 0);
    CHECK(gic.rread(1, true, g::gicr_nsacr) == 0);
    gic.rwrite(1, true, g::gicr_isenabler0 + 4, 0xffffffff);  // extended PPIs: none
    CHECK(gic.rread(1, true, g::gicr_isenabler0 + 4) == 0);
}
