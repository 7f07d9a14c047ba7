// What to do about a guest's abort or undefined instruction: the portable half of trap
// handling. The glue saves the guest's registers, reads ESR_EL2/FAR_EL2/HPFAR_EL2, calls
// one of these by exception class, and then either resumes the guest (the register file
// already says where) or injects the fault it is handed (fault_injection.h). Whatever
// the guest did, the outcome is one of those two: nothing here panics.
//
//   data abort (EC 0x24)   -> handle_data_abort: emulate on the MMIO bus, retry, skip a
//                             cache-maintenance op, or inject a synchronous external abort
//   instruction abort (0x20) -> handle_instruction_abort: retry or inject
//   anything not emulated  -> undefined_instruction(): inject UNDEFINED
#pragma once

#include <cstdint>

#include "kernel/virt/fault_injection.h"
#include "kernel/virt/guest_context.h"
#include "kernel/virt/mmio_bus.h"
#include "kernel/virt/mmio_decode.h"
#include "kernel/virt/vmmio_ranges.h"

namespace hyp::virt {

enum class TrapAction : std::uint8_t {
    resume,  // the register file is up to date: run the guest on
    inject,  // inject_fault(regs, outcome.fault, el1), write the EL1 registers, run on
    vmmio,   // a proxy-scheduled vCPU's access to a VMMIO range: stop, and let the thread
             // that runs it (vcpu_run) emulate it; outcome.access describes it, PC unchanged
};

// Why the outcome is what it is, for the glue's log and counters.
enum class TrapReason : std::uint8_t {
    emulated,           // a device did the access; PC stepped
    retried,            // the address is mapped now (a race with a stage-2 change)
    skipped,            // cache maintenance on an unmapped address: a no-op, PC stepped
    not_claimed,        // a well-described access no device covers
    device_abort,       // the device refused the access
    not_emulatable,     // the syndrome does not describe the access (see `decode`)
    fault,              // a fault that is not a missing mapping (permission, external...)
    wrong_class,        // the glue passed another exception class: treated as UNDEFINED
    undefined,          // UNDEFINED by request
    vmmio_exit,         // handed to the proxy (TrapAction::vmmio)
};

struct TrapOutcome {
    TrapAction action = TrapAction::inject;
    TrapReason reason = TrapReason::undefined;
    GuestFault fault{};                                // valid when action is inject
    DecodeStatus decode = DecodeStatus::not_data_abort;  // data aborts: what decoding said
    Ipa ipa{};                                         // the IPA, where the syndrome gave one
    // Kept at 48 bytes: a larger one is set up and copied through memcpy calls on the path
    // of every emulated access. TrapAction::vmmio's access is decode_data_abort()'s again.
};

// A data abort from the guest (ESR_EL2.EC 0x24). `vmmio` is given for a proxy-scheduled
// vCPU only (Gunyah forwards only a vcpu_run vCPU's faults): a well-described access no
// device claims, to an unmapped IPA wholly inside one of its ranges, is TrapAction::vmmio
// (the glue decodes the syndrome again for the access: only this rare path pays).
[[nodiscard]] TrapOutcome handle_data_abort(MmioBus& bus, const GuestMemory& memory, const RegisterFile& regs,
                                            const AbortSyndrome& syndrome, const VmmioRanges* vmmio = nullptr);

// The fault a VMMIO access gets when its proxy answers "fault" (vcpu_run resume action
// 2): the synchronous external abort an unclaimed access gets.
[[nodiscard]] TrapOutcome vmmio_fault(const AbortSyndrome& syndrome);

// An instruction abort from the guest (ESR_EL2.EC 0x20): there is nothing to emulate in
// an instruction fetch, so it is retried when racing a stage-2 change and injected
// otherwise (executing from a device or from nowhere).
[[nodiscard]] TrapOutcome handle_instruction_abort(const GuestMemory& memory, const AbortSyndrome& syndrome);

// Unknown system-register accesses (EC 0x18) and every other trap with no emulation:
// UNDEFINED at the trapped instruction.
[[nodiscard]] TrapOutcome undefined_instruction();

}  // namespace hyp::virt
