// Ticket spinlock: mutual exclusion, first-come first-served order, try_lock, and the
// guard and witness types that hold it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "kernel/core/spinlock.h"

using hyp::LockGuard;
using hyp::Locked;
using hyp::SpinLock;

namespace {

struct Counter {
    SpinLock lock;
    long value = 0;
};

void bump(Locked<Counter>& counter) { ++counter->value; }

// Spin until another thread has queued on `lock`: how the tests order thread arrivals.
void wait_for_queue(const SpinLock& lock, std::uint32_t length)
{
    while (lock.queued() < length) {
        std::this_thread::yield();
    }
}

}  // namespace

TEST_CASE("a free lock is taken by try_lock and a held one is not", "[spinlock]")
{
    SpinLock lock;
    REQUIRE_FALSE(lock.is_locked());
    REQUIRE(lock.try_lock());
    REQUIRE(lock.is_locked());
    REQUIRE_FALSE(lock.try_lock());
    lock.unlock();
    REQUIRE_FALSE(lock.is_locked());
    REQUIRE(lock.try_lock());
    lock.unlock();
}

TEST_CASE("tickets are served in the order they were taken", "[spinlock]")
{
    SpinLock lock;
    SpinLock::Ticket first = lock.take_ticket();
    SpinLock::Ticket second = lock.take_ticket();
    SpinLock::Ticket third = lock.take_ticket();

    REQUIRE(lock.is_turn(first));
    REQUIRE_FALSE(lock.is_turn(second));
    REQUIRE_FALSE(lock.is_turn(third));
    REQUIRE(lock.queued() == 3);

    lock.unlock();
    REQUIRE(lock.is_turn(second));
    REQUIRE_FALSE(lock.is_turn(third));

    lock.unlock();
    REQUIRE(lock.is_turn(third));
    lock.wait_turn(third);  // returns at once: it is our turn
    lock.unlock();
    REQUIRE(lock.queued() == 0);
}

TEST_CASE("try_lock does not jump the queue of waiting tickets", "[spinlock]")
{
    SpinLock lock;
    lock.lock();
    SpinLock::Ticket waiter = lock.take_ticket();
    lock.unlock();  // the lock passes to the waiter, not to whoever tries next
    REQUIRE(lock.is_turn(waiter));
    REQUIRE_FALSE(lock.try_lock());
    lock.unlock();
    REQUIRE(lock.try_lock());
    lock.unlock();
}

TEST_CASE("the lock keeps threads out of each other's critical sections", "[spinlock]")
{
    constexpr int threads = 4;
    constexpr int rounds = 20000;
    SpinLock lock;
    long counter = 0;  // deliberately not atomic: the lock is all that protects it
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < rounds; ++i) {
                LockGuard guard{lock};
                if (inside.fetch_add(1, std::memory_order_relaxed) != 0) {
                    overlapped = true;
                }
                ++counter;
                inside.fetch_sub(1, std::memory_order_relaxed);
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    REQUIRE_FALSE(overlapped);
    REQUIRE(counter == long{threads} * rounds);
    REQUIRE_FALSE(lock.is_locked());
}

TEST_CASE("waiting threads get the lock in the order they queued", "[spinlock]")
{
    constexpr int threads = 4;
    SpinLock lock;
    std::vector<int> order;  // written only under the lock

    lock.lock();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            LockGuard guard{lock};
            order.push_back(t);
        });
        // Thread t must hold its ticket before thread t+1 starts.
        wait_for_queue(lock, static_cast<std::uint32_t>(t) + 2);
    }
    lock.unlock();
    for (std::thread& w : workers) {
        w.join();
    }
    REQUIRE(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a LockGuard holds its lock for its scope and knows which lock it holds", "[spinlock]")
{
    SpinLock a;
    SpinLock b;
    {
        LockGuard guard{a};
        REQUIRE(a.is_locked());
        REQUIRE_FALSE(b.is_locked());
        REQUIRE(guard.guards(a));
        REQUIRE_FALSE(guard.guards(b));
    }
    REQUIRE_FALSE(a.is_locked());
}

TEST_CASE("Locked<T> holds the object's own lock while it lives", "[spinlock]")
{
    Counter counter;
    {
        Locked<Counter> held{counter};
        REQUIRE(counter.lock.is_locked());
        bump(held);
        bump(held);
        REQUIRE(&held.get() == &counter);
        REQUIRE((*held).value == 2);
    }
    REQUIRE_FALSE(counter.lock.is_locked());
    REQUIRE(counter.value == 2);
}

TEST_CASE("Locked<T> serialises threads that update the same object", "[spinlock]")
{
    Counter counter;
    std::vector<std::thread> workers;
    for (int t = 0; t < 3; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                Locked<Counter> held{counter};
                bump(held);
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    REQUIRE(counter.value == 30000);
}

// Compile-time checks on the shape of the types.
static_assert(!std::is_copy_constructible_v<SpinLock>);
static_assert(!std::is_copy_constructible_v<LockGuard>);
static_assert(!std::is_copy_constructible_v<Locked<Counter>>);
static_assert(std::is_trivially_destructible_v<SpinLock>, "usable as a global without atexit");
static_assert(hyp::SelfLocking<Counter>);
static_assert(!hyp::SelfLocking<int>);
