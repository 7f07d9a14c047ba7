// SMC #0 with every argument register (see smccc.h).
#include <arch/smccc.h>

namespace hyp::arch::smccc {

void smc(const std::uint64_t (&in)[8], std::uint64_t (&out)[5])
{
    register std::uint64_t x0 asm("x0") = in[0];
    register std::uint64_t x1 asm("x1") = in[1];
    register std::uint64_t x2 asm("x2") = in[2];
    register std::uint64_t x3 asm("x3") = in[3];
    register std::uint64_t x4 asm("x4") = in[4];
    register std::uint64_t x5 asm("x5") = in[5];
    register std::uint64_t x6 asm("x6") = in[6];
    register std::uint64_t x7 asm("x7") = in[7];
    // SMCCC 1.0 lets the callee change x4..x17 too; assume the oldest contract.
    asm volatile("smc #0"
                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7)
                 :
                 : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
    out[4] = x6;
}

}  // namespace hyp::arch::smccc
