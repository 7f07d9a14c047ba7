// The scheduler's policy: fixed-priority round robin (Gunyah's FPRR) over per-CPU run
// queues. It decides and never acts: every call returns what the arch glue must do
// (send a reschedule IPI, switch context, program the EL2 timer), so all of it runs on
// the host under Catch2. docs/scheduler.md has the model and the glue's duties.
//
// LOCK ORDER (the only place it is written down):
//   1. the caller's object locks (thread / vCPU object header)  -- taken by callers
//   2. RunQueue::lock                                           -- taken here only
//      Two at once only in ascending CPU index (LockedPair). Nothing else is ever taken
//      while one is held, and none is held when a call returns.
//   TimerQueue's lock (timer_queue.h) is a leaf of its own: the scheduler never takes it,
//   so the glue may take it before or after calling in, never while inside.
//
// Which lock guards what: an entity's fields are guarded by the lock of the run queue
// named by its cpu(); cpu() itself changes only with both the old and the new queue
// locked. So "lock rq[e.cpu()], then check e.cpu() is still that" finds the one lock.
//
// Which CPU may call what: functions taking an Entity may run on any CPU, concurrently.
// Functions taking a `cpu` (schedule, finish_switch, timer_expired, yield) must run on
// that CPU (or, in tests, on the thread that plays it): they move its current and leaving
// entities, which only that CPU may do.
#pragma once

#include <cstdint>

#include "kernel/core/config.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/run_queue.h"
#include "kernel/sched/sched_entity.h"

namespace hyp::sched {

// "Make CPU `cpu` call schedule() soon": an IPI (SGI) if it is another CPU, a
// reschedule before returning to the guest if it is the caller's own. No CPU = nothing.
struct [[nodiscard]] Kick {
    CpuIndex cpu = no_cpu;

    [[nodiscard]] static constexpr Kick none() { return Kick{}; }
    [[nodiscard]] static constexpr Kick to(CpuIndex target) { return Kick{target}; }
    [[nodiscard]] constexpr bool needed() const { return cpu != no_cpu; }
    constexpr bool operator==(const Kick&) const = default;
};

// What schedule() chose.
struct [[nodiscard]] Decision {
    Entity* next;      // run this; null = idle (WFI until an interrupt)
    Entity* previous;  // what the CPU ran before the call (null if it idled)
    Ticks deadline;    // program the slice timer for this; no_deadline when idle
    // next != previous: save previous's registers, load next's, then call
    // finish_switch(cpu). False: just return to `next` (or keep idling).
    bool switched;
};

// What timer_expired() found.
struct [[nodiscard]] TimerCheck {
    bool reschedule;  // the slice is over: call schedule() (it may keep the same entity)
    Ticks deadline;   // otherwise: the slice still ends here; program it again
};

enum class YieldHint : std::uint8_t {
    yield,            // give the rest of the slice to an equal-priority entity
    yield_to_thread,  // directed yield: not implemented; treat as `yield` (see docs)
};

// scheduler_yield's control word (low 32 bits of the register): bits 15:0 hint, bit 31
// implementation-defined. As Gunyah: bit 31 or an unknown hint, including 2 "yield to
// lower priority", is arg_inval; bits 30:16 are ignored.
[[nodiscard]] Result<YieldHint> decode_yield_control(std::uint64_t control);

class Scheduler {
public:
    // constexpr so that the kernel's instance is a constinit global; init() at boot.
    constexpr Scheduler() = default;
    Scheduler(std::uint32_t cpu_count, std::uint64_t counter_hz) { init(cpu_count, counter_hz); }
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // `counter_hz` is CNTFRQ_EL0 (fits in 32 bits), to turn time slices into ticks.
    void init(std::uint32_t cpu_count, std::uint64_t counter_hz);

    // ---- Any CPU ----------------------------------------------------------------------
    // Adds a block reason. Kicks the entity's CPU if it is running there (it must stop);
    // a ready one just leaves its queue.
    Kick block(Entity& entity, BlockReason reason);
    // Removes a block reason. If none is left the entity becomes ready on its CPU, and
    // that CPU is kicked if it idles or runs something of lower priority. Equal priority
    // waits for the running entity's slice to end.
    Kick unblock(Entity& entity, BlockReason reason);
    // arg_inval above max_priority. A ready entity goes to the back of its new level.
    // Kicks the CPU where it now preempts, or where it runs and is now outranked.
    [[nodiscard]] Result<Kick> set_priority(Entity& entity, Priority priority);
    // arg_inval outside [min_timeslice_ns, max_timeslice_ns]. Applies from its next
    // fresh slice; the one running now is not cut short.
    [[nodiscard]] Status set_timeslice(Entity& entity, Nanoseconds timeslice);
    // arg_inval for a CPU >= cpu_count(). A blocked or ready entity moves at once (kicks
    // the new CPU if it preempts there); a running one is kicked off its CPU and moves
    // when it has left it (finish_switch), so its registers are never live on two CPUs.
    [[nodiscard]] Result<Kick> set_affinity(Entity& entity, CpuIndex cpu);

    // ---- Only on CPU `cpu` ------------------------------------------------------------
    // Picks what `cpu` runs from `now` on: the current entity stays unless it blocked,
    // moved, is outranked, or its slice is over and an equal waits. May not be called
    // again before finish_switch() after a switch.
    Decision schedule(CpuIndex cpu, Ticks now);
    // After a switch, once the previous entity's registers are saved: puts it back on a
    // ready queue (its own CPU's, or its new affinity's) or marks it blocked. The kick is
    // for the CPU where it now preempts, which may be this one (schedule again before
    // idling). Nothing to do (Kick::none) when there was no switch.
    Kick finish_switch(CpuIndex cpu);
    // The slice timer fired (or a periodic tick): is the current slice over?
    TimerCheck timer_expired(CpuIndex cpu, Ticks now);
    // Ends the current entity's slice: the glue then calls schedule(), which runs an
    // equal-priority ready entity if there is one and otherwise the same one again with
    // a fresh slice. Never runs anything of lower priority.
    void yield(CpuIndex cpu);

    // ---- Queries (each takes the CPU's lock briefly; a snapshot) ----------------------
    [[nodiscard]] std::uint32_t cpu_count() const { return cpu_count_; }
    [[nodiscard]] Entity* current(CpuIndex cpu);
    [[nodiscard]] Entity* leaving(CpuIndex cpu);
    [[nodiscard]] std::size_t ready_count(CpuIndex cpu);
    [[nodiscard]] Ticks slice_end(CpuIndex cpu);
    // True while the entity is running or leaving a CPU (its registers may be live).
    [[nodiscard]] bool on_cpu(Entity& entity);
    // The entity's time slice in counter ticks (at least one).
    [[nodiscard]] Ticks slice_ticks(Nanoseconds timeslice) const;
    // The run queue of `cpu` is sound: its ready queue is consistent, holds only ready
    // entities of this CPU, and current / leaving are in those states here.
    [[nodiscard]] bool consistent(CpuIndex cpu);
    // Calls visit(entity) for each ready entity of `cpu`, in the order they would run,
    // with the lock held: visit must not call into the scheduler.
    template <typename F>
    void for_each_ready(CpuIndex cpu, F visit)
    {
        Locked<RunQueue> rq(queue(cpu));
        rq->ready_.for_each(visit);
    }

private:
    class LockedPair;

    RunQueue& queue(CpuIndex cpu);

    // Runs f(Locked<RunQueue>&) with the lock of the entity's run queue held.
    template <typename F>
    auto with_owner(Entity& entity, F f);

    // Would `entity`, ready on `rq`, take the CPU from what runs there?
    static Kick kick_if_preempts(const Locked<RunQueue>& rq, const Entity& entity);
    // Files an entity that has just left a CPU on `rq`, which now owns it.
    static Kick settle(Locked<RunQueue>& rq, Entity& entity);

    std::uint32_t cpu_count_ = 0;
    std::uint64_t counter_hz_ = 0;
    RunQueue queues_[HYP_MAX_CPUS];
};

}  // namespace hyp::sched
