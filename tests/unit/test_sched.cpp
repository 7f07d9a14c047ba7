// Scheduler decisions on one or a few simulated CPUs: priority order, round robin when a
// slice ends, preemption and who gets kicked, block reasons, yield and the slice timer.
// Time is in ticks of a 1 GHz counter, so a tick is a nanosecond and the default slice
// is 5'000'000 ticks.
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

constexpr std::uint64_t hz = 1'000'000'000;
constexpr Ticks slice = default_timeslice_ns;

struct World {
    std::unique_ptr<Scheduler> s = std::make_unique<Scheduler>(4, hz);

    // schedule() then, after a switch, finish_switch(): what the glue does. Returns what
    // now runs; kicks from finishing are checked by the tests that care.
    Entity* run(CpuIndex cpu, Ticks now)
    {
        Decision d = s->schedule(cpu, now);
        if (d.switched) {
            (void)s->finish_switch(cpu);
        }
        return d.next;
    }

    // Configures a fresh (inactive) entity and activates it; returns the kick.
    Kick start(Entity& e, Priority priority = default_priority, CpuIndex cpu = 0)
    {
        REQUIRE(s->set_affinity(e, cpu).ok());
        REQUIRE(s->set_priority(e, priority).ok());
        return s->unblock(e, BlockReason::inactive);
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

TEST_CASE("a new entity is blocked as inactive, at priority 32 with a 5 ms slice", "[sched]")
{
    Entity e;
    CHECK(e.state() == EntityState::blocked);
    CHECK(e.block_reasons() == BlockReasons::of(BlockReason::inactive));
    CHECK(e.priority() == 32);
    CHECK(e.timeslice_ns() == 5'000'000);
    CHECK(e.cpu() == 0);
    CHECK(e.affinity() == 0);
    CHECK(default_priority == 32);
    CHECK(max_priority == 63);
}

TEST_CASE("an idle CPU with nothing ready stays idle with no deadline", "[sched]")
{
    World w;
    Decision d = w.s->schedule(0, 100);
    CHECK(d.next == nullptr);
    CHECK(d.previous == nullptr);
    CHECK_FALSE(d.switched);
    CHECK(d.deadline == no_deadline);
}

TEST_CASE("the highest-priority ready entity runs first", "[sched]")
{
    World w;
    Entity low, high, mid;
    (void)w.start(low, 10);
    (void)w.start(high, 50);
    (void)w.start(mid, 30);
    Decision d = w.s->schedule(0, 0);
    CHECK(d.next == &high);
    CHECK(d.switched);
    CHECK(d.deadline == slice);
    CHECK(high.state() == EntityState::running);
    CHECK(w.s->ready_count(0) == 2);  // the running entity is not on the queue
    CHECK(w.sound());
}

TEST_CASE("entities of one priority run in the order they became ready", "[sched]")
{
    World w;
    Entity a, b, c;
    (void)w.start(a);
    (void)w.start(b);
    (void)w.start(c);
    CHECK(w.run(0, 0) == &a);
    CHECK(w.run(0, slice) == &b);
    CHECK(w.run(0, 2 * slice) == &c);
    CHECK(w.run(0, 3 * slice) == &a);
}

TEST_CASE("when a slice ends an equal entity runs and the first waits at the back", "[sched]")
{
    World w;
    Entity a, b;
    (void)w.start(a);
    (void)w.start(b);
    CHECK(w.run(0, 0) == &a);
    CHECK(w.run(0, slice - 1) == &a);  // not over yet: nothing changes
    Decision d = w.s->schedule(0, slice);
    CHECK(d.next == &b);
    CHECK(d.previous == &a);
    CHECK(d.deadline == 2 * slice);
    CHECK(a.state() == EntityState::leaving);
    CHECK(w.s->finish_switch(0) == Kick::none());
    CHECK(a.state() == EntityState::ready);
    CHECK(w.sound());
}

TEST_CASE("a slice end with no equal waiting renews the slice of the same entity", "[sched]")
{
    World w;
    Entity a, low;
    (void)w.start(a, 40);
    (void)w.start(low, 5);
    CHECK(w.run(0, 0) == &a);
    Decision d = w.s->schedule(0, slice + 7);
    CHECK(d.next == &a);
    CHECK_FALSE(d.switched);
    CHECK(d.deadline == 2 * slice + 7);
}

TEST_CASE("a lower-priority entity never runs while a higher one is ready", "[sched]")
{
    World w;
    Entity high1, high2, low;
    (void)w.start(high1, 40);
    (void)w.start(high2, 40);
    (void)w.start(low, 39);
    for (Ticks t = 0; t < 20 * slice; t += slice) {
        Entity* running = w.run(0, t);
        CHECK(running != &low);
    }
}

TEST_CASE("unblocking a higher-priority entity kicks its CPU, equal or lower does not", "[sched]")
{
    World w;
    Entity running, higher, equal, lower;
    (void)w.start(running, 32);
    CHECK(w.run(0, 0) == &running);
    CHECK(w.start(equal, 32) == Kick::none());
    CHECK(w.start(lower, 31) == Kick::none());
    CHECK(w.start(higher, 33) == Kick::to(0));
    CHECK(w.run(0, 1) == &higher);  // preempted at once, slice or not
}

TEST_CASE("unblocking onto an idle CPU kicks that CPU and no other", "[sched]")
{
    World w;
    Entity e;
    CHECK(w.start(e, 0, 3) == Kick::to(3));
    CHECK(w.run(3, 0) == &e);
    CHECK(w.s->current(0) == nullptr);
}

TEST_CASE("a preempted entity resumes first, with the rest of its slice", "[sched]")
{
    World w;
    Entity a, b, urgent;
    (void)w.start(a);
    (void)w.start(b);
    CHECK(w.run(0, 0) == &a);
    CHECK(w.start(urgent, 60) == Kick::to(0));
    CHECK(w.run(0, 1000) == &urgent);
    REQUIRE(w.s->block(urgent, BlockReason::wfi) == Kick::to(0));
    Decision d = w.s->schedule(0, 3000);
    CHECK(d.next == &a);                      // ahead of b, which waited longer
    CHECK(d.deadline == 3000 + slice - 1000);  // what was left when it was preempted
}

TEST_CASE("an entity runs only once every block reason is gone", "[sched]")
{
    World w;
    Entity e;
    (void)w.s->block(e, BlockReason::powered_off);
    (void)w.s->block(e, BlockReason::suspended);
    CHECK(w.s->unblock(e, BlockReason::inactive) == Kick::none());
    CHECK(w.s->unblock(e, BlockReason::powered_off) == Kick::none());
    CHECK(e.state() == EntityState::blocked);
    CHECK(w.s->unblock(e, BlockReason::suspended) == Kick::to(0));
    CHECK(e.state() == EntityState::ready);
    CHECK(e.runnable());
}

TEST_CASE("block and unblock of a reason already in that state change nothing", "[sched]")
{
    World w;
    Entity e, other;
    (void)w.start(e);
    (void)w.start(other);
    CHECK(w.run(0, 0) == &e);
    CHECK(w.s->unblock(e, BlockReason::wfi) == Kick::none());  // never blocked for it
    CHECK(w.s->block(other, BlockReason::killed) == Kick::none());
    CHECK(w.s->block(other, BlockReason::killed) == Kick::none());
    CHECK(w.s->ready_count(0) == 0);
    CHECK(w.s->unblock(other, BlockReason::wfi) == Kick::none());
    CHECK(other.state() == EntityState::blocked);
    CHECK(w.sound());
}

TEST_CASE("a ready entity that blocks leaves its queue without a kick", "[sched]")
{
    World w;
    Entity running, waiting;
    (void)w.start(running);
    (void)w.start(waiting);
    CHECK(w.run(0, 0) == &running);
    CHECK(w.s->block(waiting, BlockReason::suspended) == Kick::none());
    CHECK(waiting.state() == EntityState::blocked);
    CHECK(w.s->ready_count(0) == 0);
}

TEST_CASE("blocking a running entity kicks its CPU, which then idles", "[sched]")
{
    World w;
    Entity e;
    (void)w.start(e, 32, 2);
    CHECK(w.run(2, 0) == &e);
    CHECK(w.s->block(e, BlockReason::powered_off) == Kick::to(2));
    CHECK(e.state() == EntityState::running);  // until its CPU schedules
    Decision d = w.s->schedule(2, 10);
    CHECK(d.next == nullptr);
    CHECK(d.switched);
    CHECK(d.deadline == no_deadline);
    CHECK(w.s->finish_switch(2) == Kick::none());
    CHECK(e.state() == EntityState::blocked);
    CHECK(w.sound());
}

TEST_CASE("a running entity woken before its CPU rescheduled just goes on", "[sched]")
{
    World w;
    Entity e;
    (void)w.start(e);
    CHECK(w.run(0, 0) == &e);
    CHECK(w.s->block(e, BlockReason::wfi) == Kick::to(0));
    CHECK(w.s->unblock(e, BlockReason::wfi) == Kick::none());
    Decision d = w.s->schedule(0, 5);
    CHECK(d.next == &e);
    CHECK_FALSE(d.switched);
}

TEST_CASE("an entity woken while its registers are being saved is queued by finish_switch", "[sched]")
{
    World w;
    Entity e;
    (void)w.start(e);
    CHECK(w.run(0, 0) == &e);
    (void)w.s->block(e, BlockReason::wfi);
    Decision d = w.s->schedule(0, 5);
    REQUIRE(d.next == nullptr);
    CHECK(e.state() == EntityState::leaving);
    CHECK(w.s->unblock(e, BlockReason::wfi) == Kick::none());  // finish_switch decides
    CHECK(w.s->finish_switch(0) == Kick::to(0));  // this CPU: schedule again, do not idle
    CHECK(e.state() == EntityState::ready);
    CHECK(w.run(0, 6) == &e);
}

TEST_CASE("finish_switch with nothing leaving does nothing", "[sched]")
{
    World w;
    CHECK(w.s->finish_switch(1) == Kick::none());
}

TEST_CASE("yield hands the CPU to an equal entity but never to a lower one", "[sched]")
{
    World w;
    Entity a, b, low;
    (void)w.start(a);
    (void)w.start(low, 1);
    CHECK(w.run(0, 0) == &a);
    w.s->yield(0);
    Decision alone = w.s->schedule(0, 100);
    CHECK(alone.next == &a);  // nobody equal: a fresh slice instead
    CHECK(alone.deadline == 100 + slice);
    (void)w.start(b);
    w.s->yield(0);
    CHECK(w.run(0, 200) == &b);
    CHECK(w.s->ready_count(0) == 2);  // a went to the back of its level, behind nobody
    w.s->yield(0);
    CHECK(w.run(0, 300) == &a);
}

TEST_CASE("yield on an idle CPU does nothing", "[sched]")
{
    World w;
    w.s->yield(1);
    CHECK(w.s->slice_end(1) == no_deadline);
    CHECK(w.s->timer_expired(1, 0).reschedule == false);
}

TEST_CASE("the slice timer asks for a reschedule only once the slice is over", "[sched]")
{
    World w;
    Entity e;
    TimerCheck idle = w.s->timer_expired(0, 10);
    CHECK_FALSE(idle.reschedule);
    CHECK(idle.deadline == no_deadline);
    (void)w.start(e);
    CHECK(w.run(0, 1000) == &e);
    TimerCheck early = w.s->timer_expired(0, 1000 + slice - 1);
    CHECK_FALSE(early.reschedule);
    CHECK(early.deadline == 1000 + slice);  // program it again
    CHECK(w.s->timer_expired(0, 1000 + slice).reschedule);
}

TEST_CASE("time slices convert to counter ticks, rounding up", "[sched]")
{
    Scheduler qemu(1, 62'500'000);  // QEMU virt's CNTFRQ
    CHECK(qemu.slice_ticks(5'000'000) == 312'500);
    CHECK(qemu.slice_ticks(min_timeslice_ns) == 6'250);
    Scheduler slow(1, 19'200'000);  // Qualcomm's 19.2 MHz
    CHECK(slow.slice_ticks(5'000'000) == 96'000);
    CHECK(slow.slice_ticks(100'001) == 1'921);  // 1920.0192 rounds up
    Scheduler tiny(1, 1);
    CHECK(tiny.slice_ticks(min_timeslice_ns) == 1);  // never a zero-length slice
}

TEST_CASE("decide and act: the CPUs of a kick are the only ones told", "[sched]")
{
    World w;
    Entity on1, on2;
    CHECK(w.start(on1, 32, 1) == Kick::to(1));
    CHECK(w.run(1, 0) == &on1);
    CHECK(w.start(on2, 32, 2) == Kick::to(2));
    CHECK(w.s->current(1) == &on1);
    CHECK(w.s->current(2) == nullptr);  // not until CPU 2 schedules
    CHECK(w.run(2, 0) == &on2);
    CHECK(w.sound());
}
