// What happens to a Qualcomm SiP call from a vCPU (platform/qcom/sip_forward.h): which
// are forwarded and with what registers, which are answered here, and the resume of a
// call the firmware interrupted.
#include <catch2/catch.hpp>

#include <cstdint>

#include "hyp_api/gunyah_hypercalls.h"
#include "platform/qcom/sip_allowlist.h"
#include "platform/qcom/sip_forward.h"

namespace hyp::test {
namespace {

using namespace platform::qcom;

constexpr std::uint64_t not_supported = static_cast<std::uint64_t>(std::int64_t{-1});

// A yielding SMC64 SiP call, as Linux's __scm_smc_call makes it.
constexpr std::uint64_t sip_call(std::uint8_t svc, std::uint8_t cmd)
{
    return GUNYAH_SMCCC_SMC64 | (std::uint64_t{smccc_owner_sip} << 24) | scm::function(svc, cmd);
}

}  // namespace

TEST_CASE("sip forward: an allowed call from the primary VM goes to EL3 with its registers", "[sip]")
{
    SipSession session;
    const std::uint64_t regs[8] = {sip_call(scm::svc_pil, scm::pil_pas_auth_and_reset), 1, 0xa, 3, 4, 5, 6, 7};
    const SipPlan plan = plan_sip_call(regs, true, session);
    REQUIRE(plan.action == SipAction::forward);
    for (unsigned i = 0; i < 8; ++i) {
        CHECK(plan.regs[i] == regs[i]);
    }
}

TEST_CASE("sip forward: refused calls and other VMs get NOT_SUPPORTED without reaching EL3", "[sip]")
{
    SipSession session;
    const std::uint64_t assign[8] = {sip_call(scm::svc_mp, scm::mp_assign), 4};
    SipPlan plan = plan_sip_call(assign, true, session);
    CHECK(plan.action == SipAction::answer);
    CHECK(plan.regs[0] == not_supported);

    // Allowed, but from a VM that is not the primary one.
    const std::uint64_t read[8] = {sip_call(scm::svc_io, scm::io_read), 1, 0x1fc8000};
    plan = plan_sip_call(read, false, session);
    CHECK(plan.action == SipAction::answer);
    CHECK(plan.regs[0] == not_supported);

    // Allowed, but passing a physical address we do not check yet.
    const std::uint64_t init[8] = {sip_call(scm::svc_pil, scm::pil_pas_init_image), 2, 0xa, 0x8a000000};
    CHECK(plan_sip_call(init, true, session).action == SipAction::answer);

    // More than four arguments: the rest would be in memory (x5), which we do not forward.
    const std::uint64_t many[8] = {sip_call(scm::svc_io, scm::io_read), 5};
    CHECK(plan_sip_call(many, true, session).regs[0] == not_supported);
}

TEST_CASE("sip forward: IS_CALL_AVAIL for a refused call is answered here as not available", "[sip]")
{
    SipSession session;
    const std::uint64_t query_assign[8] = {sip_call(scm::svc_info, scm::info_is_call_avail), 1,
                                           (std::uint64_t{smccc_owner_sip} << 24) | scm::function(scm::svc_mp, scm::mp_assign)};
    SipPlan plan = plan_sip_call(query_assign, true, session);
    CHECK(plan.action == SipAction::answer);
    CHECK(plan.regs[0] == 0);
    CHECK(plan.regs[1] == 0);

    const std::uint64_t query_read[8] = {sip_call(scm::svc_info, scm::info_is_call_avail), 1,
                                         (std::uint64_t{smccc_owner_sip} << 24) | scm::function(scm::svc_io, scm::io_read)};
    CHECK(plan_sip_call(query_read, true, session).action == SipAction::forward);
}

TEST_CASE("sip forward: other owners and PSCI are not this policy's business", "[sip]")
{
    SipSession session;
    const std::uint64_t psci[8] = {0x84000000};
    CHECK(plan_sip_call(psci, true, session).action == SipAction::not_sip);
    const std::uint64_t upper[8] = {(std::uint64_t{1} << 32) | sip_call(scm::svc_io, scm::io_read)};
    CHECK(plan_sip_call(upper, true, session).action == SipAction::not_sip);
}

TEST_CASE("sip forward: an interrupted call resumes with the arguments it was checked with", "[sip]")
{
    SipSession session;
    const std::uint64_t regs[8] = {sip_call(scm::svc_pil, scm::pil_pas_shutdown), 1, 0xa, 0, 0, 0, 0, 0};
    const SipPlan first = plan_sip_call(regs, true, session);
    REQUIRE(first.action == SipAction::forward);
    const std::uint64_t interrupted[5] = {scm_interrupted, 0, 0, 0, 0x77};
    sip_returned(interrupted, first, session);
    CHECK(session.interrupted);

    // The VM resumes with x0 = 1 and changed arguments: the checked ones go out, with
    // the firmware's x6.
    const std::uint64_t resume[8] = {scm_interrupted, 1, 0xdead, 0, 0, 0, 0x77, 0};
    const SipPlan again = plan_sip_call(resume, true, session);
    REQUIRE(again.action == SipAction::forward);
    CHECK(again.regs[0] == scm_interrupted);
    CHECK(again.regs[2] == 0xa);
    CHECK(again.regs[6] == 0x77);

    const std::uint64_t done[5] = {0, 0, 0, 0, 0};
    sip_returned(done, again, session);
    CHECK_FALSE(session.interrupted);
    // No call interrupted now: x0 = 1 is not a resume.
    CHECK(plan_sip_call(resume, true, session).action == SipAction::not_sip);
    // Nor from a VM that is not the primary one, even with a session.
    sip_returned(interrupted, first, session);
    CHECK(plan_sip_call(resume, false, session).action == SipAction::not_sip);
}

}  // namespace hyp::test
