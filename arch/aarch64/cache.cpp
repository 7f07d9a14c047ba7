// Data-cache maintenance by range on AArch64 (see arch/cache.h).
//
// The line size is CTR_EL0.DminLine (log2 of words in the smallest data-cache line of
// any cache the PE can see), read on each call: it is one MRS, and a cached copy would
// need an initialisation order that this leaf code should not depend on. The range is
// widened to whole lines; DC by VA acts on the whole line that holds the address anyway.
// A DSB ISH at the end waits until every operation has completed for all observers in
// the inner-shareable domain (the other CPUs, and through the PoC, memory itself).
#include <arch/cache.h>

#include <cstdint>

namespace hyp::arch {

namespace {

std::uintptr_t line_size()
{
    std::uint64_t ctr;
    asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
    return std::uintptr_t{4} << ((ctr >> 16) & 0xf);
}

template <typename Op>
void for_each_line(const void* base, std::size_t size, Op op)
{
    if (size == 0) {
        return;
    }
    const std::uintptr_t line = line_size();
    std::uintptr_t p = reinterpret_cast<std::uintptr_t>(base) & ~(line - 1);
    const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(base) + size;
    for (; p < end; p += line) {
        op(p);
    }
    asm volatile("dsb ish" : : : "memory");
}

}  // namespace

void cache_clean_range(const void* base, std::size_t size)
{
    for_each_line(base, size, [](std::uintptr_t p) { asm volatile("dc cvac, %0" : : "r"(p) : "memory"); });
}

void cache_flush_range(const void* base, std::size_t size)
{
    for_each_line(base, size, [](std::uintptr_t p) { asm volatile("dc civac, %0" : : "r"(p) : "memory"); });
}

void icache_invalidate_all()
{
    asm volatile("ic ialluis\n\tdsb ish\n\tisb" : : : "memory");
}

}  // namespace hyp::arch
