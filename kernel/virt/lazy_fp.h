// Lazy FP/SIMD switching: who owns each physical CPU's FP/SIMD registers, and how a vCPU's
// FP/SIMD state finds its way to the CPU it runs on. Portable (the run loop moves the
// registers through arch/ on the target; the unit tests through a fake).
//
// A vCPU's state is in one place at a time: its saved copy (VcpuState::fp), or the
// registers of one CPU, whose `owner` it then is. A switch does not touch them: the run
// loop traps the incoming vCPU's FP/SIMD accesses (CPTR_EL2.TFP) unless it owns the CPU
// already, and its first access makes it the owner (take()): the old owner's registers
// are saved into its copy, the vCPU's own are loaded. So a vCPU that comes back to a CPU
// nobody else used FP/SIMD on pays nothing, and one that never uses FP/SIMD never pays.
//
// A vCPU whose state is live in CPU c and that runs next on CPU d (a new affinity, a
// vcpu_run from another CPU) asks c for it: take() on d flags c and kicks it, and the
// vCPU retries its instruction until c, in its kick handler, has saved the state
// (flush()). Nobody waits with interrupts masked for another CPU, so two CPUs asking each
// other cannot deadlock. A vCPU whose state is about to be thrown away (poweron resets it,
// the vCPU is destroyed) is taken off its CPU's books by forget(), from any CPU, so no
// CPU ever holds a pointer to a vCPU that is gone.
//
// Who writes what: `owner` of CPU c is written by c (take, flush), and cleared by
// forget() from anywhere, always by compare-and-swap so that exactly one of them
// saves or forgets. A vCPU's `live` is set by the CPU taking it (which runs it, so no
// other does) and cleared by whoever won that compare-and-swap, after saving. forget()
// and take() never meet on one vCPU: take() runs for the vCPU running on that CPU,
// forget() only for one that runs nowhere.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"
#include "kernel/core/config.h"
#include "kernel/sched/sched_entity.h"

namespace hyp::virt::lazy_fp {

using sched::CpuIndex;
using sched::no_cpu;

// How the run loop switches FP/SIMD state (hyp.fp= on the command line).
enum class Mode : std::uint8_t {
    lazy,   // as above
    eager,  // saved and restored on every switch; never trapped, nothing here is used
};

class Owners;

// One per vCPU: where its FP/SIMD state is.
class Home {
public:
    explicit constexpr Home(arch::FpRegs& saved) : saved_{&saved} {}
    Home(const Home&) = delete;
    Home& operator=(const Home&) = delete;

    // The CPU whose registers hold its state, or no_cpu when the saved copy does.
    [[nodiscard]] CpuIndex live_cpu() const { return __atomic_load_n(&live_, __ATOMIC_ACQUIRE); }

private:
    friend class Owners;

    arch::FpRegs* saved_;
    CpuIndex live_ = no_cpu;
};

// What take() did.
enum class Take : std::uint8_t {
    already,    // the vCPU owned the CPU's registers already
    loaded,     // it owns them now (the previous owner's state was saved first)
    elsewhere,  // its state is live in another CPU, which has been asked for it: retry
};

// The books of every CPU. `Registers` (take, flush) is the CPU's own register file:
//   void save(arch::FpRegs&);            the registers into the copy
//   void restore(const arch::FpRegs&);   the copy into the registers
class Owners {
public:
    constexpr Owners() = default;
    Owners(const Owners&) = delete;
    Owners& operator=(const Owners&) = delete;

    // On CPU `cpu`: does `home` own its registers (may its vCPU run untrapped)?
    [[nodiscard]] bool owns(CpuIndex cpu, const Home& home) const
    {
        return __atomic_load_n(&slots_[cpu].owner, __ATOMIC_RELAXED) == &home;
    }

    // On CPU `cpu`, for the vCPU that runs there and took an FP/SIMD trap.
    template <typename Registers>
    [[nodiscard]] Take take(CpuIndex cpu, Home& home, Registers& registers);

    // On CPU `cpu` (its kick handler), with `running` the vCPU that runs there (or null):
    // if another CPU asked for the state this one holds, saves it, unless it is
    // `running`'s (then the state asked for has left already). True if it saved.
    template <typename Registers>
    bool flush(CpuIndex cpu, const Home* running, Registers& registers);

    // Any CPU, for a vCPU that runs nowhere and whose state will not be read again: no
    // CPU owns it any more when this returns (it waits for a save already under way).
    void forget(Home& home);

    // For tests: the owner of `cpu`'s registers.
    [[nodiscard]] const Home* owner(CpuIndex cpu) const { return __atomic_load_n(&slots_[cpu].owner, __ATOMIC_ACQUIRE); }

private:
    struct Slot {
        Home* owner = nullptr;      // whose state the CPU's registers hold
        bool flush_wanted = false;  // another CPU waits for that state
    };

    // Takes `cpu`'s registers from `owner` (which runs nowhere, or is `cpu`'s own and
    // leaving them): saves its state unless forget() got there first.
    template <typename Registers>
    static void evict(Slot& slot, Home& owner, Registers& registers);
    // Asks CPU `cpu` to give its registers' state back to its owner's copy.
    void request_flush(CpuIndex cpu);

    Slot slots_[HYP_MAX_CPUS];
};

template <typename Registers>
void Owners::evict(Slot& slot, Home& owner, Registers& registers)
{
    Home* expected = &owner;
    if (__atomic_compare_exchange_n(&slot.owner, &expected, nullptr, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        registers.save(*owner.saved_);
        __atomic_store_n(&owner.live_, no_cpu, __ATOMIC_RELEASE);  // the copy is good from here
    }
}

template <typename Registers>
Take Owners::take(CpuIndex cpu, Home& home, Registers& registers)
{
    Slot& slot = slots_[cpu];
    Home* owner = __atomic_load_n(&slot.owner, __ATOMIC_RELAXED);
    if (owner == &home) {
        return Take::already;
    }
    CpuIndex live = home.live_cpu();
    if (live != no_cpu) {
        // Live in another CPU's registers (or, for a moment, being forgotten here: the
        // vCPU was powered on again; that ends without anyone's help).
        if (live != cpu) {
            request_flush(live);
        }
        return Take::elsewhere;
    }
    if (owner != nullptr) {
        evict(slot, *owner, registers);
    }
    registers.restore(*home.saved_);
    __atomic_store_n(&home.live_, cpu, __ATOMIC_RELAXED);
    __atomic_store_n(&slot.owner, &home, __ATOMIC_RELEASE);
    return Take::loaded;
}

template <typename Registers>
bool Owners::flush(CpuIndex cpu, const Home* running, Registers& registers)
{
    Slot& slot = slots_[cpu];
    if (!__atomic_exchange_n(&slot.flush_wanted, false, __ATOMIC_ACQUIRE)) {
        return false;
    }
    Home* owner = __atomic_load_n(&slot.owner, __ATOMIC_RELAXED);
    if (owner == nullptr || owner == running) {
        return false;
    }
    evict(slot, *owner, registers);
    return true;
}

// The hypervisor's books (inline: the run loop asks them at every vCPU switch), and how it
// switches (set at boot, before any vCPU runs).
namespace detail {
extern constinit Owners books;
}  // namespace detail
[[nodiscard]] inline Owners& owners() { return detail::books; }
[[nodiscard]] Mode mode();
void set_mode(Mode mode);

}  // namespace hyp::virt::lazy_fp
