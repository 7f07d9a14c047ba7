// What the compilers and Debian's libfdt archive expect of a C/C++ runtime, for the
// resource manager: the stack protector's guard and failure (libfdt is built with
// -fstack-protector-strong) and the pure-virtual trap. Each reports and powers off.
#include <cstdint>

#include "rm/main.h"

extern "C" {

// A fixed value: the check guards against overruns, not against attackers who can read
// the RM's image.
constinit std::uintptr_t __stack_chk_guard = 0x5a3c96e1d2b4f087ULL;

[[noreturn]] void __stack_chk_fail() { hyp::rm::fatal("stack protector: stack corrupted in libfdt"); }

[[noreturn]] void __cxa_pure_virtual() { hyp::rm::fatal("pure virtual function called"); }

}  // extern "C"
