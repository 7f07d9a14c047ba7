// The Qualcomm SiP (SCM) allow-list: which SMCs from the primary VM go on to EL3, in
// every SMCCC form (fast or yielding, SMC32 or SMC64), and which are refused.
#include <catch2/catch.hpp>

#include "platform/qcom/sip_allowlist.h"

using namespace hyp::platform::qcom;

namespace {

constexpr std::uint32_t fast = 0x80000000u;
constexpr std::uint32_t smc64 = 0x40000000u;
constexpr std::uint32_t sve_hint = 0x00010000u;
constexpr std::uint32_t forms[] = {0, fast, smc64, fast | smc64};

constexpr std::uint32_t sip_id(std::uint32_t form, std::uint8_t svc, std::uint8_t cmd)
{
    return form | smccc_owner_sip << 24 | scm::function(svc, cmd);
}

// Decides svc/cmd in each of the four forms and hands `check` the form and the decision.
template <typename Check>
void in_every_form(std::uint8_t svc, std::uint8_t cmd, Check check)
{
    for (std::uint32_t form : forms) {
        std::uint32_t id = sip_id(form, svc, cmd);
        INFO("id " << std::hex << id);
        SipDecision d = decide_sip_call(id);
        CHECK(d.service == svc);
        CHECK(d.command == cmd);
        CHECK(d.fast == ((form & fast) != 0));
        CHECK(d.smc64 == ((form & smc64) != 0));
        check(id, d);
    }
}

}  // namespace

TEST_CASE("SiP: ids are built as Linux builds them", "[sip]")
{
    // PAS auth_and_reset as Linux issues it from process context: yielding, SMC64.
    CHECK(sip_id(smc64, scm::svc_pil, scm::pil_pas_auth_and_reset) == 0x42000205u);
    // MP_ASSIGN, fast SMC64.
    CHECK(sip_id(fast | smc64, scm::svc_mp, scm::mp_assign) == 0xc2000c16u);
}

TEST_CASE("SiP: the allowed calls are forwarded in all four forms", "[sip]")
{
    struct Case {
        std::uint8_t svc, cmd;
        bool addresses;
    };
    const Case allowed[] = {
        {scm::svc_info, scm::info_is_call_avail, false},   {scm::svc_pil, scm::pil_pas_init_image, true},
        {scm::svc_pil, scm::pil_pas_mem_setup, true},       {scm::svc_pil, scm::pil_pas_auth_and_reset, false},
        {scm::svc_pil, scm::pil_pas_shutdown, false},       {scm::svc_pil, scm::pil_pas_is_supported, false},
        {scm::svc_io, scm::io_read, false},                 {scm::svc_waitq, scm::waitq_resume, false},
        {scm::svc_waitq, scm::waitq_get_wq_ctx, false},
    };
    for (const Case& c : allowed) {
        in_every_form(c.svc, c.cmd, [&](std::uint32_t id, const SipDecision& d) {
            CHECK(d.forwarded());
            CHECK(d.refusal == SipRefusal::none);
            CHECK(d.forward_id == id);
            CHECK(d.passes_addresses == c.addresses);
        });
    }
}

TEST_CASE("SiP: calls that move memory or program the SMMU are refused in every form", "[sip]")
{
    struct Case {
        std::uint8_t svc, cmd;
    };
    const Case refused[] = {
        {scm::svc_mp, scm::mp_assign},
        {scm::svc_mp, scm::mp_restore_sec_cfg},
        {scm::svc_mp, scm::mp_iommu_secure_ptbl_size},
        {scm::svc_mp, scm::mp_iommu_secure_ptbl_init},
        {scm::svc_mp, scm::mp_iommu_set_cp_pool_size},
        {scm::svc_mp, scm::mp_video_var},
        {scm::svc_mp, scm::mp_shm_bridge_enable},
        {scm::svc_mp, scm::mp_shm_bridge_delete},
        {scm::svc_mp, scm::mp_shm_bridge_create},
        {scm::svc_smmu_program, scm::smmu_pt_format},
        {scm::svc_smmu_program, scm::smmu_config_errata1},
    };
    for (const Case& c : refused) {
        in_every_form(c.svc, c.cmd, [](std::uint32_t, const SipDecision& d) {
            CHECK_FALSE(d.forwarded());
            CHECK(d.refusal == SipRefusal::not_allowed);
        });
    }
    CHECK(sip_refused_result == -1);  // SMCCC NOT_SUPPORTED
}

TEST_CASE("SiP: CPU entry, crash dumps and secure register writes are refused", "[sip]")
{
    const std::uint32_t refused[] = {
        scm::function(scm::svc_boot, scm::boot_set_addr),       scm::function(scm::svc_boot, scm::boot_set_addr_mc),
        scm::function(scm::svc_boot, scm::boot_terminate_pc),   scm::function(scm::svc_boot, scm::boot_set_dload_mode),
        scm::function(scm::svc_boot, scm::boot_sdi_config),     scm::function(scm::svc_boot, scm::boot_set_remote_state),
        scm::function(scm::svc_io, scm::io_write),              scm::function(scm::svc_pil, scm::pil_pas_mss_reset),
        0x0000u,                                                 0xffffu,
    };
    for (std::uint32_t number : refused) {
        for (std::uint32_t form : forms) {
            SipDecision d = decide_sip_call(form | smccc_owner_sip << 24 | number);
            CHECK_FALSE(d.forwarded());
            CHECK(d.refusal == SipRefusal::not_allowed);
        }
    }
}

TEST_CASE("SiP: calls of other owners are not SiP calls", "[sip]")
{
    std::uint32_t number = scm::function(scm::svc_pil, scm::pil_pas_auth_and_reset);
    for (std::uint32_t owner : {0u, 1u, 3u, 4u, 5u, 6u, 48u, 63u}) {
        for (std::uint32_t form : forms) {
            SipDecision d = decide_sip_call(form | owner << 24 | number);
            CHECK_FALSE(d.forwarded());
            CHECK(d.refusal == SipRefusal::not_sip);
        }
    }
    // PSCI CPU_ON (standard owner, fast SMC64) is not ours either.
    CHECK(decide_sip_call(0xc4000003u).refusal == SipRefusal::not_sip);
}

TEST_CASE("SiP: reserved id bits make a call malformed, the SVE hint is cleared when forwarding", "[sip]")
{
    std::uint32_t id = sip_id(fast | smc64, scm::svc_pil, scm::pil_pas_shutdown);
    for (unsigned bit = 17; bit <= 23; ++bit) {
        SipDecision d = decide_sip_call(id | 1u << bit);
        CHECK_FALSE(d.forwarded());
        CHECK(d.refusal == SipRefusal::malformed);
    }
    SipDecision hinted = decide_sip_call(id | sve_hint);
    CHECK(hinted.forwarded());
    CHECK(hinted.forward_id == id);
    CHECK_FALSE(decide_sip_call(sip_id(fast, scm::svc_mp, scm::mp_assign) | sve_hint).forwarded());
}

TEST_CASE("SiP: is_call_available is answered no for refused calls", "[sip]")
{
    auto query = [](std::uint8_t svc, std::uint8_t cmd) {
        return static_cast<std::uint64_t>(scm::function(svc, cmd)) | std::uint64_t{smccc_owner_sip} << 24;
    };
    CHECK(sip_query_allowed(query(scm::svc_pil, scm::pil_pas_auth_and_reset)));
    CHECK(sip_query_allowed(query(scm::svc_info, scm::info_is_call_avail)));
    CHECK_FALSE(sip_query_allowed(query(scm::svc_mp, scm::mp_assign)));
    CHECK_FALSE(sip_query_allowed(query(scm::svc_smmu_program, scm::smmu_pt_format)));
    CHECK_FALSE(sip_query_allowed(scm::function(scm::svc_pil, scm::pil_pas_auth_and_reset)));  // owner 0
    CHECK_FALSE(sip_query_allowed(query(scm::svc_pil, scm::pil_pas_auth_and_reset) | 0x80000000u));
    CHECK_FALSE(sip_query_allowed(query(scm::svc_pil, scm::pil_pas_auth_and_reset) | 1ull << 40));
}
