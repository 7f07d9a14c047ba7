// The kernel log: whole lines to the console, one CPU at a time, with a level.
// `log::info("cpus online: {}/{}", n, m);`
#pragma once

#include <cstddef>

#include "support/format.h"

namespace hyp::log {

enum class Level { error, warn, info, debug };

// Messages above this level are dropped (set once at boot, e.g. from the command line).
void set_level(Level level);
[[nodiscard]] Level level();

void write(Level level, const char* format, const fmt::Arg* args, std::size_t count);

template <typename... Args>
void print(Level lvl, const char* format, const Args&... args)
{
    if constexpr (sizeof...(Args) == 0) {
        write(lvl, format, nullptr, 0);
    } else {
        const fmt::Arg captured[] = {fmt::Arg(args)...};
        write(lvl, format, captured, sizeof...(Args));
    }
}

template <typename... Args>
void error(const char* format, const Args&... args) { print(Level::error, format, args...); }
template <typename... Args>
void warn(const char* format, const Args&... args) { print(Level::warn, format, args...); }
template <typename... Args>
void info(const char* format, const Args&... args) { print(Level::info, format, args...); }
template <typename... Args>
void debug(const char* format, const Args&... args) { print(Level::debug, format, args...); }

// The console as a byte sink, for guests' consoles (kernel/virt/line_sink.h): bytes as
// they are (no "\n" -> "\r\n": a guest sends its own line ends), each write under the
// console lock, so it never lands inside a kernel log line.
[[nodiscard]] fmt::Sink& console();

// For panic and the exception reporter: write without taking the console lock,
// because the CPU that holds it may be the one that crashed.
void write_unlocked(const char* text, std::size_t length);

}  // namespace hyp::log
