// The hypercall trap: what the exception handler calls when a lower EL executed HVC, or
// SMC with HCR_EL2.TSC set. Decodes the syndrome, dispatches, and writes the results
// into the caller's saved registers. Portable, so the host tests drive it with
// hand-made syndromes.
#pragma once

#include <cstdint>

#include "kernel/hypercall/hypercall.h"

namespace hyp::hypercall {

// ESR_EL2 exception classes of the two conduits (Arm ARM D17.2.37).
inline constexpr std::uint64_t esr_ec_shift = 26;
inline constexpr std::uint64_t esr_ec_mask = 0x3f;
inline constexpr std::uint64_t esr_ec_hvc64 = 0x16;
inline constexpr std::uint64_t esr_ec_smc64 = 0x17;
inline constexpr std::uint64_t esr_imm16_mask = 0xffff;

// The saved state a hypercall reads and writes: x0..x7 in, x0..x3 (x4) out, and the return
// address (a trapped SMC returns to itself; HVC to the next instruction).
struct TrapFrame {
    std::uint64_t* x;    // x0..x30 of the caller
    std::uint64_t* elr;  // its ELR_EL2
};

enum class TrapResult {
    handled,        // results written; resume the caller
    not_hypercall,  // some other exception class: not ours
};

[[nodiscard]] TrapResult handle_hypercall_trap(Caller& caller, std::uint64_t esr, TrapFrame frame);

}  // namespace hyp::hypercall
