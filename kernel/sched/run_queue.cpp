// ReadyQueue: priority bitmap plus one FIFO list per priority.
#include "kernel/sched/run_queue.h"

#include "kernel/core/panic.h"

namespace hyp::sched {

Priority ReadyQueue::highest() const
{
    std::size_t bit = levels_.find_first_set();
    HYP_ASSERT(bit < num_priorities);
    return priority_of(bit);
}

void ReadyQueue::push_back(Entity& entity)
{
    Priority p = entity.priority_;
    HYP_ASSERT(p <= max_priority);
    lists_[p].push_back(entity);  // traps if the entity is already on a list
    levels_.set(bit_of(p));
    ++size_;
}

void ReadyQueue::push_front(Entity& entity)
{
    Priority p = entity.priority_;
    HYP_ASSERT(p <= max_priority);
    lists_[p].push_front(entity);
    levels_.set(bit_of(p));
    ++size_;
}

void ReadyQueue::remove(Entity& entity)
{
    Priority p = entity.priority_;
    HYP_ASSERT(p <= max_priority);
    lists_[p].remove(entity);  // traps if it is on no list
    if (lists_[p].empty()) {
        levels_.clear(bit_of(p));
    }
    --size_;
}

Entity* ReadyQueue::peek() const
{
    std::size_t bit = levels_.find_first_set();
    return bit < num_priorities ? lists_[priority_of(bit)].front() : nullptr;
}

Entity* ReadyQueue::pop()
{
    Entity* entity = peek();
    if (entity != nullptr) {
        remove(*entity);
    }
    return entity;
}

bool ReadyQueue::consistent() const
{
    std::size_t counted = 0;
    for (Priority p = 0; p < num_priorities; ++p) {
        if (lists_[p].empty() == levels_.test(bit_of(p))) {
            return false;
        }
        for (const Entity& entity : lists_[p]) {
            if (entity.priority_ != p) {
                return false;
            }
            ++counted;
        }
    }
    return counted == size_;
}

}  // namespace hyp::sched
