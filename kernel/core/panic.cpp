// panic on the target: print where and why, then power the machine off so that
// nothing runs on in an unknown state (and QEMU exits instead of hanging a test).
#include "kernel/core/panic.h"

#include <arch/cpu.h>
#include <arch/psci.h>
#include <arch/sysreg.h>

#include "kernel/core/log.h"

namespace hyp {
namespace {

// Unlocked output: the CPU that panics may hold the console lock.
class ConsoleSink final : public fmt::Sink {
public:
    void write(const char* text, std::size_t length) override { log::write_unlocked(text, length); }
};

constinit std::uint32_t panicking = 0;

}  // namespace

void panic_with(const char* file, int line, const char* format, const fmt::Arg* args, std::size_t count)
{
    arch::mask_all_exceptions();
    ConsoleSink sink;
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL) != 0) {
        // Another CPU is already reporting; let it finish and power off.
        for (;;) {
            arch::wfe();
        }
    }
    fmt::format_to(sink, "\nPANIC on cpu {} at {}:{}: ", arch::current_cpu_index(), file, line);
    fmt::vformat(sink, format, args, count);
    fmt::format_to(sink, "\nhyp: halted; powering off\n");
    arch::psci::system_off();
}

}  // namespace hyp
