// The per-CPU EL2 timer queue: deadline order, FIFO among equal deadlines, re-arming,
// removal from the wrong queue, expiry by handler or by hand, and the scheduler's slice
// timer driven through it the way the arch glue will.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "kernel/sched/scheduler.h"
#include "kernel/sched/timer_queue.h"

using namespace hyp;
using namespace hyp::sched;

namespace {

std::vector<TimerEvent*> drain(TimerQueue& queue, Ticks now)
{
    std::vector<TimerEvent*> fired;
    queue.expire(now, [&](TimerEvent& e) { fired.push_back(&e); });
    return fired;
}

}  // namespace

TEST_CASE("an empty timer queue has no deadline and nothing expires", "[timer_queue]")
{
    TimerQueue queue;
    CHECK(queue.empty());
    CHECK(queue.next_deadline() == no_deadline);
    CHECK(queue.pop_expired(~Ticks{0} - 1) == nullptr);
    CHECK(queue.expire(1000) == 0);
}

TEST_CASE("events expire in deadline order whatever the order they were added", "[timer_queue]")
{
    TimerQueue queue;
    TimerEvent late, early, middle;
    queue.add(late, 300);
    queue.add(early, 100);
    queue.add(middle, 200);
    CHECK(queue.size() == 3);
    CHECK(queue.next_deadline() == 100);
    CHECK(drain(queue, 250) == std::vector<TimerEvent*>{&early, &middle});
    CHECK(late.queued());
    CHECK_FALSE(early.queued());
    CHECK(queue.next_deadline() == 300);
    CHECK(drain(queue, 299).empty());
    CHECK(drain(queue, 300) == std::vector<TimerEvent*>{&late});
    CHECK(queue.empty());
}

TEST_CASE("events with one deadline fire in the order they were added", "[timer_queue]")
{
    TimerQueue queue;
    TimerEvent a, b, c, before;
    queue.add(a, 50);
    queue.add(b, 50);
    queue.add(before, 10);
    queue.add(c, 50);
    CHECK(drain(queue, 50) == std::vector<TimerEvent*>{&before, &a, &b, &c});
}

TEST_CASE("update re-arms a queued event and no_deadline disarms it", "[timer_queue]")
{
    TimerQueue queue;
    TimerEvent slice, other;
    queue.add(slice, 100);
    queue.add(other, 200);
    CHECK(queue.update(slice, 300));
    CHECK(slice.deadline() == 300);
    CHECK(queue.next_deadline() == 200);
    CHECK(queue.update(slice, no_deadline));
    CHECK_FALSE(slice.queued());
    CHECK(queue.size() == 1);
    CHECK(queue.update(slice, 50));  // update also arms an idle event
    CHECK(queue.next_deadline() == 50);
}

TEST_CASE("an event on one CPU's queue cannot be touched through another's", "[timer_queue]")
{
    TimerQueue cpu0, cpu1;
    TimerEvent e;
    cpu0.add(e, 10);
    CHECK_FALSE(cpu1.remove(e));
    CHECK_FALSE(cpu1.update(e, 20));
    CHECK(e.deadline() == 10);
    CHECK(cpu0.remove(e));
    CHECK_FALSE(cpu0.remove(e));  // not twice
    CHECK(cpu1.update(e, 20));    // free now: may go anywhere
    CHECK(cpu1.next_deadline() == 20);
}

TEST_CASE("two CPUs racing to arm and remove the same events never queue one twice",
          "[timer_queue][stress]")
{
    constexpr int events = 8;
    TimerQueue queues[2];
    TimerEvent shared[events];
    std::atomic<int> fired{0};
    auto cpu = [&](int me) {
        TimerQueue& mine = queues[me];
        TimerQueue& theirs = queues[1 - me];
        std::uint64_t x = 0x1234 + static_cast<std::uint64_t>(me);
        for (Ticks now = 0; now < 20'000; ++now) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            TimerEvent& e = shared[(x >> 33) % events];
            switch ((x >> 40) % 4) {
            case 0:
            case 1:
                (void)mine.update(e, now + (x >> 50) % 64);  // false if the other CPU has it
                break;
            case 2:
                (void)theirs.remove(e);
                break;
            default:
                mine.expire(now, [&](TimerEvent&) { fired.fetch_add(1); });
                break;
            }
        }
    };
    std::thread other(cpu, 1);
    cpu(0);
    other.join();
    CHECK(fired.load() > 100);
    std::size_t queued = 0;
    for (TimerEvent& e : shared) {
        queued += e.queued() ? 1 : 0;
    }
    CHECK(queues[0].size() + queues[1].size() == queued);
    for (TimerQueue& q : queues) {  // the order survived the contention
        Ticks last = 0;
        while (TimerEvent* e = q.pop_expired(no_deadline - 1)) {
            CHECK(e->deadline() >= last);
            last = e->deadline();
        }
    }
}

TEST_CASE("expire calls each due event's handler with the queue free to re-arm", "[timer_queue]")
{
    struct Periodic {
        TimerQueue* queue;
        Ticks period;
        int fired = 0;
    };
    TimerQueue queue;
    Periodic p{&queue, 100};
    TimerEvent tick(
        [](TimerEvent& e, Ticks now) {
            auto* owner = static_cast<Periodic*>(e.context());
            ++owner->fired;
            REQUIRE(owner->queue->update(e, now + owner->period));  // re-arm from the handler
        },
        &p);
    TimerEvent silent;  // no handler: just taken off
    queue.add(tick, 100);
    queue.add(silent, 150);
    CHECK(queue.expire(160) == 2);
    CHECK(p.fired == 1);
    CHECK(tick.deadline() == 260);
    CHECK_FALSE(silent.queued());
    CHECK(queue.expire(259) == 0);
    CHECK(queue.expire(260) == 1);
    CHECK(p.fired == 2);
}

TEST_CASE("pop_expired hands back due events one at a time, earliest first", "[timer_queue]")
{
    TimerQueue queue;
    TimerEvent a, b;
    queue.add(b, 20);
    queue.add(a, 10);
    CHECK(queue.pop_expired(5) == nullptr);
    CHECK(queue.pop_expired(30) == &a);
    CHECK(queue.pop_expired(30) == &b);
    CHECK(queue.pop_expired(30) == nullptr);
}

TEST_CASE("the slice timer through a timer queue rotates two equal entities", "[timer_queue][sched]")
{
    // One simulated CPU as the glue will run it: the scheduler's deadline goes into the
    // CPU's timer queue, the hardware fires at next_deadline(), expiry asks the scheduler.
    auto s = std::make_unique<Scheduler>(1, 1'000'000'000);
    TimerQueue timers;
    TimerEvent slice_timer;
    Entity a, b;
    (void)s->unblock(a, BlockReason::inactive);
    (void)s->unblock(b, BlockReason::inactive);

    auto reschedule = [&](Ticks now) {
        Decision d = s->schedule(0, now);
        if (d.switched) {
            (void)s->finish_switch(0);
        }
        REQUIRE(timers.update(slice_timer, d.deadline));
        return d.next;
    };

    std::vector<Entity*> ran{reschedule(0)};
    for (int i = 0; i < 6; ++i) {
        Ticks now = timers.next_deadline();  // the comparator fires
        REQUIRE(now != no_deadline);
        bool due = false;
        timers.expire(now, [&](TimerEvent& e) { due = due || &e == &slice_timer; });
        REQUIRE(due);
        TimerCheck check = s->timer_expired(0, now);
        REQUIRE(check.reschedule);
        ran.push_back(reschedule(now));
    }
    CHECK(ran == std::vector<Entity*>{&a, &b, &a, &b, &a, &b, &a});
    CHECK(timers.next_deadline() == 7 * default_timeslice_ns);
}
