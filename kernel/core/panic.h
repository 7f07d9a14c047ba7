// Fatal errors. HYP_PANIC prints where and why, then stops the whole machine:
// the hypervisor has no one to return an error to. HYP_ASSERT checks invariants.
#pragma once

#include <cstddef>

#include "support/format.h"

namespace hyp {

[[noreturn]] void panic_with(const char* file, int line, const char* format, const fmt::Arg* args,
                             std::size_t count);

template <typename... Args>
[[noreturn]] void panic_at(const char* file, int line, const char* format, const Args&... args)
{
    if constexpr (sizeof...(Args) == 0) {
        panic_with(file, line, format, nullptr, 0);
    } else {
        const fmt::Arg captured[] = {fmt::Arg(args)...};
        panic_with(file, line, format, captured, sizeof...(Args));
    }
}

}  // namespace hyp

#define HYP_PANIC(...) ::hyp::panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define HYP_ASSERT(condition)                                             \
    do {                                                                  \
        if (!(condition)) [[unlikely]] {                                  \
            ::hyp::panic_at(__FILE__, __LINE__, "assertion failed: {}", #condition); \
        }                                                                 \
    } while (false)
