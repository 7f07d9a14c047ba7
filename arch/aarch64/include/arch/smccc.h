// A secure monitor call passed on to EL3 with all eight argument registers: for calls
// a VM makes that the hypervisor forwards (platform/qcom/sip_forward.h).
#pragma once

#include <cstdint>

namespace hyp::arch::smccc {

// SMC #0 with x0..x7 = `in`; `out` receives x0..x3 and, in out[4], x6 (Qualcomm's
// firmware returns the session of an interrupted yielding call there).
void smc(const std::uint64_t (&in)[8], std::uint64_t (&out)[5]);

}  // namespace hyp::arch::smccc
