// The null hypercalls the lower-EL synchronous vector answers itself
// (arch/aarch64/boot/vectors.S), without leaving the guest's registers: hyp_identify in
// both forms (HVC #0x6000, and HVC #0 with x0 = its SMCCC function ID) and SMCCC_VERSION
// (HVC #0, x0 = 0x80000000). Their answers never change after boot, so the vector reads
// them from this table (identify.cpp fills it from the same functions the slow path
// uses) and ERETs at once. Anything else, these calls with x0's upper half set among
// them, exits the ordinary way to the run loop.
//
// Nothing is missed by not going through the run loop: every event that needs it (a
// kick, a reschedule, the EL2 timer, a device interrupt) is a physical IRQ, which routes
// to EL2 (HCR_EL2.IMO) and is taken the moment the ERET unmasks it.
#pragma once

#include <cstdint>

namespace hyp::hypercall {

struct FastAnswers {
    std::uint64_t identify[4];     // x0..x3
    std::uint64_t smccc_version;   // x0; x1..x3 answer 0
};
// vectors.S reads the table at these offsets.
static_assert(__builtin_offsetof(FastAnswers, identify) == 0, "vectors.S FAST_HC_IDENTIFY");
static_assert(__builtin_offsetof(FastAnswers, smccc_version) == 32, "vectors.S FAST_HC_SMCCC_VERSION");

// The function IDs and immediates the vector recognises, as it spells them.
inline constexpr std::uint32_t fast_native_identify_imm = 0x6000;
inline constexpr std::uint64_t fast_smccc_identify_id = 0xc6008000;
inline constexpr std::uint64_t fast_smccc_version_id = 0x80000000;

}  // namespace hyp::hypercall

extern "C" const hyp::hypercall::FastAnswers fast_hypercall_answers;
