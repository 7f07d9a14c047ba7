// Planning a SiP call (see sip_forward.h).
#include "platform/qcom/sip_forward.h"

#include "platform/qcom/sip_allowlist.h"

namespace hyp::platform::qcom {
namespace {

constexpr std::uint64_t smccc_not_supported = static_cast<std::uint64_t>(std::int64_t{-1});

SipPlan answer(std::uint64_t x0, std::uint64_t x1 = 0)
{
    SipPlan plan;
    plan.action = SipAction::answer;
    plan.regs[0] = x0;
    plan.regs[1] = x1;
    return plan;
}

}  // namespace

SipPlan plan_sip_call(const std::uint64_t (&regs)[8], bool primary_vm, SipSession& session)
{
    if (regs[0] == scm_interrupted) {
        if (!session.interrupted || !primary_vm) {
            return SipPlan{};  // not a resume we know of: not ours to answer
        }
        SipPlan plan;
        plan.action = SipAction::forward;
        for (unsigned i = 0; i < 8; ++i) {
            plan.regs[i] = session.args[i];
        }
        plan.regs[0] = scm_interrupted;
        plan.regs[6] = regs[6];  // the firmware's session, as it returned it
        return plan;
    }
    if ((regs[0] >> 32) != 0) {
        return SipPlan{};  // not an SMCCC function id at all
    }
    const SipDecision decision = decide_sip_call(static_cast<std::uint32_t>(regs[0]));
    if (decision.refusal == SipRefusal::not_sip) {
        return SipPlan{};
    }
    if (!primary_vm || !decision.forwarded()) {
        return answer(smccc_not_supported);
    }
    // Addresses the firmware would use are not checked against the memory database yet
    // (the VM must own them and see them at the same address): refused until they are.
    if (decision.passes_addresses || (regs[1] & scm_arg_count_mask) > scm_max_register_args) {
        return answer(smccc_not_supported);
    }
    // IS_CALL_AVAIL for a call we would refuse: "not available" (x1 = 0), from us.
    if (decision.service == scm::svc_info && decision.command == scm::info_is_call_avail &&
        !sip_query_allowed(regs[2])) {
        return answer(0, 0);
    }
    SipPlan plan;
    plan.action = SipAction::forward;
    for (unsigned i = 0; i < 8; ++i) {
        plan.regs[i] = regs[i];
    }
    plan.regs[0] = decision.forward_id;
    return plan;
}

void sip_returned(const std::uint64_t (&out)[5], const SipPlan& plan, SipSession& session)
{
    if (out[0] == scm_interrupted) {
        if (plan.regs[0] != scm_interrupted) {
            for (unsigned i = 0; i < 8; ++i) {
                session.args[i] = plan.regs[i];
            }
        }
        session.interrupted = true;
        return;
    }
    session = SipSession{};
}

}  // namespace hyp::platform::qcom
