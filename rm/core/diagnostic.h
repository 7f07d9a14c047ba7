// Diagnostic: why one of the resource manager's boot steps refused, as one line of text
// in a fixed buffer. The RM has no heap and may not have a console yet when a step
// fails, so the caller keeps the message and prints it (then powers off) when it can.
// The same shape as the hypervisor's platform::Diagnostic, kept separate because rm/ is
// its own program and depends on kernel/core's portable headers only.
#pragma once

#include <cstddef>

#include "support/format.h"
#include "support/result.h"

namespace hyp::rm {

struct Diagnostic {
    static constexpr std::size_t capacity = 160;
    char message[capacity] = {};

    // Replaces the message; fmt placeholders ({} {:#x}), truncated to fit the buffer.
    template <typename... Args>
    void set(const char* format, const Args&... args)
    {
        fmt::format_buffer(message, capacity, format, args...);
    }

    void clear() { message[0] = '\0'; }
    [[nodiscard]] const char* c_str() const { return message; }
    [[nodiscard]] bool empty() const { return message[0] == '\0'; }
};

// Sets the message and returns the failure, so a refusal is one statement:
// `return refuse(diag, Error::arg_inval, "...", x);`
template <typename... Args>
[[nodiscard]] Failure refuse(Diagnostic& diag, Error error, const char* format, const Args&... args)
{
    diag.set(format, args...);
    return fail(error);
}

}  // namespace hyp::rm
