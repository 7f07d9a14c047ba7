// Per-CPU queue of EL2 timer events, ordered by deadline in absolute counter ticks. The
// glue programs the CPU's EL2 physical timer (CNTHP_CVAL_EL2) with next_deadline() and,
// when it fires, expires what is due: time-slice ends now, virtual timer wake-ups later.
//
// Events are intrusive (the owner embeds a TimerEvent), so arming a timer never
// allocates or fails. Insertion keeps the list sorted: O(events on this CPU), which is a
// handful; the earliest is always at the front. Equal deadlines fire in the order they
// were added.
//
// The queue has its own lock, a leaf (scheduler.h): any CPU may remove an event from
// another CPU's queue (a vCPU torn down elsewhere). Handlers run without it, so they may
// re-arm their own event or others. An event is on at most one queue: arming it through
// one queue while it is on another fails (update() says false) rather than corrupt both.
#pragma once

#include <cstddef>

#include "support/list.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/sched_entity.h"

namespace hyp::sched {

class TimerQueue;

class TimerEvent {
public:
    // Called by TimerQueue::expire() once the deadline has passed, with the queue's lock
    // released and the event already off the queue.
    using Handler = void (*)(TimerEvent& event, Ticks now);

    constexpr TimerEvent() = default;
    explicit constexpr TimerEvent(Handler handler, void* context = nullptr)
        : handler_{handler}, context_{context}
    {
    }
    TimerEvent(const TimerEvent&) = delete;
    TimerEvent& operator=(const TimerEvent&) = delete;

    // The deadline it was last armed with (a snapshot unless the owner arms it).
    [[nodiscard]] Ticks deadline() const { return __atomic_load_n(&deadline_, __ATOMIC_RELAXED); }
    [[nodiscard]] bool queued() const { return __atomic_load_n(&queue_, __ATOMIC_RELAXED) != nullptr; }
    [[nodiscard]] void* context() const { return context_; }

private:
    friend class TimerQueue;

    ListNode node_;
    Ticks deadline_ = no_deadline;
    Handler handler_ = nullptr;
    void* context_ = nullptr;
    // The queue it is on, or null. Claimed by compare-and-swap and cleared under that
    // queue's lock; atomic because other queues read it (and race to claim it).
    TimerQueue* queue_ = nullptr;
};

class TimerQueue {
public:
    constexpr TimerQueue() = default;
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;

    // Arms `event` for `deadline`. It must not be queued anywhere (traps if it is).
    void add(TimerEvent& event, Ticks deadline);
    // Arms or re-arms `event` on this queue; no_deadline disarms it. False if it is on
    // another queue (then nothing changed).
    bool update(TimerEvent& event, Ticks deadline);
    // Disarms `event` if it is on this queue; false if it was not.
    bool remove(TimerEvent& event);

    // The earliest deadline, for the hardware comparator; no_deadline if none.
    [[nodiscard]] Ticks next_deadline();
    [[nodiscard]] bool empty();
    [[nodiscard]] std::size_t size();

    // The earliest event due at `now` (deadline <= now), taken off the queue; null if
    // none. For callers that handle events themselves.
    [[nodiscard]] TimerEvent* pop_expired(Ticks now);
    // Takes each due event off the queue and calls its handler (events without one are
    // only removed); returns how many fired. An event a handler re-arms for `now` or
    // earlier fires again in the same call, so a handler must move its deadline forward.
    std::size_t expire(Ticks now);
    // As expire(now), but calls fire(event) instead of the event's own handler.
    template <typename F>
    std::size_t expire(Ticks now, F fire)
    {
        std::size_t fired = 0;
        while (TimerEvent* event = pop_expired(now)) {
            fire(*event);
            ++fired;
        }
        return fired;
    }

private:
    using List = IntrusiveList<TimerEvent, &TimerEvent::node_>;

    // False if the event is on some queue already (then nothing changed).
    [[nodiscard]] bool insert(const LockGuard& held, TimerEvent& event, Ticks deadline);
    void unlink(const LockGuard& held, TimerEvent& event);
    [[nodiscard]] bool owns(const TimerEvent& event) const
    {
        return __atomic_load_n(&event.queue_, __ATOMIC_RELAXED) == this;
    }

    SpinLock lock_;
    List events_;  // by deadline, earliest first
    std::size_t size_ = 0;
};

// Each physical CPU's queue, indexed by logical CPU index (< HYP_MAX_CPUS). The run loop
// of CPU n programs its EL2 timer from cpu_timer_queue(n) and expires it; any CPU may
// remove an event from any of them.
[[nodiscard]] TimerQueue& cpu_timer_queue(CpuIndex cpu);

// Takes `event` off whichever CPU's queue holds it (none: nothing happens).
void cancel_on_any_cpu(TimerEvent& event);

}  // namespace hyp::sched
