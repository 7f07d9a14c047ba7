// Hypercall dispatch: from the registers of a trapped HVC (or SMC) to a handler and
// back. Portable: the trap code in arch/ hands in the caller's x0..x7 and, for the
// native form, the HVC immediate; the host tests call the same functions.
//
// Two call forms reach the same handlers (shared/reference/gunyah-abi.md):
//   SMCCC   HVC #0 / SMC #0, x0 = 0xC6008000 + n, arguments in x1..x7
//   native  HVC #(0x6000 + n), arguments in x0..x7
// Results go back in x0..x3 with the Gunyah error in x0. Anything not recognised returns
// SMCCC NOT_SUPPORTED (-1) and changes nothing.
#pragma once

#include <cstdint>

#include "support/error.h"

namespace hyp {
class CSpace;
class Vcpu;
}

namespace hyp::hypercall {

// Arguments in ABI order (arg[0] is the first listed input), whichever form was used.
struct Args {
    std::uint64_t arg[8] = {};
};

// x0..x3 for every call; x4 too for the few that say so (vcpu_run and vcpu_run_check's
// third state word): the others leave the caller's x4 alone.
struct Return {
    std::uint64_t x[5] = {};
    std::uint8_t count = 4;  // result registers to write: 4, or 5
};

// Who is calling: what its capabilities are looked up in. The dispatcher refuses every
// cap-taking call from a caller without a cspace, so handlers may rely on it.
struct Caller {
    CSpace* cspace = nullptr;
    Vcpu* vcpu = nullptr;  // the calling vCPU (null in host tests that call as nobody)
    // Set by scheduler_yield: the run loop ends the caller's time slice on return.
    bool yield_requested = false;
    // The physical CPU the call runs on (vcpu_run runs its target there).
    std::uint32_t cpu = 0;
    // Set by vcpu_run when its target is claimed and ready: the run loop runs it in the
    // caller's place, then writes the caller's x0..x4 itself. A reference is held, which
    // the run loop drops.
    Vcpu* run_target = nullptr;
};

using Handler = Return (*)(Caller& caller, const Args& args);

struct Entry {
    Handler handler = nullptr;
    std::uint8_t arg_count = 0;  // inputs the call takes; the rest are ignored
    // Index of an input that is reserved and must be zero (R0), or none.
    std::int8_t reserved_zero = -1;
};

// The table, indexed by hypercall number n; a null handler is a gap.
[[nodiscard]] const Entry* lookup(std::uint32_t number);

// x0..x7 of an SMCCC call (HVC #0 or trapped SMC); x0 is the function id.
[[nodiscard]] Return dispatch_smccc(Caller& caller, const std::uint64_t (&regs)[8]);
// x0..x7 of a native call HVC #imm.
[[nodiscard]] Return dispatch_native(Caller& caller, std::uint32_t imm, const std::uint64_t (&regs)[8]);

[[nodiscard]] inline Return error_return(Error e)
{
    Return r;
    r.x[0] = static_cast<std::uint64_t>(static_cast<std::int64_t>(e));
    return r;
}

[[nodiscard]] inline Return ok_return(std::uint64_t x1 = 0, std::uint64_t x2 = 0, std::uint64_t x3 = 0)
{
    Return r;
    r.x[1] = x1;
    r.x[2] = x2;
    r.x[3] = x3;
    return r;
}

// x0..x4 of vcpu_run / vcpu_run_check: OK and a run report.
[[nodiscard]] inline Return run_return(std::uint64_t state, std::uint64_t d0, std::uint64_t d1, std::uint64_t d2)
{
    Return r;
    r.x[1] = state;
    r.x[2] = d0;
    r.x[3] = d1;
    r.x[4] = d2;
    r.count = 5;
    return r;
}

// The feature flags word 0 that hyp_identify reports: only what is implemented.
[[nodiscard]] std::uint64_t implemented_features0();

// hyp_debug_stats (ours, not Gunyah's: docs/objects.md): answers only when the command
// line asked for it (hyp.debug_calls=1); otherwise it is a gap like any unknown number.
void enable_debug_calls(bool on);
[[nodiscard]] bool debug_calls_enabled();

}  // namespace hyp::hypercall
