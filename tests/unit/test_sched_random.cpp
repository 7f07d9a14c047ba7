// Randomized test of the scheduler against a reference model: 4 simulated CPUs and a
// dozen entities take thousands of random operations (block / unblock with every reason,
// schedule, finish_switch, slice timer, yield, set_priority / set_affinity /
// set_timeslice, valid or not), interleaved as the glue of several CPUs could. The model
// tracks block reasons, priorities, affinities, what each CPU runs and which CPUs were
// kicked. After every step:
//   - every run queue is consistent, and every entity is in exactly one place;
//   - the scheduler's view of each entity equals the model's;
//   - whatever schedule() chose is a highest-priority candidate for that CPU;
//   - no wake-up was lost: a CPU not kicked runs something no ready entity outranks,
//     and idles only when nothing is ready for it.
//
// HYP_SCHED_SEED and HYP_SCHED_STEPS override the seed and the number of steps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "kernel/sched/scheduler.h"

using namespace hyp;
using namespace hyp::sched;

namespace {

constexpr CpuIndex cpus = 4;
constexpr std::size_t entity_count = 12;
constexpr Ticks slice = default_timeslice_ns;  // 1 GHz counter

struct Rng {  // splitmix64
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct Expected {
    BlockReasons reasons = BlockReasons::of(BlockReason::inactive);
    Priority priority = default_priority;
    CpuIndex affinity = 0;
    Nanoseconds timeslice = default_timeslice_ns;
};

class World {
public:
    explicit World(std::uint64_t seed) : rng_{seed} {}

    void step()
    {
        now_ += rng_.below(slice / 2);
        Entity& e = entities_[rng_.below(entity_count)];
        auto reason = static_cast<BlockReason>(rng_.below(block_reason_count));
        auto cpu = static_cast<CpuIndex>(rng_.below(cpus));
        switch (rng_.below(10)) {
        case 0:
        case 1:
            if (rng_.below(2) == 0) {
                reason = held_reason(e, reason);  // mostly a reason that changes something
            }
            expect(e).reasons.remove(reason);
            kicked(s_->unblock(e, reason));
            break;
        case 2:
            // Blocking is rarer than waking, so that most entities are runnable.
            if (rng_.below(3) == 0) {
                expect(e).reasons.add(reason);
                kicked(s_->block(e, reason));
            }
            break;
        case 3:
        case 4: {
            CpuIndex c = pick_cpu_to_schedule(cpu);
            if (pending_finish_[c]) {
                finish(c);  // the glue finishes a switch before it schedules again
            } else {
                schedule(c);
            }
            break;
        }
        case 5:
            finish(cpu);
            break;
        case 6:
            if (s_->timer_expired(cpu, now_).reschedule) {
                resched_[cpu] = true;
            }
            break;
        case 7:
            if (!pending_finish_[cpu]) {
                s_->yield(cpu);
                resched_[cpu] = true;  // the glue calls schedule() after a yield
            }
            break;
        case 8: {
            // Mostly a few neighbouring levels, so that equals meet and take turns;
            // sometimes anything, 64 (invalid) included.
            auto priority = rng_.below(5) != 0 ? static_cast<Priority>(31 + rng_.below(3))
                                               : static_cast<Priority>(rng_.below(num_priorities + 1));
            Result<Kick> r = s_->set_priority(e, priority);
            REQUIRE(r.ok() == (priority <= max_priority));
            if (r.ok()) {
                expect(e).priority = priority;
                kicked(*r);
            }
            break;
        }
        default: {
            if (rng_.below(4) == 0) {
                Nanoseconds ns = min_timeslice_ns - 1 + rng_.below(max_timeslice_ns);
                Status st = s_->set_timeslice(e, ns);
                bool valid = ns >= min_timeslice_ns && ns <= max_timeslice_ns;
                REQUIRE(st.ok() == valid);
                if (valid) {
                    expect(e).timeslice = ns;
                }
                break;
            }
            auto target = static_cast<CpuIndex>(rng_.below(cpus + 1));
            Result<Kick> r = s_->set_affinity(e, target);
            REQUIRE(r.ok() == (target < cpus));
            if (r.ok()) {
                expect(e).affinity = target;
                kicked(*r);
            }
            break;
        }
        }
        check();
    }

    // Lets every CPU act on its kicks until none is left: afterwards every CPU must run a
    // highest-priority ready entity of its own, or idle with nothing ready.
    void settle()
    {
        for (int round = 0; round < 10; ++round) {
            for (CpuIndex c = 0; c < cpus; ++c) {
                finish(c);
                if (resched_[c]) {
                    schedule(c);
                    finish(c);
                }
                check();
            }
        }
        for (CpuIndex c = 0; c < cpus; ++c) {
            REQUIRE_FALSE(resched_[c]);
        }
    }

    std::size_t switches() const { return switches_; }

private:
    Expected& expect(const Entity& e) { return expected_[index(e)]; }
    std::size_t index(const Entity& e) const { return static_cast<std::size_t>(&e - entities_); }

    BlockReason held_reason(const Entity& e, BlockReason fallback) const
    {
        for (unsigned r = 0; r < block_reason_count; ++r) {
            if (expected_[index(e)].reasons.has(static_cast<BlockReason>(r))) {
                return static_cast<BlockReason>(r);
            }
        }
        return fallback;
    }

    void kicked(Kick kick)
    {
        if (kick.needed()) {
            REQUIRE(kick.cpu < cpus);
            resched_[kick.cpu] = true;
        }
    }

    // Mostly a CPU that was kicked, as the glue would; a switch must be finished first.
    CpuIndex pick_cpu_to_schedule(CpuIndex fallback)
    {
        for (CpuIndex c = 0; c < cpus; ++c) {
            if (resched_[c] && rng_.below(2) == 0) {
                return c;
            }
        }
        return fallback;
    }

    bool eligible(const Entity& e, CpuIndex cpu) const
    {
        const Expected& x = expected_[index(e)];
        if (!x.reasons.none() || x.affinity != cpu) {
            return false;
        }
        for (CpuIndex c = 0; c < cpus; ++c) {
            if (running_[c] == &e || leaving_[c] == &e) {
                return false;
            }
        }
        return true;
    }

    void schedule(CpuIndex cpu)
    {
        REQUIRE_FALSE(pending_finish_[cpu]);
        Entity* prev = running_[cpu];
        // What may run next: anything eligible here, and the current entity if it may stay.
        long best = -1;
        for (const Entity& e : entities_) {
            bool stays = &e == prev && expect(e).reasons.none() && expect(e).affinity == cpu;
            if (stays || eligible(e, cpu)) {
                best = std::max(best, static_cast<long>(expect(e).priority));
            }
        }
        Decision d = s_->schedule(cpu, now_);
        resched_[cpu] = false;
        REQUIRE(d.previous == prev);
        REQUIRE(d.switched == (d.next != prev));
        if (best < 0) {
            REQUIRE(d.next == nullptr);
        } else {
            REQUIRE(d.next != nullptr);
            REQUIRE(static_cast<long>(expect(*d.next).priority) == best);
            REQUIRE(expect(*d.next).reasons.none());
            REQUIRE(expect(*d.next).affinity == cpu);
            REQUIRE(d.deadline > now_);
        }
        running_[cpu] = d.next;
        if (d.switched) {
            leaving_[cpu] = prev;
            pending_finish_[cpu] = true;
            ++switches_;
        }
    }

    void finish(CpuIndex cpu)
    {
        if (!pending_finish_[cpu]) {
            return;
        }
        kicked(s_->finish_switch(cpu));
        leaving_[cpu] = nullptr;
        pending_finish_[cpu] = false;
    }

    void check()
    {
        std::size_t ready = 0, queued = 0;
        for (CpuIndex c = 0; c < cpus; ++c) {
            REQUIRE(s_->consistent(c));
            REQUIRE(s_->current(c) == running_[c]);
            REQUIRE(s_->leaving(c) == leaving_[c]);
            queued += s_->ready_count(c);
        }
        for (const Entity& e : entities_) {
            const Expected& x = expect(e);
            REQUIRE(e.block_reasons() == x.reasons);
            REQUIRE(e.priority() == x.priority);
            REQUIRE(e.affinity() == x.affinity);
            REQUIRE(e.timeslice_ns() == x.timeslice);
            switch (e.state()) {
            case EntityState::ready:
                ++ready;
                REQUIRE(e.cpu() == x.affinity);
                REQUIRE(eligible(e, e.cpu()));
                break;
            case EntityState::blocked:
                REQUIRE_FALSE(x.reasons.none());
                REQUIRE(e.cpu() == x.affinity);
                break;
            case EntityState::running:
                REQUIRE(running_[e.cpu()] == &e);
                break;
            case EntityState::leaving:
                REQUIRE(leaving_[e.cpu()] == &e);
                break;
            }
        }
        // Each ready entity is on a queue (consistent() checked they are all ready and
        // the node cannot be on two lists), so equal counts mean one place each.
        REQUIRE(ready == queued);

        for (CpuIndex c = 0; c < cpus; ++c) {
            if (resched_[c] || pending_finish_[c]) {
                continue;  // a reschedule is on its way
            }
            const Entity* cur = running_[c];
            if (cur != nullptr) {
                REQUIRE(expect(*cur).reasons.none());
                REQUIRE(expect(*cur).affinity == c);
            }
            for (const Entity& e : entities_) {
                if (eligible(e, c)) {
                    REQUIRE(cur != nullptr);  // idle with something ready: a lost wake-up
                    REQUIRE(expect(e).priority <= expect(*cur).priority);
                }
            }
        }
    }

    Rng rng_;
    std::unique_ptr<Scheduler> s_ = std::make_unique<Scheduler>(cpus, 1'000'000'000);
    Entity entities_[entity_count];
    std::array<Expected, entity_count> expected_{};
    std::array<Entity*, cpus> running_{};
    std::array<Entity*, cpus> leaving_{};
    std::array<bool, cpus> resched_{};
    std::array<bool, cpus> pending_finish_{};
    Ticks now_ = 0;
    std::size_t switches_ = 0;
};

std::uint64_t env_or(const char* name, std::uint64_t fallback)
{
    const char* value = std::getenv(name);
    return value != nullptr ? std::stoull(value, nullptr, 0) : fallback;
}

}  // namespace

TEST_CASE("random operations on 4 CPUs always pick a highest-priority ready entity",
          "[sched][random]")
{
    std::uint64_t steps = env_or("HYP_SCHED_STEPS", 20'000);
    std::uint64_t first_seed = env_or("HYP_SCHED_SEED", 1);
    for (std::uint64_t seed = first_seed; seed < first_seed + 4; ++seed) {
        CAPTURE(seed);
        World world(seed);
        for (std::uint64_t i = 0; i < steps; ++i) {
            CAPTURE(i);
            world.step();
        }
        world.settle();
        CHECK(world.switches() > steps / 20);  // the mix really exercised switching
    }
}
