// Asking the hardware to walk a stage-2 table: AT S12E1R/W from EL2, which runs the
// EL1&0 stage-1 walk (off: VA = IPA) followed by stage 2, and reports in PAR_EL1. Used
// by the self-tests to check our descriptors with a walker we did not write.
#pragma once

#include <cstdint>

namespace hyp::arch {

struct WalkResult {
    bool fault = false;
    bool stage2 = false;      // the fault came from stage 2
    std::uint8_t status = 0;  // PAR_EL1.FST when fault
    std::uint64_t pa = 0;     // the output address when not
    std::uint64_t par = 0;    // the raw register
};

// Points the EL1&0 regime at a stage-2 table (VTCR_EL2, VTTBR_EL2, HCR_EL2.VM) with
// EL1's own MMU off. Only while no vCPU runs on this CPU.
void stage2_probe_begin(std::uint64_t vtcr, std::uint64_t vttbr);
void stage2_probe_end();

[[nodiscard]] WalkResult walk_s12e1(std::uint64_t ipa, bool write);

}  // namespace hyp::arch
