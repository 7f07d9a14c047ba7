// The shape of a VM's stage-2 translation: how many IPA bits, which level the walk starts
// at and how many tables are concatenated there, and the VTCR_EL2 / VTTBR_EL2 values that
// describe it to the hardware. Pure logic: the arch code writes the registers.
//
// The start-level rule (Arm ARM, the stage-2 "inconsistent SL" check, 4 KiB granule):
// a walk that starts at level L has 3 - L further levels of 9 bits below it plus the
// 12-bit page offset, and its first level must resolve at least 1 and at most 9 + 4 bits
// (one full table, or up to 2^4 = 16 concatenated tables). So the IPA size may be
//     level 2: 22..34 bits    level 1: 31..43 bits    level 0: 40..48 bits (52 with LPA2)
// Where two levels fit, we take the deeper one: concatenating root tables costs a few
// extra root pages but saves a level on every walk (a TLB miss reads one table fewer).
// That gives, for the sizes PARange can report:
//     IPA bits  32        36        40        42        44        48
//     start     L2 x4     L1 x1     L1 x2     L1 x8     L0 x1     L0 x1
// VTCR_EL2.SL0 is 2 - start level for 4 KiB; T0SZ is 64 - IPA bits. A concatenated root
// must be aligned to its whole size (VTTBR_EL2.BADDR).
#pragma once

#include <cstdint>

#include "support/addr.h"
#include "support/result.h"

namespace hyp::mem {

inline constexpr unsigned stage2_min_ipa_bits = 32;
// 52-bit IPAs need the FEAT_LPA2 descriptor format, which this engine does not write.
inline constexpr unsigned stage2_max_ipa_bits = 48;
inline constexpr unsigned stage2_max_root_tables = 16;

struct Stage2Geometry {
    unsigned ipa_bits = 0;
    unsigned start_level = 0;  // 0, 1 or 2
    unsigned root_tables = 0;  // concatenated 4 KiB tables at the start level: 1..16

    // Entries across all concatenated root tables (a single table may be partly used).
    [[nodiscard]] std::uint64_t root_entries() const;
    [[nodiscard]] std::uint64_t ipa_limit() const { return std::uint64_t{1} << ipa_bits; }
};

// The geometry for `ipa_bits` (32..48; arg_inval otherwise).
[[nodiscard]] Result<Stage2Geometry> stage2_geometry(unsigned ipa_bits);

// ID_AA64MMFR0_EL1.PARange as a number of bits, capped at 48 (see above). Reserved
// encodings read as 48: every defined value above 0b101 is at least that.
[[nodiscard]] unsigned pa_bits_from_mmfr0(std::uint64_t id_aa64mmfr0);

// The IPA size for VMs on a machine with `pa_bits` of physical address whose platform
// needs `needed_bits` of IPA space (the highest guest-visible address it places, rounded
// up to a power of two): at least 32, and never more than the PA size, because an IPA
// the output cannot express would only ever fault. addr_ovfl when the platform needs more
// than the machine has.
[[nodiscard]] Result<unsigned> stage2_ipa_bits(unsigned pa_bits, unsigned needed_bits);

// VTCR_EL2 for a 4 KiB granule, write-back inner-shareable walks, `ipa_bits` of input,
// `pa_bits` of output (32, 36, 40, 42, 44 or 48) and 8- or 16-bit VMIDs. arg_inval for
// anything else, or an IPA larger than the PA.
[[nodiscard]] Result<std::uint64_t> stage2_vtcr(unsigned ipa_bits, unsigned pa_bits, unsigned vmid_bits);

// VTTBR_EL2 for a root table (aligned to its size) and a VMID.
[[nodiscard]] std::uint64_t stage2_vttbr(PhysAddr root, std::uint16_t vmid);

}  // namespace hyp::mem
