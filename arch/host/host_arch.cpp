// The host backend of the interfaces portable kernel code reaches hardware through:
// the console writes to stdout (so a failing test shows the log), and panic aborts
// the test process with the message, where Catch2 and the sanitizers report it.
#include <cstdio>
#include <cstdlib>

#include "support/format.h"
#include "kernel/core/panic.h"
#include "kernel/sched/kick.h"
#include "platform/console.h"

namespace hyp {
namespace platform {

void console_write(const char* text, std::size_t length) { std::fwrite(text, 1, length, stdout); }

void console_write_raw(const char* text, std::size_t length) { std::fwrite(text, 1, length, stdout); }

void console_use_pl011(std::uintptr_t) {}

bool console_enable_input() { return false; }

int console_read() { return -1; }

}  // namespace platform

namespace {
class StderrSink final : public fmt::Sink {
public:
    void write(const char* text, std::size_t length) override { std::fwrite(text, 1, length, stderr); }
};
}  // namespace

void panic_with(const char* file, int line, const char* format, const fmt::Arg* args, std::size_t count)
{
    StderrSink sink;
    fmt::format_to(sink, "PANIC at {}:{}: ", file, line);
    fmt::vformat(sink, format, args, count);
    fmt::format_to(sink, "\n");
    std::abort();
}

}  // namespace hyp

// Kicks go nowhere on the host: the scheduler tests read them from the calls' results and
// from Vcpu::take_kick(). They are counted so a test can see that one was sent.
namespace hyp::sched {
namespace {
std::uint64_t delivered = 0;
std::uint64_t poked = 0;
}  // namespace

void poke(CpuIndex cpu)
{
    if (cpu != no_cpu) {
        __atomic_fetch_add(&poked, 1, __ATOMIC_RELAXED);
    }
}

std::uint64_t pokes_sent() { return __atomic_load_n(&poked, __ATOMIC_RELAXED); }

void deliver(Kick kick)
{
    if (kick.needed()) {
        __atomic_fetch_add(&delivered, 1, __ATOMIC_RELAXED);
    }
}

std::uint64_t kicks_delivered() { return __atomic_load_n(&delivered, __ATOMIC_RELAXED); }

bool handling_exit_of(const Entity&) { return false; }  // no run loop on the host
}  // namespace hyp::sched
