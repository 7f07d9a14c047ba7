// Hardware stage-2 walks for self-tests (see arch/stage2_probe.h).
#include <arch/stage2_probe.h>

#include <arch/registers.h>
#include <arch/sysreg.h>

namespace hyp::arch {
namespace {


constexpr std::uint64_t par_f = bit(0);
constexpr unsigned par_fst_shift = 1;
constexpr std::uint64_t par_fst_mask = 0x3f;
constexpr std::uint64_t par_s = bit(9);
constexpr std::uint64_t par_pa_mask = 0x0000fffffffff000ULL;

}  // namespace

void stage2_probe_begin(std::uint64_t vtcr, std::uint64_t vttbr)
{
    write_sctlr_el1(sctlr_el1::reset_mmu_off);  // stage 1 flat
    write_vtcr_el2(vtcr);
    write_vttbr_el2(vttbr);
    write_hcr_el2(read_hcr_el2() | hcr::vm | hcr_el2::rw);
    isb();
}

void stage2_probe_end()
{
    write_hcr_el2(read_hcr_el2() & ~hcr::vm);
    write_vttbr_el2(0);
    isb();
}

WalkResult walk_s12e1(std::uint64_t ipa, bool write)
{
    if (write) {
        asm volatile("at s12e1w, %0" : : "r"(ipa) : "memory");
    } else {
        asm volatile("at s12e1r, %0" : : "r"(ipa) : "memory");
    }
    isb();
    std::uint64_t par = read_par_el1();
    WalkResult result;
    result.par = par;
    result.fault = (par & par_f) != 0;
    if (result.fault) {
        result.status = static_cast<std::uint8_t>((par >> par_fst_shift) & par_fst_mask);
        result.stage2 = (par & par_s) != 0;
    } else {
        result.pa = (par & par_pa_mask) | (ipa & 0xfff);
    }
    return result;
}

}  // namespace hyp::arch
