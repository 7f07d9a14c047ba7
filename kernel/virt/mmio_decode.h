// Data aborts as MMIO accesses: from ESR_EL2, FAR_EL2 and HPFAR_EL2 of a stage-2 fault to
// a description of the single load or store the guest tried ("cannot emulate" when the
// syndrome does not describe one), and back: applying a read's value to the register
// file and stepping over the instruction. Pure functions: the glue reads the three
// registers, kernel/virt does the rest.
#pragma once

#include <cstdint>

#include "support/addr.h"
#include "kernel/virt/guest_context.h"

namespace hyp::virt {

// The three syndrome registers of a trapped abort, as the glue captured them.
struct AbortSyndrome {
    std::uint64_t esr = 0;    // ESR_EL2
    std::uint64_t far = 0;    // FAR_EL2: the guest's virtual address
    std::uint64_t hpfar = 0;  // HPFAR_EL2: the faulting IPA's page
};

// One emulatable access.
struct MmioAccess {
    Ipa ipa{};
    std::uint8_t size = 0;      // bytes: 1, 2, 4 or 8
    bool write = false;
    std::uint8_t reg = 0;       // Rt, 0..30; 31 is XZR (writes store 0, reads are discarded)
    bool sign_extend = false;   // SSE: a signed load (LDRSB, LDRSH, LDRSW)
    bool reg64 = false;         // SF: Rt is an X register (else W: the top half becomes 0)
    bool acquire_release = false;  // AR: nothing to do for a device, kept for tracing
};

enum class DecodeStatus : std::uint8_t {
    emulate,            // `access` describes the access
    cache_maintenance,  // CM: a DC/IC by VA or an AT on the address; nothing to emulate
    no_syndrome,        // ISV = 0: load/store pair, writeback, SIMD, exclusives...
    stage1_walk,        // S1PTW: the guest's own translation-table walk hit the address
    not_translation,    // permission, alignment, external or other faults: not MMIO
    far_not_valid,      // FnV: the offset within the page is unknown
    not_data_abort,     // the exception class is not a data abort from a lower EL
    unsupported,        // VNCR (nested virtualization) or another shape we do not emulate
};

struct DecodeResult {
    DecodeStatus status = DecodeStatus::not_data_abort;
    MmioAccess access{};  // valid when status is emulate
};

// The faulting IPA: HPFAR_EL2's page with FAR_EL2's offset. Meaningful only for the
// faults HPFAR_EL2 is valid for: stage-2 translation and access-flag faults, and any
// fault with S1PTW set.
[[nodiscard]] Ipa fault_ipa(const AbortSyndrome& syndrome);

// True for the fault status codes this file treats as "nothing mapped here": translation
// faults (levels -1..3) and access-flag faults (levels 0..3).
[[nodiscard]] bool is_translation_or_access_fault(std::uint64_t fsc);

[[nodiscard]] DecodeResult decode_data_abort(const AbortSyndrome& syndrome);

// The value a write access stores: Rt (zero for XZR) truncated to the access size.
[[nodiscard]] std::uint64_t mmio_write_value(const RegisterFile& regs, const MmioAccess& access);

// Completes a read: `value` (the device's bytes, low `size` bytes meaningful) is
// truncated to the access size, sign- or zero-extended as the load does, written to Rt
// (as a W register: top 32 bits zero; XZR: discarded).
void complete_mmio_read(const RegisterFile& regs, const MmioAccess& access, std::uint64_t value);

// Steps over the trapped instruction: PC += 4, or 2 when ESR.IL says 16 bits (T32;
// never for AArch64, kept for the letter of the syndrome). As for any instruction that
// completes, PSTATE.BTYPE is cleared and PSTATE.SS is cleared so that a guest debugger
// single-stepping sees the step complete.
void skip_instruction(const RegisterFile& regs, std::uint64_t esr);

}  // namespace hyp::virt
