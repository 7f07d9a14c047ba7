// The calling vCPU's stage-1 translation (see arch/guest_va.h).
#include <arch/guest_va.h>

namespace hyp::arch {
namespace {

constexpr std::uint64_t par_fault = 1u << 0;                 // PAR_EL1.F
constexpr std::uint64_t par_pa_mask = 0x000ffffffffff000ull; // PAR_EL1.PA, bits 51:12
constexpr std::uint64_t page_offset_mask = 0xfff;

}  // namespace

GuestVaTranslation guest_va_to_ipa(std::uint64_t va, bool write)
{
    std::uint64_t saved;
    std::uint64_t par;
    asm volatile("mrs %0, par_el1" : "=r"(saved));
    if (write) {
        asm volatile("at s1e1w, %0" : : "r"(va) : "memory");
    } else {
        asm volatile("at s1e1r, %0" : : "r"(va) : "memory");
    }
    asm volatile("isb\n\tmrs %0, par_el1" : "=r"(par) : : "memory");
    asm volatile("msr par_el1, %0" : : "r"(saved));
    if ((par & par_fault) != 0) {
        return {false, 0};
    }
    return {true, (par & par_pa_mask) | (va & page_offset_mask)};
}

}  // namespace hyp::arch
