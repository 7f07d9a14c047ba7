// Changing an entity's affinity, priority and time slice in every state it can be in,
// and decoding scheduler_yield's control word.
#include <catch2/catch.hpp>

#include <memory>
#include <ostream>

#include "kernel/sched/scheduler.h"

namespace hyp::sched {
inline std::ostream& operator<<(std::ostream& out, const Kick& kick)
{
    return kick.needed() ? out << "Kick::to(" << kick.cpu << ")" : out << "Kick::none()";
}
}  // namespace hyp::sched

using namespace hyp;
using namespace hyp::sched;

namespace {

constexpr Ticks slice = default_timeslice_ns;  // 1 GHz counter: ticks are nanoseconds

struct World {
    std::unique_ptr<Scheduler> s = std::make_unique<Scheduler>(4, 1'000'000'000);

    Entity* run(CpuIndex cpu, Ticks now)
    {
        Decision d = s->schedule(cpu, now);
        if (d.switched) {
            (void)s->finish_switch(cpu);
        }
        return d.next;
    }

    Kick start(Entity& e, Priority priority = default_priority, CpuIndex cpu = 0)
    {
        REQUIRE(s->set_affinity(e, cpu).ok());
        REQUIRE(s->set_priority(e, priority).ok());
        return s->unblock(e, BlockReason::inactive);
    }

    Kick affinity(Entity& e, CpuIndex cpu)
    {
        Result<Kick> r = s->set_affinity(e, cpu);
        REQUIRE(r.ok());
        return *r;
    }

    Kick priority(Entity& e, Priority p)
    {
        Result<Kick> r = s->set_priority(e, p);
        REQUIRE(r.ok());
        return *r;
    }

    bool sound()
    {
        for (CpuIndex c = 0; c < s->cpu_count(); ++c) {
            if (!s->consistent(c)) {
                return false;
            }
        }
        return true;
    }
};

}  // namespace

TEST_CASE("a blocked entity moves silently and wakes on its new CPU", "[sched][affinity]")
{
    World w;
    Entity e;
    CHECK(w.affinity(e, 3) == Kick::none());
    CHECK(e.cpu() == 3);
    CHECK(e.affinity() == 3);
    CHECK(w.s->unblock(e, BlockReason::inactive) == Kick::to(3));
    CHECK(w.run(3, 0) == &e);
}

TEST_CASE("a ready entity moves queues and kicks the new CPU only if it preempts there",
          "[sched][affinity]")
{
    World w;
    Entity mover, busy, idle_keeper;
    (void)w.start(busy, 40, 1);
    CHECK(w.run(1, 0) == &busy);
    (void)w.start(idle_keeper, 32, 0);
    CHECK(w.run(0, 0) == &idle_keeper);
    (void)w.start(mover, 35, 0);
    CHECK(w.s->ready_count(0) == 1);

    CHECK(w.affinity(mover, 1) == Kick::none());  // 35 does not preempt 40
    CHECK(w.s->ready_count(0) == 0);
    CHECK(w.s->ready_count(1) == 1);
    CHECK(mover.cpu() == 1);
    CHECK(mover.state() == EntityState::ready);

    CHECK(w.affinity(mover, 2) == Kick::to(2));  // CPU 2 idles
    CHECK(w.run(2, 0) == &mover);
    CHECK(w.sound());
}

TEST_CASE("a running entity is kicked off its CPU and moves once it has left it",
          "[sched][affinity]")
{
    World w;
    Entity e;
    (void)w.start(e, 32, 0);
    CHECK(w.run(0, 0) == &e);
    CHECK(w.affinity(e, 2) == Kick::to(0));  // leave CPU 0 first
    CHECK(e.cpu() == 0);                     // still owned by CPU 0: registers live there
    CHECK(e.affinity() == 2);

    Decision d = w.s->schedule(0, 10);  // may not stay although nothing else is ready
    CHECK(d.next == nullptr);
    CHECK(d.switched);
    CHECK(e.state() == EntityState::leaving);
    CHECK(w.s->finish_switch(0) == Kick::to(2));  // now on CPU 2, which idles
    CHECK(e.cpu() == 2);
    CHECK(e.state() == EntityState::ready);
    CHECK(w.run(2, 20) == &e);
    CHECK(w.sound());
}

TEST_CASE("moving back to the current CPU cancels a pending move", "[sched][affinity]")
{
    World w;
    Entity e;
    (void)w.start(e, 32, 1);
    CHECK(w.run(1, 0) == &e);
    CHECK(w.affinity(e, 3) == Kick::to(1));
    CHECK(w.affinity(e, 1) == Kick::none());
    Decision d = w.s->schedule(1, 10);
    CHECK(d.next == &e);
    CHECK_FALSE(d.switched);
}

TEST_CASE("an entity whose affinity changes while it is leaving moves at finish_switch",
          "[sched][affinity]")
{
    World w;
    Entity e, urgent;
    (void)w.start(e, 32, 0);
    CHECK(w.run(0, 0) == &e);
    CHECK(w.start(urgent, 50, 0) == Kick::to(0));
    Decision d = w.s->schedule(0, 5);
    REQUIRE(d.next == &urgent);
    REQUIRE(e.state() == EntityState::leaving);
    CHECK(w.affinity(e, 3) == Kick::none());  // finish_switch will see it
    CHECK(w.s->finish_switch(0) == Kick::to(3));
    CHECK(e.cpu() == 3);
    CHECK(w.run(3, 5) == &e);
    CHECK(w.sound());
}

TEST_CASE("a blocked entity leaving for another CPU arrives there blocked", "[sched][affinity]")
{
    World w;
    Entity e;
    (void)w.start(e, 32, 2);
    CHECK(w.run(2, 0) == &e);
    CHECK(w.s->block(e, BlockReason::suspended) == Kick::to(2));
    CHECK(w.affinity(e, 0) == Kick::to(2));
    CHECK(w.run(2, 1) == nullptr);
    CHECK(e.cpu() == 0);
    CHECK(e.state() == EntityState::blocked);
    CHECK(w.s->unblock(e, BlockReason::suspended) == Kick::to(0));
    CHECK(w.sound());
}

TEST_CASE("affinity outside the CPUs is refused and changes nothing", "[sched][affinity]")
{
    World w;
    Entity e;
    CHECK(w.s->set_affinity(e, 4).error() == Error::arg_inval);
    CHECK(w.s->set_affinity(e, no_cpu).error() == Error::arg_inval);
    CHECK(e.affinity() == 0);
}

TEST_CASE("raising a ready entity above the running one kicks its CPU", "[sched][priority]")
{
    World w;
    Entity running, waiting;
    (void)w.start(running, 32);
    (void)w.start(waiting, 20);
    CHECK(w.run(0, 0) == &running);
    CHECK(w.priority(waiting, 32) == Kick::none());  // equal waits for the slice
    CHECK(w.priority(waiting, 33) == Kick::to(0));
    CHECK(waiting.priority() == 33);
    CHECK(w.run(0, 1) == &waiting);
}

TEST_CASE("lowering a running entity below a ready one kicks its CPU", "[sched][priority]")
{
    World w;
    Entity running, waiting;
    (void)w.start(running, 40);
    (void)w.start(waiting, 30);
    CHECK(w.run(0, 0) == &running);
    CHECK(w.priority(running, 35) == Kick::none());
    CHECK(w.priority(running, 30) == Kick::none());  // equal: the slice decides
    CHECK(w.priority(running, 29) == Kick::to(0));
    CHECK(w.run(0, 1) == &waiting);
    CHECK(w.sound());
}

TEST_CASE("a ready entity whose priority changes goes to the back of its new level",
          "[sched][priority]")
{
    World w;
    Entity running, first, second;
    (void)w.start(running, 50);
    (void)w.start(first, 10);
    (void)w.start(second, 20);
    CHECK(w.run(0, 0) == &running);
    CHECK(w.priority(first, 20) == Kick::none());
    (void)w.s->block(running, BlockReason::wfi);
    CHECK(w.run(0, 1) == &second);
}

TEST_CASE("priority above 63 is refused and changes nothing", "[sched][priority]")
{
    World w;
    Entity e;
    CHECK(w.s->set_priority(e, 64).error() == Error::arg_inval);
    CHECK(e.priority() == default_priority);
    CHECK(w.s->set_priority(e, 63).ok());
    CHECK(w.s->set_priority(e, 0).ok());
}

TEST_CASE("time slices outside 100 us .. 100 ms are refused", "[sched][timeslice]")
{
    World w;
    Entity e;
    CHECK(w.s->set_timeslice(e, 99'999).error() == Error::arg_inval);
    CHECK(w.s->set_timeslice(e, 100'000'001).error() == Error::arg_inval);
    CHECK(e.timeslice_ns() == default_timeslice_ns);
    CHECK(w.s->set_timeslice(e, 100'000).ok());
    CHECK(w.s->set_timeslice(e, 100'000'000).ok());
    CHECK(e.timeslice_ns() == 100'000'000);
}

TEST_CASE("a new time slice applies from the next slice, not the running one", "[sched][timeslice]")
{
    World w;
    Entity e;
    (void)w.start(e);
    Decision first = w.s->schedule(0, 0);
    CHECK(first.deadline == slice);
    REQUIRE(w.s->set_timeslice(e, 1'000'000).ok());
    CHECK(w.s->slice_end(0) == slice);
    Decision renewed = w.s->schedule(0, slice);
    CHECK(renewed.deadline == slice + 1'000'000);
}

TEST_CASE("scheduler_yield control words decode as Gunyah decodes them", "[sched][yield]")
{
    CHECK(decode_yield_control(0).value() == YieldHint::yield);
    CHECK(decode_yield_control(1).value() == YieldHint::yield_to_thread);
    CHECK(decode_yield_control(0x00ff'0000).value() == YieldHint::yield);  // 30:16 ignored
    CHECK(decode_yield_control(0xffff'ffff'0000'0000).value() == YieldHint::yield);
    CHECK(decode_yield_control(2).error() == Error::arg_inval);  // yield to lower priority
    CHECK(decode_yield_control(3).error() == Error::arg_inval);
    CHECK(decode_yield_control(0x8000'0000).error() == Error::arg_inval);  // impl-defined
}
