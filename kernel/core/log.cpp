// The kernel log (see log.h): each message is formatted into a line buffer first and
// written under the console lock, so lines from different CPUs never interleave.
#include "kernel/core/log.h"

#include <arch/cpu.h>

#include "kernel/core/spinlock.h"
#include "platform/console.h"

namespace hyp::log {
namespace {

constinit SpinLock console_lock;
constinit Level max_level = Level::info;

constexpr std::size_t line_capacity = 256;

class LockedConsole final : public fmt::Sink {
public:
    void write(const char* text, std::size_t length) override
    {
        LockGuard guard{console_lock};
        platform::console_write_raw(text, length);
    }
};

constinit LockedConsole locked_console;

const char* prefix(Level level)
{
    switch (level) {
    case Level::error: return "error: ";
    case Level::warn: return "warning: ";
    case Level::info: return "";
    case Level::debug: return "debug: ";
    }
    return "";
}

}  // namespace

void set_level(Level lvl) { max_level = lvl; }

Level level() { return max_level; }

void write(Level lvl, const char* format, const fmt::Arg* args, std::size_t count)
{
    if (static_cast<int>(lvl) > static_cast<int>(max_level)) {
        return;
    }
    char line[line_capacity];
    fmt::BufferSink sink{line, sizeof line};
    fmt::format_to(sink, "{}", prefix(lvl));
    fmt::vformat(sink, format, args, count);
    std::size_t length = sink.length();
    if (sink.truncated() && length >= 3) {
        line[length - 3] = line[length - 2] = line[length - 1] = '.';  // show where it was cut
    }
    LockGuard guard{console_lock};
    platform::console_write(line, length);
    platform::console_write("\n", 1);
}

fmt::Sink& console() { return locked_console; }

void write_unlocked(const char* text, std::size_t length) { platform::console_write(text, length); }

}  // namespace hyp::log
