// ReadyQueue, the per-CPU priority structure: highest priority first, FIFO within a level,
// the bitmap following the lists, and a preempted entity going to the front of its level.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "kernel/sched/run_queue.h"
#include "kernel/sched/scheduler.h"

using namespace hyp;
using namespace hyp::sched;

namespace {

// Entities' priorities are set through a scheduler, as the kernel does; they stay
// blocked, which the bare ReadyQueue does not look at.
struct Fixture {
    std::unique_ptr<Scheduler> scheduler = std::make_unique<Scheduler>(1, 1'000'000'000);
    Entity entities[6];

    Entity& at(std::size_t i, Priority priority)
    {
        REQUIRE(scheduler->set_priority(entities[i], priority).ok());
        return entities[i];
    }
};

std::vector<const Entity*> order(const ReadyQueue& queue)
{
    std::vector<const Entity*> seen;
    queue.for_each([&](const Entity& e) { seen.push_back(&e); });
    return seen;
}

}  // namespace

TEST_CASE("an empty ready queue has nothing to pick", "[sched][ready_queue]")
{
    ReadyQueue queue;
    CHECK(queue.empty());
    CHECK(queue.size() == 0);
    CHECK(queue.peek() == nullptr);
    CHECK(queue.pop() == nullptr);
    CHECK_FALSE(queue.has_above(0));
    CHECK(queue.consistent());
}

TEST_CASE("the highest priority is picked whatever the order of arrival", "[sched][ready_queue]")
{
    Fixture f;
    ReadyQueue queue;
    Entity& low = f.at(0, 0);
    Entity& mid = f.at(1, 32);
    Entity& top = f.at(2, 63);
    queue.push_back(mid);
    queue.push_back(low);
    queue.push_back(top);
    CHECK(queue.consistent());
    CHECK(queue.highest() == 63);
    CHECK(queue.has_above(62));
    CHECK_FALSE(queue.has_above(63));
    CHECK(queue.pop() == &top);
    CHECK(queue.pop() == &mid);
    CHECK(queue.highest() == 0);
    CHECK(queue.pop() == &low);
    CHECK(queue.empty());
    CHECK(queue.consistent());
}

TEST_CASE("entities of one priority come out in the order they went in", "[sched][ready_queue]")
{
    Fixture f;
    ReadyQueue queue;
    for (std::size_t i = 0; i < 4; ++i) {
        queue.push_back(f.at(i, 20));
    }
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(queue.pop() == &f.entities[i]);
    }
}

TEST_CASE("push_front puts an entity ahead of its equals only", "[sched][ready_queue]")
{
    Fixture f;
    ReadyQueue queue;
    Entity& a = f.at(0, 20);
    Entity& b = f.at(1, 20);
    Entity& preempted = f.at(2, 20);
    Entity& higher = f.at(3, 21);
    queue.push_back(a);
    queue.push_back(b);
    queue.push_back(higher);
    queue.push_front(preempted);
    CHECK(order(queue) == std::vector<const Entity*>{&higher, &preempted, &a, &b});
}

TEST_CASE("removing the last entity of a level clears that level", "[sched][ready_queue]")
{
    Fixture f;
    ReadyQueue queue;
    Entity& top = f.at(0, 50);
    Entity& other = f.at(1, 10);
    queue.push_back(top);
    queue.push_back(other);
    queue.remove(top);
    CHECK(queue.consistent());
    CHECK(queue.highest() == 10);
    CHECK(queue.size() == 1);
    queue.remove(other);
    CHECK(queue.empty());
    CHECK(queue.consistent());
}

TEST_CASE("removing from the middle of a level keeps the rest in order", "[sched][ready_queue]")
{
    Fixture f;
    ReadyQueue queue;
    for (std::size_t i = 0; i < 3; ++i) {
        queue.push_back(f.at(i, 7));
    }
    queue.remove(f.entities[1]);
    CHECK(order(queue) == std::vector<const Entity*>{&f.entities[0], &f.entities[2]});
    CHECK(queue.consistent());
}
