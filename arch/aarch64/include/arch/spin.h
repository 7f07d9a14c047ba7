// AArch64 spin-wait primitives used by kernel/core/spinlock.h: how a CPU waiting for
// a lock sleeps until the lock word changes, instead of hammering the interconnect.
#pragma once

#include <cstdint>

namespace hyp::arch {

// The waiter's loop is `while (spin_watch(&word) != mine) spin_wait_hint();`:
//  1. spin_watch() reads the word with LDAXR. Besides being a load-acquire, that puts
//     the word's granule in this CPU's global exclusive monitor.
//  2. If it is not yet our turn, WFE sleeps until an event.
//  3. The unlocker's release store (STLR) to the watched word clears our monitor, and
//     clearing a CPU's global monitor sets its event register: WFE returns.
// If that store lands between 1 and 2, the event register is already set and WFE falls
// straight through, so no wake-up is lost. The unlock side therefore needs no SEV
// (and no DSB, without which a SEV could overtake the store it is meant to announce):
// spin_release_hint() is empty. The monitor left armed by LDAXR needs no CLREX either;
// the next exclusive load replaces it.

// Load-acquire *word and watch it: a later write to it by another CPU ends the next
// spin_wait_hint(). `word` must be naturally aligned (LDAXR faults otherwise).
[[nodiscard]] inline std::uint32_t spin_watch(const std::uint32_t* word)
{
    std::uint32_t value;
    asm volatile("ldaxr %w0, %1" : "=r"(value) : "Q"(*word) : "memory");
    return value;
}

// Sleep until an event: the watched word was written, an interrupt, or a SEV.
inline void spin_wait_hint() { asm volatile("wfe" ::: "memory"); }

// Called after the release store that hands a lock on; see above for why it is empty.
inline void spin_release_hint() {}

}  // namespace hyp::arch
