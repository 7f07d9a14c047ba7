// Stack-protector support for Debian's libfdt archive, which is built with
// -fstack-protector-strong. Our own code is not, but a smashed canary in libfdt must
// stop the machine loudly rather than return into garbage.
#include <cstdint>

#include "kernel/core/panic.h"

extern "C" {

// A fixed value: there is no entropy source this early, and the check guards against
// overruns, not attackers who can read our image.
constinit std::uintptr_t __stack_chk_guard = 0x2f8d6c1b9e3a4705ULL;

[[noreturn]] void __stack_chk_fail()
{
    HYP_PANIC("stack protector: stack corrupted in libfdt");
}

}  // extern "C"
