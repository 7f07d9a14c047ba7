// Host spin-wait primitives for kernel/core/spinlock.h: plain atomics and a CPU
// relax hint, so the ticket lock runs under std::thread in the unit tests.
#pragma once

#include <cstdint>

namespace hyp::arch {

// Load-acquire *word. The target version also arms a wake-up for spin_wait_hint();
// the host just polls.
[[nodiscard]] inline std::uint32_t spin_watch(const std::uint32_t* word)
{
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

// Tell the CPU we are busy-waiting (frees pipeline resources for a sibling hyperthread).
inline void spin_wait_hint()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");  // not WFE: no monitor is armed here to wake us
#endif
}

// Nothing to announce: waiters poll.
inline void spin_release_hint() {}

}  // namespace hyp::arch
