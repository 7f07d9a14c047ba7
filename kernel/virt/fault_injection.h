// Injecting a synchronous exception into a guest: what the Arm ARM's exception entry to
// EL1 would have done had the fault been taken there, computed from the trapped
// context's PSTATE and PC and the guest's VBAR_EL1/SCTLR_EL1. The glue writes ELR_EL1,
// SPSR_EL1, ESR_EL1 and FAR_EL1 from the result and resumes the guest at the new PC and
// PSTATE; nothing here touches a register.
//
// Supported: AArch64 guests at EL0 (vector "lower EL using AArch64", +0x400), EL1 with
// SP_EL0 (EL1t, "current EL with SP0", +0x000) and EL1 with SP_EL1 (EL1h, "current EL
// with SPx", +0x200). An AArch32 context, or a mode a guest cannot be in, gives
// `supported = false`: nothing to write, and the glue stops the vCPU instead.
#pragma once

#include <cstdint>

#include "kernel/virt/guest_context.h"

namespace hyp::virt {

// Optional CPU features that change what exception entry does to PSTATE; the glue fills
// them from the ID registers it lets the guest see. A feature the guest cannot have must
// be false here, or a RES0 PSTATE bit would be set.
struct GuestFeatures {
    bool pan = false;   // FEAT_PAN: PSTATE.PAN set on entry when SCTLR_EL1.SPAN is 0
    bool ssbs = false;  // FEAT_SSBS: PSTATE.SSBS = SCTLR_EL1.DSSBS on entry
    bool mte = false;   // FEAT_MTE: PSTATE.TCO set on entry
};

// The guest's EL1 registers that exception entry reads; live in hardware while the vCPU
// is loaded, so the glue reads them only when it has a fault to inject.
struct El1State {
    std::uint64_t vbar = 0;   // VBAR_EL1
    std::uint64_t sctlr = 0;  // SCTLR_EL1
    GuestFeatures features{};
};

enum class FaultKind : std::uint8_t {
    data_abort,         // synchronous external abort on a data access (EC 0x24/0x25)
    instruction_abort,  // synchronous external abort on an instruction fetch (EC 0x20/0x21)
    undefined,          // UNDEFINED instruction (EC 0x00, "unknown reason")
};

struct GuestFault {
    FaultKind kind = FaultKind::undefined;
    std::uint64_t address = 0;   // aborts: the virtual address (FAR_EL2 of the trap)
    bool address_valid = true;   // aborts: false reports FnV and leaves FAR_EL1 alone
    bool write = false;          // data aborts: WnR
};

struct Injection {
    bool supported = false;
    // For the glue to write into the guest's EL1 registers:
    std::uint64_t elr_el1 = 0;   // the faulting instruction: the handler may return to it
    std::uint64_t spsr_el1 = 0;  // PSTATE at the fault
    std::uint64_t esr_el1 = 0;
    std::uint64_t far_el1 = 0;
    bool write_far = false;      // FAR_EL1 is UNKNOWN for the others: left as it is
    // Where the guest resumes (the glue's ELR_EL2 and SPSR_EL2):
    std::uint64_t pc = 0;
    std::uint64_t pstate = 0;
};

[[nodiscard]] Injection compute_injection(std::uint64_t pstate, std::uint64_t pc, const GuestFault& fault,
                                          const El1State& el1);

// compute_injection() on the register file's PC and PSTATE; when supported, also moves
// the register file to the new PC and PSTATE. The glue then writes the four EL1
// registers from the result.
[[nodiscard]] Injection inject_fault(const RegisterFile& regs, const GuestFault& fault, const El1State& el1);

// The ESR_EL1 value of an injected fault taken from `from_el0` (a lower EL) or from EL1.
[[nodiscard]] std::uint64_t injected_esr(const GuestFault& fault, bool from_el0);

}  // namespace hyp::virt
