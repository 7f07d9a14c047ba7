// Hypercall trap decoding (see trap.h).
#include "kernel/hypercall/trap.h"

namespace hyp::hypercall {

TrapResult handle_hypercall_trap(Caller& caller, std::uint64_t esr, TrapFrame frame)
{
    std::uint64_t ec = (esr >> esr_ec_shift) & esr_ec_mask;
    if (ec != esr_ec_hvc64 && ec != esr_ec_smc64) {
        return TrapResult::not_hypercall;
    }
    const std::uint64_t (&regs)[8] = *reinterpret_cast<const std::uint64_t(*)[8]>(frame.x);
    auto imm = static_cast<std::uint32_t>(esr & esr_imm16_mask);
    Return r;
    if (imm == 0) {
        r = dispatch_smccc(caller, regs);  // SMCCC: HVC #0 or SMC #0
    } else if (ec == esr_ec_hvc64) {
        r = dispatch_native(caller, imm, regs);
    } else {
        r = error_return(Error::unimplemented);  // SMC with an immediate is not a call form
        r.x[0] = ~std::uint64_t{0};
    }
    frame.x[0] = r.x[0];
    frame.x[1] = r.x[1];
    frame.x[2] = r.x[2];
    frame.x[3] = r.x[3];
    if (r.count > 4) {
        frame.x[4] = r.x[4];  // vcpu_run's third state word; other calls leave x4 alone
    }
    if (ec == esr_ec_smc64) {
        *frame.elr += 4;  // a trapped SMC's preferred return address is the SMC itself
    }
    return TrapResult::handled;
}

}  // namespace hyp::hypercall
