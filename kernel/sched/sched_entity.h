// The schedulable entity: what the scheduler knows about a thread (a vCPU is a thread).
// The thread object embeds one; the scheduler never allocates or frees it.
//
// Numbers are Gunyah's FPRR scheduler (hyp/core/scheduler_fprr/scheduler_fprr.tc):
// 64 priorities, 0 lowest .. 63 highest, default 64 / 2 = 32; time slices from 100 us to
// 100 ms, default 5 ms. docs/scheduler.md says where each was checked.
//
// Every field below is guarded by the lock of the run queue named by cpu(); see the lock
// order at the top of scheduler.h. The accessors take no lock, so use them where nobody
// else can change the entity: inside the scheduler, during setup or teardown, or in
// tests once other threads have joined. cpu() alone may be read at any time.
#pragma once

#include <cstdint>

#include "support/list.h"

namespace hyp::sched {

using Priority = std::uint32_t;     // u32 in the ABI (vcpu_set_priority)
using CpuIndex = std::uint32_t;     // logical CPU index, as PerCpu::index
using Ticks = std::uint64_t;        // absolute system counter value (CNTPCT_EL0)
using Nanoseconds = std::uint64_t;  // the ABI's unit for time slices

inline constexpr std::uint32_t num_priorities = 64;
inline constexpr Priority min_priority = 0;
inline constexpr Priority max_priority = num_priorities - 1;
inline constexpr Priority default_priority = num_priorities / 2;

inline constexpr Nanoseconds min_timeslice_ns = 100'000;        // 100 us
inline constexpr Nanoseconds max_timeslice_ns = 100'000'000;    // 100 ms
inline constexpr Nanoseconds default_timeslice_ns = 5'000'000;  // 5 ms

inline constexpr CpuIndex no_cpu = ~CpuIndex{0};
inline constexpr Ticks no_deadline = ~Ticks{0};  // "never": no timer to program

// Why an entity may not run. It runs only when no reason is left, so independent
// parts of the kernel (power, WFI, suspend, teardown) can each hold it off without
// knowing about one another.
enum class BlockReason : std::uint8_t {
    inactive,     // set at creation: the thread object is not yet active
    powered_off,  // vCPU not powered on (never, or PSCI CPU_OFF)
    wfi,          // the guest waits for an interrupt
    suspended,    // PSCI CPU_SUSPEND, system suspend
    killed,       // vcpu_kill / teardown: never cleared
    proxy,        // a proxy-scheduled vCPU (vcpu_run): never run by the scheduler itself
};
inline constexpr unsigned block_reason_count = 6;

class BlockReasons {
public:
    constexpr BlockReasons() = default;
    [[nodiscard]] static constexpr BlockReasons of(BlockReason reason)
    {
        BlockReasons r;
        r.add(reason);
        return r;
    }

    constexpr void add(BlockReason reason) { bits_ |= mask(reason); }
    constexpr void remove(BlockReason reason) { bits_ &= ~mask(reason); }
    [[nodiscard]] constexpr bool has(BlockReason reason) const { return (bits_ & mask(reason)) != 0; }
    [[nodiscard]] constexpr bool none() const { return bits_ == 0; }
    [[nodiscard]] constexpr std::uint32_t bits() const { return bits_; }
    constexpr bool operator==(const BlockReasons&) const = default;

private:
    static constexpr std::uint32_t mask(BlockReason reason)
    {
        return std::uint32_t{1} << static_cast<unsigned>(reason);
    }
    std::uint32_t bits_ = 0;
};

// Where an entity is. Exactly one holds at any time (docs/scheduler.md has the picture):
enum class EntityState : std::uint8_t {
    blocked,  // some block reason; on no queue and no CPU; cpu() == affinity()
    ready,    // on the ready queue of cpu(); no block reason; cpu() == affinity()
    running,  // the current entity of cpu(). May carry block reasons or a new affinity
              // for a moment: it leaves at that CPU's next schedule(), which was kicked.
    leaving,  // schedule(cpu()) switched away from it but its registers may still be live
              // on that CPU; finish_switch(cpu()) puts it on a queue or marks it blocked.
};

class Entity {
public:
    // Starts blocked (`inactive`) on CPU `cpu`: Gunyah pins threads to one CPU, and the
    // thread layer activates (unblocks) it once configured.
    explicit constexpr Entity(CpuIndex cpu = 0) : cpu_{cpu}, affinity_{cpu}
    {
        reasons_.add(BlockReason::inactive);
    }
    Entity(const Entity&) = delete;
    Entity& operator=(const Entity&) = delete;

    [[nodiscard]] Priority priority() const { return priority_; }
    [[nodiscard]] Nanoseconds timeslice_ns() const { return timeslice_ns_; }
    [[nodiscard]] EntityState state() const { return state_; }
    [[nodiscard]] BlockReasons block_reasons() const { return reasons_; }
    [[nodiscard]] bool runnable() const { return reasons_.none(); }
    // The CPU it should run on; cpu() catches up when it next leaves a CPU.
    [[nodiscard]] CpuIndex affinity() const { return affinity_; }
    // The run queue that owns it (whose lock guards these fields).
    [[nodiscard]] CpuIndex cpu() const { return __atomic_load_n(&cpu_, __ATOMIC_RELAXED); }

private:
    friend class ReadyQueue;
    friend class Scheduler;

    // Written only with the locks of both the old and the new run queue held, and read
    // before taking a lock to find which one to take, hence atomic (relaxed: the lock
    // taken afterwards orders everything, and the reader checks the value again).
    void move_to_cpu(CpuIndex cpu) { __atomic_store_n(&cpu_, cpu, __ATOMIC_RELAXED); }

    ListNode run_node_;  // on a ReadyQueue level while ready
    CpuIndex cpu_;
    CpuIndex affinity_;
    Priority priority_ = default_priority;
    Nanoseconds timeslice_ns_ = default_timeslice_ns;
    Ticks remaining_ = 0;  // unused part of a slice it was preempted in; 0 = start afresh
    BlockReasons reasons_;
    EntityState state_ = EntityState::blocked;
};

}  // namespace hyp::sched
