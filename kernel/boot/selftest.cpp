// Finding and running self-tests (see selftest.h).
#include "kernel/boot/selftest.h"

#include "support/cmdline.h"
#include "kernel/core/log.h"

extern "C" const hyp::SelfTest __selftests_start[], __selftests_end[];

namespace hyp {
namespace {

const SelfTest* first() { return &__selftests_start[0]; }
const SelfTest* last() { return &__selftests_end[0]; }

}  // namespace

void run_selftest(const char* name, unsigned long name_length)
{
    fmt::StrView wanted{name, name_length};
    for (const SelfTest* t = first(); t != last(); ++t) {
        if (cmdline::equals(wanted, t->name)) {
            log::info("selftest {}: start", t->name);
            t->run();
            log::info("selftest {}: done", t->name);
            return;
        }
    }
    if (first() == last()) {
        log::error("selftest {} requested, but this image has no self-tests (boot hyp-selftest.bin)", wanted);
        return;
    }
    log::error("no selftest named \"{}\"; this image has:", wanted);
    for (const SelfTest* t = first(); t != last(); ++t) {
        log::error("  {}", t->name);
    }
}

}  // namespace hyp
