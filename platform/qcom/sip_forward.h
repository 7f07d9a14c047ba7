// One Qualcomm SiP (SCM) call from a vCPU, before any SMC: forward it to EL3 (with the
// registers to pass) or answer it here. The run loop does the SMC; this decides, so
// that the policy is host-tested. The allow-list itself is sip_allowlist.h.
//
// Linux's SCM driver (qcom_scm-smc.c, __scm_smc_do_quirk) resumes a yielding call that
// the firmware interrupted by calling again with x0 = QCOM_SCM_INTERRUPTED (1), the
// first call's x1..x5 and x7, and x6 as the firmware returned it. That x0 is not a SiP
// id, so it is forwarded only for the vCPU whose call was interrupted, and with the
// arguments that call was checked with, not whatever the VM puts there the second time.
#pragma once

#include <cstdint>

namespace hyp::platform::qcom {

// QCOM_SCM_INTERRUPTED: x0 of a yielding call the firmware interrupted, and of its resume.
inline constexpr std::uint64_t scm_interrupted = 1;
// Linux passes the argument count in x1's low four bits (QCOM_SCM_ARGS); more than four
// go through a buffer in memory (x5), which we do not forward.
inline constexpr std::uint64_t scm_arg_count_mask = 0xf;
inline constexpr unsigned scm_max_register_args = 4;

// One vCPU's forwarded call that the firmware interrupted, kept for its resume.
struct SipSession {
    bool interrupted = false;
    std::uint64_t args[8] = {};  // x0..x7 as forwarded (x0 and x6 replaced on resume)
};

enum class SipAction : std::uint8_t {
    not_sip,  // neither a SiP call nor this vCPU's resume: the caller's other paths decide
    answer,   // return `regs[0..3]` to the VM; nothing goes to EL3
    forward,  // SMC #0 with `regs[0..7]`, then sip_returned()
};

struct SipPlan {
    SipAction action = SipAction::not_sip;
    std::uint64_t regs[8] = {};
};

// `primary_vm`: the caller's vCPU belongs to the primary VM (GUNYAH_VCPU_OPTION_HLOS_VM);
// no other VM's SiP call reaches the firmware.
[[nodiscard]] SipPlan plan_sip_call(const std::uint64_t (&regs)[8], bool primary_vm, SipSession& session);

// After a forwarded call: `out` is x0..x3 and x6 as EL3 left them (out[4] = x6).
void sip_returned(const std::uint64_t (&out)[5], const SipPlan& plan, SipSession& session);

}  // namespace hyp::platform::qcom
