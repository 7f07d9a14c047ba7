// Where a VM's console bytes go: to one output (the physical console, through whatever
// lock it needs), unchanged for the primary VM, and with every line of any other VM
// prefixed by its id ("[vm 2] ") so that interleaved consoles stay readable. Not
// thread-safe on its own: its owner (one vPL011) serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/core/format.h"

namespace hyp::virt {

class LineSink {
public:
    LineSink(fmt::Sink& out, std::uint32_t vm_id, bool primary);
    LineSink(const LineSink&) = delete;
    LineSink& operator=(const LineSink&) = delete;

    void put(char c);

    [[nodiscard]] bool primary() const { return prefix_length_ == 0; }

private:
    fmt::Sink& out_;
    char prefix_[24] = {};
    std::size_t prefix_length_ = 0;  // 0 for the primary VM: no prefix
    bool at_line_start_ = true;
};

}  // namespace hyp::virt
