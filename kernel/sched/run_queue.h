// Per-CPU run queues: the ready entities of one CPU, by priority, plus what that CPU is
// running and what it is switching away from.
//
// ReadyQueue is the data structure alone: one FIFO list per priority and a bitmap of the
// non-empty levels, so the highest-priority ready entity is found with one
// count-trailing-zeros whatever the number of entities, and entities of one priority
// take turns in arrival order. It has no lock; the RunQueue around it has one.
#pragma once

#include <cstddef>

#include "support/bitmap.h"
#include "support/list.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/sched_entity.h"

namespace hyp::sched {

class ReadyQueue {
public:
    constexpr ReadyQueue() = default;
    ReadyQueue(const ReadyQueue&) = delete;
    ReadyQueue& operator=(const ReadyQueue&) = delete;

    [[nodiscard]] bool empty() const { return levels_.none(); }
    [[nodiscard]] std::size_t size() const { return size_; }

    // The highest priority with a ready entity; only when !empty().
    [[nodiscard]] Priority highest() const;
    // True if some ready entity has a priority strictly above `priority`.
    [[nodiscard]] bool has_above(Priority priority) const
    {
        return !empty() && highest() > priority;
    }

    // Queue by the entity's priority, which must not change while it is queued.
    // push_back waits behind its equals; push_front goes first (a preempted entity
    // resumes the slice it was interrupted in before its equals get theirs).
    void push_back(Entity& entity);
    void push_front(Entity& entity);
    void remove(Entity& entity);

    // The first entity of the highest level, or null when empty.
    [[nodiscard]] Entity* peek() const;
    Entity* pop();

    // Visits every entity, highest priority first, FIFO within a level.
    template <typename F>
    void for_each(F visit) const
    {
        for (std::size_t bit = levels_.find_first_set(); bit < num_priorities;
             bit = levels_.find_first_set(bit + 1)) {
            for (Entity& entity : lists_[priority_of(bit)]) {
                visit(entity);
            }
        }
    }

    // Bitmap and lists agree, every entity sits at its own priority, size() is right.
    [[nodiscard]] bool consistent() const;

private:
    using List = IntrusiveList<Entity, &Entity::run_node_>;

    // Bit 0 is the highest priority, so find_first_set() finds it.
    static constexpr std::size_t bit_of(Priority priority) { return max_priority - priority; }
    static constexpr Priority priority_of(std::size_t bit)
    {
        return max_priority - static_cast<Priority>(bit);
    }

    Bitmap<num_priorities> levels_;  // bit_of(p) set iff lists_[p] is not empty
    List lists_[num_priorities];
    std::size_t size_ = 0;
};

// One per CPU. The lock guards everything here and every entity whose cpu() is this
// queue's index. `current` is not on `ready` while it runs, so a pick never has to
// skip it, and an entity is in at most one of ready / current / leaving.
class RunQueue {
public:
    constexpr RunQueue() = default;
    RunQueue(const RunQueue&) = delete;
    RunQueue& operator=(const RunQueue&) = delete;

    SpinLock lock;  // public so that Locked<RunQueue> can prove it is held

private:
    friend class Scheduler;

    CpuIndex index_ = 0;
    ReadyQueue ready_;
    Entity* current_ = nullptr;  // null: the CPU idles
    Entity* leaving_ = nullptr;  // switched away from, until finish_switch
    // When current_'s slice ends (0 after a yield); no_deadline while the CPU idles.
    // Scheduler::init() sets that first value: a default of no_deadline would put the
    // kernel's constinit scheduler in .data rather than .bss (see IntrusiveList).
    Ticks slice_end_ = 0;
};

}  // namespace hyp::sched
