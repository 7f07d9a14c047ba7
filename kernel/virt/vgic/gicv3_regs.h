// GICv3 distributor and redistributor register offsets and fields, as the vGIC presents
// them (Arm IHI 0069H, 12.9 GICD_*, 12.10 GICR_* RD_base, 12.11 GICR_* SGI_base). Only the
// registers the vGIC implements or names are here; every other offset reads as zero.
#pragma once

#include <cstdint>

namespace hyp::virt::gicv3 {

// Frame sizes.
inline constexpr std::uint64_t frame_size = 0x10000;                  // 64 KiB
inline constexpr std::uint64_t distributor_size = frame_size;         // GICD
inline constexpr std::uint64_t redistributor_stride = 2 * frame_size; // RD_base + SGI_base per CPU
inline constexpr std::uint64_t sgi_frame = frame_size;                // SGI_base, from RD_base

// Distributor (GICD_*).
inline constexpr std::uint32_t gicd_ctlr = 0x0000;
inline constexpr std::uint32_t gicd_typer = 0x0004;
inline constexpr std::uint32_t gicd_iidr = 0x0008;
inline constexpr std::uint32_t gicd_typer2 = 0x000c;
inline constexpr std::uint32_t gicd_statusr = 0x0010;
inline constexpr std::uint32_t gicd_setspi_nsr = 0x0040;
inline constexpr std::uint32_t gicd_clrspi_nsr = 0x0048;
inline constexpr std::uint32_t gicd_igroupr = 0x0080;     // ..0x00fc, 1 bit per INTID
inline constexpr std::uint32_t gicd_isenabler = 0x0100;   // ..0x017c
inline constexpr std::uint32_t gicd_icenabler = 0x0180;   // ..0x01fc
inline constexpr std::uint32_t gicd_ispendr = 0x0200;     // ..0x027c
inline constexpr std::uint32_t gicd_icpendr = 0x0280;     // ..0x02fc
inline constexpr std::uint32_t gicd_isactiver = 0x0300;   // ..0x037c
inline constexpr std::uint32_t gicd_icactiver = 0x0380;   // ..0x03fc
inline constexpr std::uint32_t gicd_ipriorityr = 0x0400;  // ..0x07fb, 1 byte per INTID
inline constexpr std::uint32_t gicd_itargetsr = 0x0800;   // ..0x0bfb, RAZ/WI with ARE
inline constexpr std::uint32_t gicd_icfgr = 0x0c00;       // ..0x0cfc, 2 bits per INTID
inline constexpr std::uint32_t gicd_igrpmodr = 0x0d00;    // ..0x0d7c, RAZ/WI
inline constexpr std::uint32_t gicd_nsacr = 0x0e00;       // ..0x0efc, RAZ/WI
inline constexpr std::uint32_t gicd_sgir = 0x0f00;        // WI with ARE
inline constexpr std::uint32_t gicd_cpendsgir = 0x0f10;   // RAZ/WI with ARE
inline constexpr std::uint32_t gicd_spendsgir = 0x0f20;   // RAZ/WI with ARE
inline constexpr std::uint32_t gicd_irouter = 0x6000;     // + 8 * INTID, INTID 32..1019
// Each ranged register block is this many bytes.
inline constexpr std::uint32_t bit_block_size = 0x80;     // 1024 INTIDs, 1 bit each
inline constexpr std::uint32_t byte_block_size = 0x400;   // 1024 INTIDs, 1 byte each
inline constexpr std::uint32_t cfg_block_size = 0x100;    // 1024 INTIDs, 2 bits each
inline constexpr std::uint32_t irouter_end = gicd_irouter + 8 * 1020;

// GICD_CTLR, as with a single Security state (DS = 1).
inline constexpr std::uint32_t ctlr_enable_grp0 = 1u << 0;
inline constexpr std::uint32_t ctlr_enable_grp1 = 1u << 1;  // EnableGrp1 (NS view: EnableGrp1A)
inline constexpr std::uint32_t ctlr_are = 1u << 4;          // affinity routing, RAO/WI
inline constexpr std::uint32_t ctlr_ds = 1u << 6;           // security disabled, RAO/WI
inline constexpr std::uint32_t ctlr_rwp = 1u << 31;         // always 0: writes take effect at once

// GICD_TYPER.
inline constexpr unsigned typer_itlines_shift = 0;  // [4:0] ITLinesNumber: 32 * (N + 1) INTIDs
inline constexpr unsigned typer_idbits_shift = 19;  // [23:19] IDbits: INTID bits - 1
inline constexpr std::uint32_t typer_idbits = 9;    // 10-bit INTIDs, no LPIs
inline constexpr std::uint32_t typer_lpis = 1u << 17;
inline constexpr std::uint32_t typer_mbis = 1u << 16;
inline constexpr std::uint32_t typer_security_extn = 1u << 10;
inline constexpr std::uint32_t typer_a3v = 1u << 24;
inline constexpr std::uint32_t typer_no1n = 1u << 25;

// GICD_IROUTER<n>.
inline constexpr std::uint64_t irouter_irm = 1ull << 31;  // 1 of N: any participating PE
inline constexpr std::uint64_t irouter_aff_mask = 0xffffff; // Aff2.Aff1.Aff0 (no Aff3: A3V = 0)
inline constexpr std::uint64_t irouter_bits = irouter_irm | irouter_aff_mask;

// Identification, in both GICD and GICR RD_base: GICD_IIDR / GICR_IIDR, and the CoreSight
// style ID block at 0xffd0..0xfffc.
// IIDR: ProductID [31:24] 0x47 ('G', for Gunyah), Variant 0, Revision 0, Implementer
// [11:0] 0x43b (Arm's JEP106 code, as KVM's and QEMU's GICs report). It matches none of
// the GIC errata Linux looks up by IIDR.
inline constexpr std::uint32_t iidr = 0x4700043b;
inline constexpr std::uint32_t pidr4 = 0xffd0;  // PIDR4..7 at 0xffd0..0xffdc
inline constexpr std::uint32_t pidr0 = 0xffe0;  // PIDR0..3 at 0xffe0..0xffec
inline constexpr std::uint32_t pidr2 = 0xffe8;
inline constexpr std::uint32_t cidr0 = 0xfff0;  // CIDR0..3 at 0xfff0..0xfffc
inline constexpr std::uint32_t id_block = 0xffd0;
inline constexpr std::uint32_t pidr2_arch_rev_shift = 4;  // [7:4] ArchRev: 3 = GICv3
inline constexpr std::uint32_t pidr2_value = 3u << pidr2_arch_rev_shift;
// The ID block, 0xffd0 + 4 * i: PIDR4..7, PIDR0..3, CIDR0..3. No JEDEC identity (PIDR2.JEDEC
// 0, designer fields 0): part number 0x047 in PIDR0/1, PIDR4.SIZE 4 (a 64 KiB frame),
// PIDR2 = ArchRev 3 (what Linux's gic_validate_dist_version and redistributor walk check),
// and the standard CoreSight/PrimeCell preamble 0xb105f00d in CIDR0..3.
inline constexpr std::uint8_t id_values[12] = {0x40, 0x00, 0x00, 0x00, 0x47, 0x00, pidr2_value, 0x00,
                                               0x0d, 0xf0, 0x05, 0xb1};
// The ID register at a 4-byte aligned `offset` in a frame, or 0 outside the block.
[[nodiscard]] constexpr std::uint32_t id_register(std::uint32_t offset)
{
    return offset >= id_block && offset < frame_size ? id_values[(offset - id_block) / 4] : 0;
}
static_assert(id_register(pidr2) == 0x30 && id_register(cidr0 + 12) == 0xb1);

// Redistributor RD_base frame (GICR_*).
inline constexpr std::uint32_t gicr_ctlr = 0x0000;
inline constexpr std::uint32_t gicr_iidr = 0x0004;
inline constexpr std::uint32_t gicr_typer = 0x0008;  // 64-bit
inline constexpr std::uint32_t gicr_statusr = 0x0010;
inline constexpr std::uint32_t gicr_waker = 0x0014;
inline constexpr std::uint32_t gicr_propbaser = 0x0070;  // 64-bit, RAZ/WI (no LPIs)
inline constexpr std::uint32_t gicr_pendbaser = 0x0078;  // 64-bit, RAZ/WI
// GICR_TYPER.
inline constexpr std::uint64_t gicr_typer_plpis = 1ull << 0;
inline constexpr std::uint64_t gicr_typer_vlpis = 1ull << 1;
inline constexpr std::uint64_t gicr_typer_direct_lpi = 1ull << 3;
inline constexpr std::uint64_t gicr_typer_last = 1ull << 4;
inline constexpr unsigned gicr_typer_processor_number_shift = 8;  // [23:8]
inline constexpr unsigned gicr_typer_affinity_shift = 32;         // [63:32] Aff3.Aff2.Aff1.Aff0
// GICR_WAKER.
inline constexpr std::uint32_t waker_processor_sleep = 1u << 1;
inline constexpr std::uint32_t waker_children_asleep = 1u << 2;

// Redistributor SGI_base frame, offsets within it.
inline constexpr std::uint32_t gicr_igroupr0 = 0x0080;
inline constexpr std::uint32_t gicr_isenabler0 = 0x0100;
inline constexpr std::uint32_t gicr_icenabler0 = 0x0180;
inline constexpr std::uint32_t gicr_ispendr0 = 0x0200;
inline constexpr std::uint32_t gicr_icpendr0 = 0x0280;
inline constexpr std::uint32_t gicr_isactiver0 = 0x0300;
inline constexpr std::uint32_t gicr_icactiver0 = 0x0380;
inline constexpr std::uint32_t gicr_ipriorityr0 = 0x0400;  // ..0x041f, SGIs and PPIs
inline constexpr std::uint32_t gicr_icfgr0 = 0x0c00;       // SGIs: read-only, edge
inline constexpr std::uint32_t gicr_icfgr1 = 0x0c04;       // PPIs
inline constexpr std::uint32_t gicr_igrpmodr0 = 0x0d00;    // RAZ/WI
inline constexpr std::uint32_t gicr_nsacr = 0x0e00;        // RAZ/WI

// ICC_SGI1R_EL1 (12.2.22).
inline constexpr unsigned sgi1r_target_list_shift = 0;  // [15:0] Aff0 bitmap (+ 16 * RS)
inline constexpr unsigned sgi1r_aff1_shift = 16;        // [23:16]
inline constexpr unsigned sgi1r_intid_shift = 24;       // [27:24]
inline constexpr unsigned sgi1r_aff2_shift = 32;        // [39:32]
inline constexpr std::uint64_t sgi1r_irm = 1ull << 40;  // all PEs but the sender
inline constexpr unsigned sgi1r_rs_shift = 44;          // [47:44]
inline constexpr unsigned sgi1r_aff3_shift = 48;        // [55:48]

// INTID ranges.
inline constexpr std::uint32_t sgi_count = 16;
inline constexpr std::uint32_t private_count = 32;  // SGIs 0..15, PPIs 16..31
inline constexpr std::uint32_t max_intid = 1019;    // 1020..1023 are special

}  // namespace hyp::virt::gicv3
