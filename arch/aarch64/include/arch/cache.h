// Data-cache maintenance by address range, to the point of coherency: what memory
// extents need when memory changes hands (memextent_modify's zero, clean and flush
// ranges) so that an observer that does not snoop the caches (a VM mapping the memory
// non-cacheable, a device) sees what was written.
// The host build has a fake with the same interface (arch/host/include/arch/cache.h)
// that records the calls; keep the two declarations in step.
#pragma once

#include <cstddef>

namespace hyp::arch {

// Writes back every dirty line that holds part of [base, base + size) (DC CVAC per line,
// then DSB ISH): on return the memory itself holds the data.
void cache_clean_range(const void* base, std::size_t size);

// Writes back and invalidates every line of [base, base + size) (DC CIVAC per line, then
// DSB ISH): on return no cache holds the range, so later reads fetch it from memory.
void cache_flush_range(const void* base, std::size_t size);

// Invalidates every instruction cache to the point of unification, on every CPU of the
// inner-shareable domain (IC IALLUIS, DSB ISH, ISB): after writing code for a guest.
void icache_invalidate_all();

}  // namespace hyp::arch
