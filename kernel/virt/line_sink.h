// Where a VM's console bytes go: to one output (the physical console, through whatever
// lock it needs), unchanged and at once for the primary VM (its user types at it and
// must see a prompt that has no newline yet), and for any other VM a whole line at a
// time, prefixed by its id ("[vm 2] "), so that consoles running side by side stay
// readable. A line longer than the buffer goes out in pieces, each with the prefix. Not
// thread-safe on its own: its owner (one vPL011) serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/core/format.h"

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

    [[nodiscard]] bool primary() const { return prefix_length_ == 0; }

private:
    void flush();

    fmt::Sink* out_ = nullptr;
    // The prefix, then the line so far: written in one piece.
    char line_[160] = {};
    std::size_t prefix_length_ = 0;  // 0 for the primary VM: no prefix, no buffering
    std::size_t length_ = 0;
};

}  // namespace hyp::virt
