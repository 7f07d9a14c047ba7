// Running code at a lower exception level: guest_run() enters EL1 with the given
// registers and returns when the guest takes any exception to EL2, with the guest's
// registers saved back and the syndrome captured. The caller decides what to do
// (handle a hypercall and run again, fault the guest, stop it).
#pragma once

#include <cstdint>

namespace hyp::arch {

struct GuestRegs {
    std::uint64_t x[31] = {};
    std::uint64_t sp_el1 = 0;
    std::uint64_t elr = 0;   // where the guest resumes
    std::uint64_t spsr = 0;  // its PSTATE on resume
    // Captured at the exit:
    std::uint64_t esr = 0;
    std::uint64_t far = 0;
    std::uint64_t hpfar = 0;
};
static_assert(__builtin_offsetof(GuestRegs, sp_el1) == 31 * 8, "guest_entry.S GUEST_SP_EL1");
static_assert(__builtin_offsetof(GuestRegs, elr) == 32 * 8, "guest_entry.S GUEST_ELR");
static_assert(__builtin_offsetof(GuestRegs, esr) == 34 * 8, "guest_entry.S GUEST_ESR");

// Why guest_run returned: the vector the guest's exception came through.
enum class GuestExit : std::uint64_t { sync = 0, irq = 1, fiq = 2, serror = 3 };

// Needs TPIDR_EL2 to point at this CPU's PerCpu. Stage 2 (VTTBR_EL2, HCR_EL2) is the
// caller's business.
extern "C" GuestExit guest_run(GuestRegs* regs);

}  // namespace hyp::arch
