// Where a VM's console bytes go: to one output (the physical console, through whatever
// lock it needs), a whole line at a time, so that the consoles of VMs running side by
// side, and the hypervisor's own log, never split each other's lines. The primary VM's
// lines go out as they are; every other VM's start with its id ("[vm 2] "). A partial
// line (a shell prompt) goes out when its owner calls flush(): the run loop does when
// the vCPU waits, leaves its CPU, or reaches the end of a time slice, so nothing waits
// longer than a slice. A line longer than the buffer goes out in pieces. Not thread-safe
// on its own: its owner (one vPL011) serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/format.h"

namespace hyp::virt {

class LineSink {
public:
    LineSink(fmt::Sink& out, std::uint32_t vm_id, bool primary);
    // Unattached: drops every byte until attach().
    constexpr LineSink() = default;
    // Where the bytes go from now on (a VM's console is set up when its address space
    // is activated).
    void attach(fmt::Sink& out, std::uint32_t vm_id, bool primary);
    LineSink(const LineSink&) = delete;
    LineSink& operator=(const LineSink&) = delete;

    void put(char c);

    // Writes out the partial line, if there is one.
    void flush();
    // Whether a partial line waits: a hint read without the owner's lock (the run loop's
    // flush skips the lock when nothing waits; a byte written meanwhile is the next one's).
    [[nodiscard]] bool pending() const { return __atomic_load_n(&length_, __ATOMIC_RELAXED) > prefix_length_; }

    [[nodiscard]] bool primary() const { return prefix_length_ == 0; }
    // The primary VM's console from now on: lines as they are, with no prefix. A partial
    // line so far goes out first, with its prefix. The owner's lock is held.
    void make_primary();

private:
    fmt::Sink* out_ = nullptr;
    // The prefix, then the line so far: written in one piece.
    char line_[160] = {};
    std::size_t prefix_length_ = 0;  // 0 for the primary VM: no prefix
    std::size_t length_ = 0;
};

}  // namespace hyp::virt
