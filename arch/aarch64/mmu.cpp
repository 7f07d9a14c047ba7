// EL2 MMU configuration (see arch/mmu.h).
#include <arch/mmu.h>

#include <arch/registers.h>
#include <arch/sysreg.h>

#include "kernel/mem/stage1_map.h"

namespace hyp::arch {
namespace {

// PARange encodings above 48 bits need the 52-bit descriptor format, which the
// hypervisor does not use; 48 bits covers every platform we target.
constexpr std::uint64_t parange_48_bits = 0b101;

std::size_t dcache_line_size()
{
    std::uint64_t ctr;
    asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
    return std::size_t{4} << ((ctr >> 16) & 0xf);  // CTR_EL0.DminLine, log2 words
}

}  // namespace

MmuParams el2_mmu_params(const std::uint64_t* root_table)
{
    std::uint64_t parange = read_id_aa64mmfr0_el1() & id_aa64mmfr0::parange_mask;
    if (parange > parange_48_bits) {
        parange = parange_48_bits;
    }
    MmuParams params{};
    params.mair = (mair::normal_wb << (8 * static_cast<unsigned>(mem::MemoryType::normal))) |
                  (mair::device_ngnre << (8 * static_cast<unsigned>(mem::MemoryType::device))) |
                  (mair::device_ngnrne << (8 * static_cast<unsigned>(mem::MemoryType::device_strict))) |
                  (mair::normal_nc << (8 * static_cast<unsigned>(mem::MemoryType::normal_nc)));
    params.tcr = tcr_el2::res1 | (static_cast<std::uint64_t>(64 - mem::Stage1Map::va_bits) << tcr_el2::t0sz_shift) |
                 tcr_el2::irgn0_wbwa | tcr_el2::orgn0_wbwa | tcr_el2::sh0_inner | tcr_el2::tg0_4k |
                 (parange << tcr_el2::ps_shift);
    params.ttbr = reinterpret_cast<std::uintptr_t>(root_table);
    params.sctlr = sctlr_el2::res1 | sctlr_el2::m | sctlr_el2::c | sctlr_el2::sa | sctlr_el2::i | sctlr_el2::wxn;
    return params;
}

void el2_switch_tables(const std::uint64_t* root_table)
{
    dsb_ishst();  // table writes visible to the walker
    write_ttbr0_el2(reinterpret_cast<std::uintptr_t>(root_table));
    isb();
    asm volatile("tlbi alle2" ::: "memory");
    dsb_ish();
    isb();
}

void dcache_clean_to_poc(const void* start, std::size_t size)
{
    std::size_t line = dcache_line_size();
    std::uintptr_t p = reinterpret_cast<std::uintptr_t>(start) & ~(line - 1);
    std::uintptr_t end = reinterpret_cast<std::uintptr_t>(start) + size;
    for (; p < end; p += line) {
        asm volatile("dc cvac, %0" : : "r"(p) : "memory");
    }
    dsb_sy();
}

void dcache_invalidate_to_poc(const void* start, std::size_t size)
{
    std::size_t line = dcache_line_size();
    std::uintptr_t p = reinterpret_cast<std::uintptr_t>(start) & ~(line - 1);
    std::uintptr_t end = reinterpret_cast<std::uintptr_t>(start) + size;
    for (; p < end; p += line) {
        asm volatile("dc ivac, %0" : : "r"(p) : "memory");
    }
    dsb_sy();
}

}  // namespace hyp::arch
