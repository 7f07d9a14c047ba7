// Diagnostic: why platform discovery or the runnability check failed, as one line of
// text in a fixed buffer. Discovery runs at cold boot before any allocator exists and
// possibly before the console does, so the caller keeps this and prints it when it can.
#pragma once

#include <cstddef>

#include "support/format.h"

namespace hyp::platform {

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

}  // namespace hyp::platform
