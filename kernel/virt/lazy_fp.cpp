// Lazy FP/SIMD switching: the books (see lazy_fp.h).
#include "kernel/virt/lazy_fp.h"

#include <arch/spin.h>

#include "kernel/sched/kick.h"

namespace hyp::virt::lazy_fp {
namespace detail {
constinit Owners books;
}  // namespace detail

namespace {
constinit Mode current_mode = Mode::lazy;
}  // namespace

Mode mode() { return current_mode; }

void set_mode(Mode mode) { current_mode = mode; }

void Owners::request_flush(CpuIndex cpu)
{
    // Asked again at every retry, so a kick that overtook the flag only costs a retry.
    __atomic_store_n(&slots_[cpu].flush_wanted, true, __ATOMIC_RELEASE);
    sched::poke(cpu);
}

void Owners::forget(Home& home)
{
    CpuIndex live = home.live_cpu();
    if (live == no_cpu) {
        return;
    }
    Home* expected = &home;
    if (__atomic_compare_exchange_n(&slots_[live].owner, &expected, nullptr, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
        __atomic_store_n(&home.live_, no_cpu, __ATOMIC_RELEASE);
        return;
    }
    // That CPU won: it is saving the state into the copy (evict), and says so when done.
    while (arch::spin_watch(&home.live_) != no_cpu) {
        arch::spin_wait_hint();
    }
}

}  // namespace hyp::virt::lazy_fp
