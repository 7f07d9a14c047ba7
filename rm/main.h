// The resource manager program's entry points from assembly (rm/boot/entry.S,
// vectors.S) and its last resort. Target only.
#pragma once

#include <cstdint>

#include "hyp_api/rm_boot_info.h"

extern "C" {
// Called once by entry.S, relocated, with BSS zeroed and a stack; x0 = boot info.
[[noreturn]] void rm_main(const rm_boot_info* info);
// Called by vectors.S for any exception: the vector's index (0..15), ESR_EL1, FAR_EL1,
// ELR_EL1 and SPSR_EL1. Prints them and powers off.
[[noreturn]] void rm_exception(std::uint64_t vector, std::uint64_t esr, std::uint64_t far, std::uint64_t elr,
                               std::uint64_t spsr);
}

namespace hyp::rm {

// Prints "RM: fatal: <what>; powering off" and asks for PSCI SYSTEM_OFF.
[[noreturn]] void fatal(const char* what);

}  // namespace hyp::rm
