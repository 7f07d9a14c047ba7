// A stage for self-tests that run code at EL1: a stage-2 identity map of this image
// (text RX, rodata R, data RW), EL1 with its MMU off (HCR_EL2.DC makes its data Normal
// cacheable), and EL1 vectors that report any exception to EL2 with HVC #0xff01.
#pragma once

#include <cstdint>

#include <arch/guest.h>

#include "kernel/mem/stage2_table.h"
#include "tests/selftest/pool_allocator.h"

namespace hyp::selftest {

// HVC immediates the EL1 programs use to talk to their test, outside Gunyah's range.
inline constexpr std::uint32_t hvc_done = 0xff00;
inline constexpr std::uint32_t hvc_el1_fault = 0xff01;
inline constexpr std::uint32_t hvc_yield = 0xff02;

class El1Stage {
public:
    explicit El1Stage(PoolAllocator& pool) : pool_{pool} {}
    ~El1Stage() { leave(); }

    // Builds the map and points the EL1&0 regime at it; false (with an error logged) on
    // failure. `tag` names the test in messages.
    [[nodiscard]] bool enter(const char* tag);
    void leave();

    // EL1h with every exception masked, starting at `entry` on `stack_top`.
    [[nodiscard]] static arch::GuestRegs initial_regs(void (*entry)(), void* stack_top);
    [[nodiscard]] static std::uint64_t vectors();
    [[nodiscard]] std::uint64_t vttbr() const { return table_.vttbr(); }

private:
    PoolAllocator& pool_;
    mem::Stage2Table table_;
    std::uint64_t saved_hcr_ = 0;
    bool entered_ = false;
};

}  // namespace hyp::selftest
