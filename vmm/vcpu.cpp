// The vCPU threads (see vcpu.h).
#include "vmm/vcpu.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <thread>

#include "vmm/console.h"
#include "vmm/gunyah_abi.h"
#include "vmm/mmio_data.h"

namespace vmm {
namespace {

// A guest probing absent devices in a loop must not flood the console: the first few are
// logged, all are counted and the count is printed at exit.
constexpr std::uint64_t logged_unhandled_max = 16;
constexpr std::uint64_t logged_unknown_max = 4;
std::atomic<std::uint64_t> unhandled_logged{0};
std::atomic<std::uint64_t> unknown_logged{0};

}  // namespace

void RunMonitor::report(const RunOutcome& outcome)
{
    {
        std::lock_guard<std::mutex> held(lock_);
        if (done_) {
            return;
        }
        done_ = true;
        outcome_ = outcome;
    }
    stopping_.store(true, std::memory_order_relaxed);
    changed_.notify_all();
}

RunOutcome RunMonitor::wait()
{
    std::unique_lock<std::mutex> held(lock_);
    changed_.wait(held, [this] { return done_; });
    return outcome_;
}

Vcpu::~Vcpu()
{
    if (run_ != nullptr) {
        ::munmap(run_, size_);
    }
}

bool Vcpu::map(std::size_t size)
{
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) {
        const int e = errno;
        std::fprintf(stderr, "vmm: vCPU %u: mmap of its run structure (%zu bytes): %s\n", id_, size, std::strerror(e));
        return false;
    }
    run_ = static_cast<gh_vcpu_run*>(p);
    size_ = size;
    return true;
}

void Vcpu::start(Console& console, RunMonitor& monitor, ExitCounts& counts)
{
    std::thread([this, &console, &monitor, &counts] { loop(console, monitor, counts); }).detach();
}

void Vcpu::serve_mmio(Console& console, ExitCounts& counts)
{
    ++counts.mmio;
    auto& mmio = run_->mmio;
    if (Console::contains(mmio.phys_addr)) {
        ++counts.console;
        console.mmio(mmio.phys_addr, mmio.is_write != 0, mmio.len, mmio.data);
        return;
    }
    ++counts.unhandled;
    const unsigned len = mmio.len > sizeof mmio.data ? sizeof mmio.data : mmio.len;
    if (const std::uint64_t n = unhandled_logged.fetch_add(1); n < logged_unhandled_max) {
        if (mmio.is_write != 0) {
            std::fprintf(stderr, "vmm: vCPU %u: unhandled MMIO write of %#" PRIx64 " (%u bytes) at %#" PRIx64 "\n", id_,
                         mmio_load(mmio.data, len), mmio.len, static_cast<std::uint64_t>(mmio.phys_addr));
        } else {
            std::fprintf(stderr, "vmm: vCPU %u: unhandled MMIO read (%u bytes) at %#" PRIx64 ": reads 0\n", id_,
                         mmio.len, static_cast<std::uint64_t>(mmio.phys_addr));
        }
        if (n + 1 == logged_unhandled_max) {
            std::fprintf(stderr, "vmm: further unhandled MMIO accesses are counted, not logged\n");
        }
    }
    if (mmio.is_write == 0) {
        mmio_store(mmio.data, len, 0);
    }
}

void Vcpu::loop(Console& console, RunMonitor& monitor, ExitCounts& counts)
{
    run_->immediate_exit = 0;
    while (!monitor.stopping()) {
        if (::ioctl(fd_.get(), GH_VCPU_RUN, nullptr) < 0) {
            const int e = errno;
            if (e == EINTR || e == EAGAIN) {
                ++counts.retried;
                continue;
            }
            std::fprintf(stderr, "vmm: vCPU %u: GH_VCPU_RUN: %s\n", id_, std::strerror(e));
            RunOutcome failed;
            failed.failed = true;
            failed.vcpu = id_;
            monitor.report(failed);
            return;
        }
        switch (run_->exit_reason) {
        case GH_VCPU_EXIT_MMIO:
            serve_mmio(console, counts);
            break;
        case GH_VCPU_EXIT_STATUS: {
            ++counts.status;
            RunOutcome end;
            end.vcpu = id_;
            end.status = static_cast<std::uint32_t>(run_->status.status);
            end.type = run_->status.exit_info.type;
            end.reason_size = run_->status.exit_info.reason_size;
            std::memcpy(end.reason, run_->status.exit_info.reason, sizeof end.reason);
            monitor.report(end);
            return;
        }
        default:
            // Nothing to serve: run again, but say so, since the driver should not do it.
            ++counts.unknown;
            if (unknown_logged.fetch_add(1) < logged_unknown_max) {
                std::fprintf(stderr, "vmm: vCPU %u: exit reason %u is not one the VMM knows: running it again\n", id_,
                             run_->exit_reason);
            }
            break;
        }
    }
}

}  // namespace vmm
