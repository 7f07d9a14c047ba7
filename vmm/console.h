// The guest's console: the PL011 model at platform.h's address, its output on stdout,
// its input from stdin, its interrupt rung through the irqfd (an eventfd the driver
// turns into the console-rx doorbell, an edge on the guest's SPI).
//
// Threads: the vCPU threads (mmio) and the stdin thread (input) share the model under
// `lock_`, the only lock here; the irqfd is written after it is dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "vmm/pl011.h"
#include "vmm/platform.h"

namespace vmm {

class Console {
public:
    explicit Console(int irqfd);
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    static bool contains(std::uint64_t ipa) { return ipa >= console_base && ipa - console_base < console_size; }
    // A vCPU's access to the console's window: `data` as gh_vcpu_run's mmio.data.
    void mmio(std::uint64_t ipa, bool is_write, unsigned len, std::uint8_t* data);

    // Starts the thread that feeds stdin to the guest; it stops at end of file. The
    // thread is detached: the process ends without waiting for a read that may never
    // return.
    void start_input();

    std::uint64_t bad_accesses();
    std::uint64_t lost_output() const { return lost_output_; }

private:
    void read_input();
    void ring();
    void emit(std::uint8_t byte);

    int irqfd_;
    std::mutex lock_;
    std::condition_variable room_;  // the RX FIFO has room again
    Pl011 uart_;                    // under lock_
    std::atomic<std::uint64_t> lost_output_{0};
};

}  // namespace vmm
