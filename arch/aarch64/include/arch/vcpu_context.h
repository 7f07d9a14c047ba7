// The EL1 state a vCPU owns beyond its general registers (those are in GuestRegs,
// arch/guest.h): the EL1 system registers a guest OS programs, its virtual timer, and its
// FP/SIMD registers. Saved when a vCPU leaves a physical CPU and restored when it comes
// back, so that any number of vCPUs can share one.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"

namespace hyp::arch {

void el1_sysregs_save(El1SysRegs& regs);
void el1_sysregs_restore(const El1SysRegs& regs);

extern "C" void fp_regs_save(FpRegs* regs);
extern "C" void fp_regs_restore(const FpRegs* regs);

}  // namespace hyp::arch
