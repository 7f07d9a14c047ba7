// Host spin-wait primitives for kernel/core/spinlock.h: plain atomics and a yield to
// the OS scheduler, so the ticket lock runs under std::thread in the unit tests.
#pragma once

#include <cstdint>

#include <sched.h>

namespace hyp::arch {

// Load-acquire *word. The target version also arms a wake-up for spin_wait_hint();
// the host just polls.
[[nodiscard]] inline std::uint32_t spin_watch(const std::uint32_t* word)
{
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

// Host threads, unlike the hypervisor's CPUs, are preempted, and a ticket lock stalls
// every waiter for as long as the thread holding the next ticket is off its CPU. With
// more test threads than CPUs that costs whole time slices per hand-over, so the host
// gives its CPU away instead of only pausing.
inline void spin_wait_hint()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    sched_yield();
}

// Nothing to announce: waiters poll.
inline void spin_release_hint() {}

}  // namespace hyp::arch
