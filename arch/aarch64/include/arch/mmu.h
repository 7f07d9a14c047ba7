// The EL2 stage-1 MMU: turning it on with a set of tables, switching tables, and the
// cache maintenance that goes with tables written while the MMU was off.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyp::arch {

// Register values a CPU needs to turn its MMU on. Read by secondary CPUs with their
// MMU off, so whoever writes it must clean it to the point of coherency.
struct MmuParams {
    std::uint64_t mair;
    std::uint64_t tcr;
    std::uint64_t ttbr;
    std::uint64_t sctlr;
};
static_assert(sizeof(MmuParams) == 32, "head.S reads MmuParams by offset");

[[nodiscard]] MmuParams el2_mmu_params(const std::uint64_t* root_table);

// This CPU, MMU off -> on (implemented in head.S so secondaries share it).
extern "C" void el2_mmu_enable(const MmuParams* params);

// MMU on: move to another set of tables that maps the running code identically.
void el2_switch_tables(const std::uint64_t* root_table);

void dcache_clean_to_poc(const void* start, std::size_t size);
void dcache_invalidate_to_poc(const void* start, std::size_t size);

}  // namespace hyp::arch
