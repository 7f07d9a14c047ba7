// One vCPU's thread: GH_VCPU_RUN in a loop, serving its MMIO exits (the console's
// window; anything else reads as 0, logged and counted) until the VM stops, which it
// reports to the RunMonitor the main thread waits on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>

#include "vmm/fd.h"

struct gh_vcpu_run;

namespace vmm {

class Console;

// Across all vCPUs, for the summary line at exit.
struct ExitCounts {
    std::atomic<std::uint64_t> mmio{0};
    std::atomic<std::uint64_t> console{0};
    std::atomic<std::uint64_t> unhandled{0};
    std::atomic<std::uint64_t> status{0};
    std::atomic<std::uint64_t> unknown{0};
    std::atomic<std::uint64_t> retried{0};  // GH_VCPU_RUN answered EINTR or EAGAIN
};

// How the run ended: the first STATUS exit, or a vCPU whose GH_VCPU_RUN failed.
struct RunOutcome {
    bool failed = false;  // an ioctl failed (already reported)
    unsigned vcpu = 0;
    std::uint32_t status = 0;
    std::uint16_t type = 0;
    std::uint32_t reason_size = 0;
    std::uint8_t reason[8] = {};
};

class RunMonitor {
public:
    // The first report wins; later ones (the other vCPUs seeing the same end) are dropped.
    void report(const RunOutcome& outcome);
    RunOutcome wait();
    bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

private:
    std::mutex lock_;
    std::condition_variable changed_;
    bool done_ = false;  // under lock_
    RunOutcome outcome_; // under lock_
    std::atomic<bool> stopping_{false};
};

class Vcpu {
public:
    Vcpu(unsigned id, Fd fd) : id_(id), fd_(std::move(fd)) {}
    ~Vcpu();
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    // mmaps the run structure (GH_VCPU_MMAP_SIZE bytes); reports a failure itself.
    [[nodiscard]] bool map(std::size_t size);
    // Runs the vCPU on a thread of its own, detached: the process ends without joining
    // threads that may be inside GH_VCPU_RUN. Console, monitor and counts must outlive it.
    void start(Console& console, RunMonitor& monitor, ExitCounts& counts);

private:
    void loop(Console& console, RunMonitor& monitor, ExitCounts& counts);
    void serve_mmio(Console& console, ExitCounts& counts);

    unsigned id_;
    Fd fd_;
    gh_vcpu_run* run_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace vmm
