// TimerQueue: a deadline-sorted intrusive list behind a leaf spinlock.
#include "kernel/sched/timer_queue.h"

#include "kernel/core/config.h"
#include "kernel/core/panic.h"

namespace hyp::sched {

bool TimerQueue::insert(const LockGuard& held, TimerEvent& event, Ticks deadline)
{
    HYP_ASSERT(held.guards(lock_));
    // Claim the event first: another CPU arming it on its own queue at the same moment
    // holds a different lock, and only one of the two may link it. Acquire pairs with
    // the release in unlink(): the queue it was last on has finished with its node.
    TimerQueue* expected = nullptr;
    if (!__atomic_compare_exchange_n(&event.queue_, &expected, this, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED)) {
        return false;
    }
    __atomic_store_n(&event.deadline_, deadline, __ATOMIC_RELAXED);
    // Before the first later deadline, so equal deadlines keep their arrival order.
    TimerEvent* later = nullptr;
    for (TimerEvent& queued : events_) {
        if (queued.deadline_ > deadline) {
            later = &queued;
            break;
        }
    }
    if (later != nullptr) {
        events_.insert_before(*later, event);
    } else {
        events_.push_back(event);
    }
    ++size_;
    return true;
}

void TimerQueue::unlink(const LockGuard& held, TimerEvent& event)
{
    HYP_ASSERT(held.guards(lock_));
    events_.remove(event);
    // Release: whoever claims the event next sees its node unlinked.
    __atomic_store_n(&event.queue_, static_cast<TimerQueue*>(nullptr), __ATOMIC_RELEASE);
    --size_;
}

void TimerQueue::add(TimerEvent& event, Ticks deadline)
{
    LockGuard held(lock_);
    bool claimed = insert(held, event, deadline);
    HYP_ASSERT(claimed);  // it was on a queue already
}

bool TimerQueue::update(TimerEvent& event, Ticks deadline)
{
    LockGuard held(lock_);
    bool was_here = owns(event);
    if (was_here) {
        unlink(held, event);
    }
    if (deadline == no_deadline) {
        return was_here || !event.queued();
    }
    return insert(held, event, deadline);
}

bool TimerQueue::remove(TimerEvent& event)
{
    LockGuard held(lock_);
    if (!owns(event)) {
        return false;
    }
    unlink(held, event);
    return true;
}

Ticks TimerQueue::next_deadline()
{
    LockGuard held(lock_);
    const TimerEvent* first = events_.front();
    return first == nullptr ? no_deadline : first->deadline_;
}

bool TimerQueue::empty()
{
    LockGuard held(lock_);
    return events_.empty();
}

std::size_t TimerQueue::size()
{
    LockGuard held(lock_);
    return size_;
}

TimerEvent* TimerQueue::pop_expired(Ticks now)
{
    LockGuard held(lock_);
    TimerEvent* first = events_.front();
    if (first == nullptr || first->deadline_ > now) {
        return nullptr;
    }
    unlink(held, *first);
    return first;
}

std::size_t TimerQueue::expire(Ticks now)
{
    return expire(now, [now](TimerEvent& event) {
        if (event.handler_ != nullptr) {
            event.handler_(event, now);
        }
    });
}

namespace {
// In a struct, not a bare array: GCC 12 puts a constinit *array* of objects whose constant
// initialiser holds their own addresses (the list heads) in .bss, zero-initialised, while
// it initialises the same array as a member correctly.
struct CpuQueues {
    TimerQueue queue[HYP_MAX_CPUS];
};
constinit CpuQueues cpu_queues;
}  // namespace

TimerQueue& cpu_timer_queue(CpuIndex cpu)
{
    HYP_ASSERT(cpu < HYP_MAX_CPUS);
    return cpu_queues.queue[cpu];
}

void cancel_on_any_cpu(TimerEvent& event)
{
    for (TimerQueue& queue : cpu_queues.queue) {
        if (!event.queued()) {
            return;
        }
        (void)queue.remove(event);
    }
}

}  // namespace hyp::sched
