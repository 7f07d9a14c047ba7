// Ticket spinlock and the types that prove it is held.
//
// A ticket lock is fair: CPUs get the lock in the order they asked for it, so no CPU
// can starve another under contention (which a test-and-set lock allows). Waiting goes
// through <arch/spin.h>, which on AArch64 sleeps in WFE until the lock word changes.
//
// Holding a lock is shown in types where that is cheap:
//   void requeue(const LockGuard& held, ...);  // caller holds some lock (checkable)
//   void vcpu_kick(Locked<Vcpu>& vcpu);         // caller holds vcpu's own lock
// The lock does not mask interrupts; callers that share a lock with an interrupt
// handler must mask them first.
#pragma once

#include <concepts>
#include <cstdint>

#include <arch/spin.h>

namespace hyp {

class SpinLock {
public:
    // A place in the queue for the lock. lock() is take_ticket() then wait_turn(); they
    // are public so that callers (and tests) can see the FIFO order.
    struct Ticket {
        std::uint32_t value;
    };

    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock() { wait_turn(take_ticket()); }

    void unlock()
    {
        // Only the holder writes serving_, so a plain load-then-store is enough.
        std::uint32_t next = __atomic_load_n(&serving_, __ATOMIC_RELAXED) + 1;
        __atomic_store_n(&serving_, next, __ATOMIC_RELEASE);
        arch::spin_release_hint();
    }

    // Takes the lock only if nobody holds it or waits for it; never spins.
    [[nodiscard]] bool try_lock()
    {
        std::uint32_t serving = __atomic_load_n(&serving_, __ATOMIC_ACQUIRE);
        // next_ == serving means the lock is free: serving_ never passes next_, and it
        // cannot move while nobody holds a ticket, so the CAS claims exactly that turn.
        std::uint32_t expected = serving;
        return __atomic_compare_exchange_n(&next_, &expected, serving + 1, false,
                                           __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    }

    [[nodiscard]] Ticket take_ticket()
    {
        // Relaxed: the acquire that orders the critical section is in wait_turn().
        return Ticket{__atomic_fetch_add(&next_, 1, __ATOMIC_RELAXED)};
    }

    void wait_turn(Ticket ticket)
    {
        while (arch::spin_watch(&serving_) != ticket.value) {
            arch::spin_wait_hint();
        }
    }

    // True once `ticket` holds the lock. Never waits.
    [[nodiscard]] bool is_turn(Ticket ticket) const
    {
        return __atomic_load_n(&serving_, __ATOMIC_ACQUIRE) == ticket.value;
    }

    // Holder plus waiters, as a snapshot that may be stale at once: for diagnostics,
    // assertions and tests, never for deciding whether to take the lock.
    [[nodiscard]] std::uint32_t queued() const
    {
        return __atomic_load_n(&next_, __ATOMIC_RELAXED) -
               __atomic_load_n(&serving_, __ATOMIC_RELAXED);
    }
    [[nodiscard]] bool is_locked() const { return queued() != 0; }

private:
    // Unsigned wrap-around is intended: only the difference next_ - serving_ matters,
    // and fewer than 2^32 CPUs ever wait at once.
    std::uint32_t next_ = 0;     // the ticket the next caller of lock() gets
    std::uint32_t serving_ = 0;  // the ticket that holds the lock
};

// Holds a SpinLock for its lifetime. Functions that need "some lock" held take
// `const LockGuard&` and can check which one with guards().
class [[nodiscard]] LockGuard {
public:
    explicit LockGuard(SpinLock& lock) : lock_{lock} { lock_.lock(); }
    ~LockGuard() { lock_.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

    [[nodiscard]] bool guards(const SpinLock& lock) const { return &lock_ == &lock; }

private:
    SpinLock& lock_;
};

// An object whose own lock is a public member `SpinLock lock`.
template <typename T>
concept SelfLocking = requires(T& t) {
    { t.lock } -> std::same_as<SpinLock&>;
};

// Proof that an object's own lock is held: the only way to get a Locked<T> is to take
// the lock, and it is released when the witness goes away. A function that needs the
// lock takes `Locked<T>&`, so its signature says so and the compiler checks it.
// Two objects of one kind are locked lowest address first.
template <SelfLocking T>
class [[nodiscard]] Locked {
public:
    explicit Locked(T& object) : object_{object} { object_.lock.lock(); }
    ~Locked() { object_.lock.unlock(); }
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;

    [[nodiscard]] T& get() const { return object_; }
    T& operator*() const { return object_; }
    T* operator->() const { return &object_; }

private:
    T& object_;
};

}  // namespace hyp
