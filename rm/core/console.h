// The resource manager's console: lines of text, each starting with "RM: ", written one
// character at a time to wherever the program says (the PL011 data register on the
// target, a string in the host tests). Formatting is support/format's, which is
// portable and freestanding. No buffering and no locks: the RM runs on one vCPU.
#pragma once

#include <cstddef>

#include "support/format.h"

namespace hyp::rm {

// Where the characters go.
class CharOut {
public:
    virtual void put(char c) = 0;

protected:
    ~CharOut() = default;
};

class Console final : public fmt::Sink {
public:
    static constexpr char prefix[] = "RM: ";

    constexpr Console() = default;
    constexpr explicit Console(CharOut* out) : out_{out} {}

    // Output goes nowhere until attached (the UART's address comes from boot info).
    void attach(CharOut* out) { out_ = out; }
    [[nodiscard]] bool attached() const { return out_ != nullptr; }

    // One or more whole lines: each gets the prefix, the last a newline.
    template <typename... Args>
    void print(const char* format, const Args&... args)
    {
        fmt::format_to(*this, format, args...);
        end_line();
    }

    // fmt::Sink: text with the prefix written before the first character of each line.
    void write(const char* text, std::size_t length) override;

private:
    void end_line();

    CharOut* out_ = nullptr;
    bool at_line_start_ = true;
};

}  // namespace hyp::rm
