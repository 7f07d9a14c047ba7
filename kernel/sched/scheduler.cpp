// Fixed-priority round-robin decisions over per-CPU run queues (see scheduler.h for the
// lock order and docs/scheduler.md for the state picture).
#include "kernel/sched/scheduler.h"

#include "hyp_api/gunyah_objects.h"
#include "kernel/core/panic.h"

namespace hyp::sched {

namespace {

constexpr Ticks saturating_add(Ticks a, Ticks b) { return a > no_deadline - b ? no_deadline : a + b; }

}  // namespace

Result<YieldHint> decode_yield_control(std::uint64_t control)
{
    auto word = static_cast<std::uint32_t>(control);
    if ((word & GUNYAH_YIELD_IMPL_DEF) != 0) {
        return fail(Error::arg_inval);
    }
    switch (word & GUNYAH_YIELD_HINT_MASK) {
    case GUNYAH_YIELD_HINT_YIELD:
        return YieldHint::yield;
    case GUNYAH_YIELD_HINT_TO_THREAD:
        return YieldHint::yield_to_thread;
    default:  // including GUNYAH_YIELD_HINT_LOWER_PRIORITY, which Gunyah refuses too
        return fail(Error::arg_inval);
    }
}

// Two run queues locked in ascending CPU index: the one rule that keeps two CPUs that
// each need both from waiting for each other.
class Scheduler::LockedPair {
public:
    LockedPair(RunQueue& a, RunQueue& b)
        : low_{a.index_ < b.index_ ? a : b}, high_{a.index_ < b.index_ ? b : a}
    {
        HYP_ASSERT(&a != &b);
    }

    Locked<RunQueue>& operator[](const RunQueue& q) { return &q == &low_.get() ? low_ : high_; }

private:
    Locked<RunQueue> low_;
    Locked<RunQueue> high_;
};

void Scheduler::init(std::uint32_t cpu_count, std::uint64_t counter_hz)
{
    HYP_ASSERT(cpu_count >= 1 && cpu_count <= HYP_MAX_CPUS);
    // CNTFRQ_EL0 is 32 bits wide; the bound also keeps slice_ticks() from overflowing.
    HYP_ASSERT(counter_hz >= 1 && counter_hz <= 0xffff'ffffu);
    cpu_count_ = cpu_count;
    counter_hz_ = counter_hz;
    for (CpuIndex i = 0; i < HYP_MAX_CPUS; ++i) {
        queues_[i].index_ = i;
        queues_[i].slice_end_ = no_deadline;  // idle
    }
}

RunQueue& Scheduler::queue(CpuIndex cpu)
{
    HYP_ASSERT(cpu < cpu_count_);
    return queues_[cpu];
}

template <typename F>
auto Scheduler::with_owner(Entity& entity, F f)
{
    for (;;) {
        CpuIndex cpu = entity.cpu();
        Locked<RunQueue> rq(queue(cpu));
        // Still the owner? Moving an entity needs this lock too, so once it is held and
        // the answer is yes, it stays yes until the lock is released.
        if (entity.cpu() == cpu) {
            return f(rq);
        }
    }
}

Ticks Scheduler::slice_ticks(Nanoseconds timeslice) const
{
    // timeslice <= 1e8 and counter_hz < 2^32, so the product fits in 64 bits. Round up:
    // a slice of zero ticks would expire before it started.
    Ticks ticks = (timeslice * counter_hz_ + 999'999'999) / 1'000'000'000;
    return ticks == 0 ? 1 : ticks;
}

Kick Scheduler::kick_if_preempts(const Locked<RunQueue>& rq, const Entity& entity)
{
    const Entity* current = rq->current_;
    bool preempts = current == nullptr || entity.priority_ > current->priority_;
    return preempts ? Kick::to(rq->index_) : Kick::none();
}

Kick Scheduler::settle(Locked<RunQueue>& rq, Entity& entity)
{
    HYP_ASSERT(entity.cpu() == rq->index_ && entity.affinity_ == rq->index_);
    if (!entity.runnable()) {
        entity.state_ = EntityState::blocked;
        entity.remaining_ = 0;
        return Kick::none();
    }
    entity.state_ = EntityState::ready;
    if (entity.remaining_ > 0) {
        rq->ready_.push_front(entity);  // preempted: finishes its slice before its equals
    } else {
        rq->ready_.push_back(entity);
    }
    return kick_if_preempts(rq, entity);
}

Kick Scheduler::block(Entity& entity, BlockReason reason)
{
    return with_owner(entity, [&](Locked<RunQueue>& rq) {
        bool was_runnable = entity.runnable();
        entity.reasons_.add(reason);
        if (!was_runnable) {
            return Kick::none();  // already off the CPU or already kicked off it
        }
        switch (entity.state_) {
        case EntityState::ready:
            rq->ready_.remove(entity);
            entity.state_ = EntityState::blocked;
            entity.remaining_ = 0;
            return Kick::none();
        case EntityState::running:
            return Kick::to(rq->index_);
        case EntityState::leaving:
            return Kick::none();  // finish_switch() sees the reason
        case EntityState::blocked:
            break;
        }
        HYP_PANIC("sched: runnable entity in state blocked");
    });
}

bool Scheduler::on_cpu(Entity& entity)
{
    return with_owner(entity, [&](Locked<RunQueue>&) {
        return entity.state_ == EntityState::running || entity.state_ == EntityState::leaving;
    });
}

Kick Scheduler::unblock(Entity& entity, BlockReason reason)
{
    return with_owner(entity, [&](Locked<RunQueue>& rq) {
        if (!entity.reasons_.has(reason)) {
            return Kick::none();
        }
        entity.reasons_.remove(reason);
        if (!entity.runnable()) {
            return Kick::none();
        }
        switch (entity.state_) {
        case EntityState::blocked:
            HYP_ASSERT(entity.affinity_ == rq->index_);
            entity.state_ = EntityState::ready;
            entity.remaining_ = 0;
            rq->ready_.push_back(entity);
            return kick_if_preempts(rq, entity);
        case EntityState::running:
            // Blocked while running and not yet switched away from: it simply goes on.
            // Its CPU was kicked by the block (or is the caller, about to schedule).
            return Kick::none();
        case EntityState::leaving:
            return Kick::none();  // finish_switch() queues it and kicks if it preempts
        case EntityState::ready:
            break;
        }
        HYP_PANIC("sched: blocked entity in state ready");
    });
}

Result<Kick> Scheduler::set_priority(Entity& entity, Priority priority)
{
    if (priority > max_priority) {
        return fail(Error::arg_inval);
    }
    return with_owner(entity, [&](Locked<RunQueue>& rq) {
        if (entity.priority_ == priority) {
            return Kick::none();
        }
        switch (entity.state_) {
        case EntityState::ready:
            rq->ready_.remove(entity);
            entity.priority_ = priority;
            rq->ready_.push_back(entity);
            return kick_if_preempts(rq, entity);
        case EntityState::running:
            entity.priority_ = priority;
            return rq->ready_.has_above(priority) ? Kick::to(rq->index_) : Kick::none();
        case EntityState::blocked:
        case EntityState::leaving:  // finish_switch() queues it at its new priority
            entity.priority_ = priority;
            return Kick::none();
        }
        HYP_PANIC("sched: bad entity state");
    });
}

Status Scheduler::set_timeslice(Entity& entity, Nanoseconds timeslice)
{
    if (timeslice < min_timeslice_ns || timeslice > max_timeslice_ns) {
        return fail(Error::arg_inval);
    }
    with_owner(entity, [&](Locked<RunQueue>&) {
        entity.timeslice_ns_ = timeslice;
        return 0;
    });
    return success();
}

Result<Kick> Scheduler::set_affinity(Entity& entity, CpuIndex target)
{
    if (target >= cpu_count_) {
        return fail(Error::arg_inval);
    }
    for (;;) {
        CpuIndex from = entity.cpu();
        if (from == target) {
            Locked<RunQueue> rq(queue(from));
            if (entity.cpu() != from) {
                continue;
            }
            // Also cancels a move still pending for a running or leaving entity.
            entity.affinity_ = target;
            return Kick::none();
        }
        LockedPair pair(queue(from), queue(target));
        if (entity.cpu() != from) {
            continue;  // moved while we waited for the locks
        }
        Locked<RunQueue>& old_rq = pair[queues_[from]];
        Locked<RunQueue>& new_rq = pair[queues_[target]];
        entity.affinity_ = target;
        switch (entity.state_) {
        case EntityState::blocked:
            entity.move_to_cpu(target);
            return Kick::none();
        case EntityState::ready:
            old_rq->ready_.remove(entity);
            entity.move_to_cpu(target);
            entity.remaining_ = 0;
            new_rq->ready_.push_back(entity);
            return kick_if_preempts(new_rq, entity);
        case EntityState::running:
            return Kick::to(from);  // leave that CPU; finish_switch() moves it
        case EntityState::leaving:
            return Kick::none();  // finish_switch() on `from` is about to move it
        }
        HYP_PANIC("sched: bad entity state");
    }
}

Decision Scheduler::schedule(CpuIndex cpu, Ticks now)
{
    Locked<RunQueue> rq(queue(cpu));
    HYP_ASSERT(rq->leaving_ == nullptr);  // the last switch was not finished

    Entity* prev = rq->current_;
    bool expired = false;
    if (prev != nullptr) {
        expired = now >= rq->slice_end_;
        bool may_stay = prev->runnable() && prev->affinity_ == cpu;
        bool outranked = expired ? !rq->ready_.empty() && rq->ready_.highest() >= prev->priority_
                                 : rq->ready_.has_above(prev->priority_);
        if (may_stay && !outranked) {
            if (expired) {
                // Nobody of its priority waits: it goes on with a fresh slice.
                rq->slice_end_ = saturating_add(now, slice_ticks(prev->timeslice_ns_));
            }
            return Decision{prev, prev, rq->slice_end_, false};
        }
    }

    Entity* next = rq->ready_.pop();
    if (prev != nullptr) {
        // Keep the unused slice of a preempted entity, so it resumes first (settle()).
        bool preempted = !expired && prev->runnable() && prev->affinity_ == cpu;
        prev->remaining_ = preempted ? rq->slice_end_ - now : 0;
        prev->state_ = EntityState::leaving;
        rq->leaving_ = prev;
    }
    rq->current_ = next;
    if (next != nullptr) {
        next->state_ = EntityState::running;
        Ticks length = next->remaining_ > 0 ? next->remaining_ : slice_ticks(next->timeslice_ns_);
        next->remaining_ = 0;
        rq->slice_end_ = saturating_add(now, length);
    } else {
        rq->slice_end_ = no_deadline;
    }
    return Decision{next, prev, rq->slice_end_, next != prev};
}

Kick Scheduler::finish_switch(CpuIndex cpu)
{
    for (;;) {
        CpuIndex target;
        {
            Locked<RunQueue> rq(queue(cpu));
            Entity* prev = rq->leaving_;
            if (prev == nullptr) {
                return Kick::none();
            }
            if (prev->affinity_ == cpu) {
                rq->leaving_ = nullptr;
                return settle(rq, *prev);
            }
            target = prev->affinity_;
        }
        // Moving to another CPU needs both locks, in index order, so this one was let go.
        // Only this CPU clears its leaving slot, so `prev` is still there; its affinity
        // may have changed meanwhile, which the loop catches.
        LockedPair pair(queue(cpu), queue(target));
        Locked<RunQueue>& old_rq = pair[queues_[cpu]];
        Entity* prev = old_rq->leaving_;
        HYP_ASSERT(prev != nullptr);
        if (prev->affinity_ != target) {
            continue;
        }
        old_rq->leaving_ = nullptr;
        prev->move_to_cpu(target);
        prev->remaining_ = 0;  // a new CPU, a new slice
        return settle(pair[queues_[target]], *prev);
    }
}

TimerCheck Scheduler::timer_expired(CpuIndex cpu, Ticks now)
{
    Locked<RunQueue> rq(queue(cpu));
    if (rq->current_ == nullptr) {
        return TimerCheck{false, no_deadline};
    }
    if (now >= rq->slice_end_) {
        return TimerCheck{true, no_deadline};
    }
    return TimerCheck{false, rq->slice_end_};
}

void Scheduler::yield(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    if (rq->current_ != nullptr) {
        rq->slice_end_ = 0;  // over at any `now`
    }
}

Entity* Scheduler::current(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    return rq->current_;
}

Entity* Scheduler::leaving(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    return rq->leaving_;
}

std::size_t Scheduler::ready_count(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    return rq->ready_.size();
}

Ticks Scheduler::slice_end(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    return rq->slice_end_;
}

bool Scheduler::consistent(CpuIndex cpu)
{
    Locked<RunQueue> rq(queue(cpu));
    bool ok = rq->ready_.consistent();
    rq->ready_.for_each([&](const Entity& e) {
        ok = ok && e.state_ == EntityState::ready && e.runnable() && e.cpu() == cpu &&
             e.affinity_ == cpu;
    });
    const Entity* current = rq->current_;
    if (current != nullptr) {
        ok = ok && current->state_ == EntityState::running && current->cpu() == cpu &&
             !current->run_node_.linked();
    } else {
        ok = ok && rq->slice_end_ == no_deadline;
    }
    const Entity* leaving = rq->leaving_;
    if (leaving != nullptr) {
        ok = ok && leaving->state_ == EntityState::leaving && leaving->cpu() == cpu &&
             leaving != current && !leaving->run_node_.linked();
    }
    return ok;
}

}  // namespace hyp::sched
