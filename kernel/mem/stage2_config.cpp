// Stage-2 geometry and the VTCR_EL2 / VTTBR_EL2 values (see stage2_config.h for the rule).
#include "kernel/mem/stage2_config.h"

#include "arch/aarch64/pgtable_format.h"

namespace hyp::mem {

namespace pte = arch::pte;

namespace {

// ID_AA64MMFR0_EL1.PARange (bits 3:0) and VTCR_EL2.PS share one encoding.
constexpr unsigned parange_mask = 0xf;
constexpr unsigned pa_bits_by_encoding[] = {32, 36, 40, 42, 44, 48};
constexpr unsigned pa_encoding_count = sizeof(pa_bits_by_encoding) / sizeof(pa_bits_by_encoding[0]);

// The deepest start level whose root (up to 16 concatenated tables) covers ipa_bits.
constexpr unsigned start_level_for(unsigned ipa_bits)
{
    for (unsigned level = 2;; --level) {
        // The root resolves bits [ipa_bits - 1 : level_shift(level)]: at most 9 + 4 of them.
        if (ipa_bits <= pte::level_shift(level) + pte::bits_per_level + 4 || level == 0) {
            return level;
        }
    }
}

}  // namespace

std::uint64_t Stage2Geometry::root_entries() const
{
    return std::uint64_t{1} << (ipa_bits - pte::level_shift(start_level));
}

Result<Stage2Geometry> stage2_geometry(unsigned ipa_bits)
{
    if (ipa_bits < stage2_min_ipa_bits || ipa_bits > stage2_max_ipa_bits) {
        return fail(Error::arg_inval);
    }
    Stage2Geometry geometry;
    geometry.ipa_bits = ipa_bits;
    geometry.start_level = start_level_for(ipa_bits);
    unsigned root_bits = ipa_bits - pte::level_shift(geometry.start_level);
    geometry.root_tables = root_bits > pte::bits_per_level ? 1U << (root_bits - pte::bits_per_level) : 1U;
    return geometry;
}

unsigned pa_bits_from_mmfr0(std::uint64_t id_aa64mmfr0)
{
    unsigned encoding = static_cast<unsigned>(id_aa64mmfr0 & parange_mask);
    return encoding < pa_encoding_count ? pa_bits_by_encoding[encoding] : stage2_max_ipa_bits;
}

Result<unsigned> stage2_ipa_bits(unsigned pa_bits, unsigned needed_bits)
{
    unsigned cap = pa_bits < stage2_max_ipa_bits ? pa_bits : stage2_max_ipa_bits;
    if (needed_bits > cap) {
        return fail(Error::addr_ovfl);
    }
    return needed_bits < stage2_min_ipa_bits ? stage2_min_ipa_bits : needed_bits;
}

Result<std::uint64_t> stage2_vtcr(unsigned ipa_bits, unsigned pa_bits, unsigned vmid_bits)
{
    Result<Stage2Geometry> geometry = stage2_geometry(ipa_bits);
    if (!geometry) {
        return fail(geometry.error());
    }
    unsigned ps = pa_encoding_count;
    for (unsigned i = 0; i < pa_encoding_count; ++i) {
        if (pa_bits_by_encoding[i] == pa_bits) {
            ps = i;
        }
    }
    if (ps == pa_encoding_count || ipa_bits > pa_bits || (vmid_bits != 8 && vmid_bits != 16)) {
        return fail(Error::arg_inval);
    }
    std::uint64_t value = arch::vtcr::res1 | arch::vtcr::tg0_4k | arch::vtcr::irgn0_wbwa |
                          arch::vtcr::orgn0_wbwa | arch::vtcr::sh0_inner;
    value |= static_cast<std::uint64_t>(64 - ipa_bits) << arch::vtcr::t0sz_shift;
    value |= static_cast<std::uint64_t>(arch::vtcr::sl0_base_4k - geometry->start_level) << arch::vtcr::sl0_shift;
    value |= static_cast<std::uint64_t>(ps) << arch::vtcr::ps_shift;
    if (vmid_bits == 16) {
        value |= arch::vtcr::vs_16bit;
    }
    return value;
}

std::uint64_t stage2_vttbr(PhysAddr root, std::uint16_t vmid)
{
    return (root.raw() & arch::vttbr::baddr_mask) | (static_cast<std::uint64_t>(vmid) << arch::vttbr::vmid_shift);
}

}  // namespace hyp::mem
