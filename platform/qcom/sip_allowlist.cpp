// The allow-list of Qualcomm SiP calls the primary VM may send to EL3 (see
// sip_allowlist.h). Everything not listed is refused, so a call Linux learns to make
// later fails safe: it gets NOT_SUPPORTED until someone reasons it onto the list.
//
// Refused on purpose (not exhaustive):
//  - MP ASSIGN (0x0c/0x16): reassigns memory between VMIDs in TrustZone's tables, behind
//    the hypervisor's memory database. Memory moves between VMs through the hypervisor.
//  - MP RESTORE_SEC_CFG, IOMMU_SECURE_PTBL_SIZE/INIT, SET_CP_POOL_SIZE, VIDEO_VAR, SHM
//    bridge (0x1c-0x1e): program SMMU context banks or give TrustZone memory (secure page
//    tables, content-protection pools, shared buffers) by physical address.
//  - SMMU_PROGRAM (0x15): reprograms the SMMU the hypervisor owns.
//  - BOOT SET_ADDR / SET_ADDR_MC: where CPUs enter on warm boot; the hypervisor owns CPU
//    entry (PSCI). BOOT TERMINATE_PC: powers a CPU down without us. SET_DLOAD_MODE and
//    SDI_CONFIG: arm the crash-dump path, which copies all RAM (ours and every VM's) out.
//  - IO WRITE: writes a secure register TrustZone allows; among them the TCSR download
//    cookie, i.e. the same crash-dump path.
//  - PIL PAS MSS_RESET, BOOT SET_REMOTE_STATE, ES, HDCP, LMH, OCMEM: not used by Linux on
//    sc7280 boards as far as we know; refused until someone needs and reasons them.
#include "platform/qcom/sip_allowlist.h"

#include "hyp_api/gunyah_hypercalls.h"

namespace hyp::platform::qcom {
namespace {

struct Allowed {
    std::uint8_t service;
    std::uint8_t command;
    bool passes_addresses;
};

// Every call here takes at most 4 arguments, so none uses the indirect argument buffer
// (x5 = physical address of arguments 4..9, __scm_smc_call) that would be one more
// address to check.
constexpr Allowed allowed_calls[] = {
    // INFO IS_CALL_AVAIL: a query, changes nothing. Its answers for refused calls come
    // from sip_query_allowed, not from the firmware.
    {scm::svc_info, scm::info_is_call_avail, false},
    // PIL (peripheral image loader): how Linux starts and stops the remote processors
    // (ADSP, CDSP, modem, WPSS) through TrustZone, which authenticates their firmware.
    // INIT_IMAGE passes the physical address of the image's metadata, MEM_SETUP the
    // carve-out the firmware runs in (TrustZone then locks it with the XPU): both must be
    // memory the primary VM owns, which the caller checks (passes_addresses).
    {scm::svc_pil, scm::pil_pas_init_image, true},
    {scm::svc_pil, scm::pil_pas_mem_setup, true},
    // AUTH_AND_RESET, SHUTDOWN, IS_SUPPORTED: a peripheral id only.
    {scm::svc_pil, scm::pil_pas_auth_and_reset, false},
    {scm::svc_pil, scm::pil_pas_shutdown, false},
    {scm::svc_pil, scm::pil_pas_is_supported, false},
    // IO READ: reads a secure register TrustZone itself allows; changes nothing. (IO
    // WRITE is refused: see the top of the file.)
    {scm::svc_io, scm::io_read, false},
    // WAITQ RESUME and GET_WQ_CTX: how Linux continues a forwarded yielding call that the
    // firmware put to sleep (QCOM_SCM_WAITQ_SLEEP). They carry only a context number.
    {scm::svc_waitq, scm::waitq_resume, false},
    {scm::svc_waitq, scm::waitq_get_wq_ctx, false},
};

const Allowed* find_allowed(std::uint32_t function_number)
{
    for (const Allowed& call : allowed_calls) {
        if (scm::function(call.service, call.command) == function_number) {
            return &call;
        }
    }
    return nullptr;
}

}  // namespace

SipDecision decide_sip_call(std::uint32_t function_id)
{
    SipDecision decision;
    decision.fast = GUNYAH_SMCCC_IS_FAST(function_id);
    decision.smc64 = GUNYAH_SMCCC_IS_SMC64(function_id);
    if (GUNYAH_SMCCC_OWNER(function_id) != smccc_owner_sip) {
        return decision;  // refuse, not_sip
    }
    std::uint32_t number = GUNYAH_SMCCC_FUNCTION(function_id);
    decision.service = static_cast<std::uint8_t>(number >> 8);
    decision.command = static_cast<std::uint8_t>(number & 0xff);
    if ((function_id & GUNYAH_SMCCC_RESERVED_MASK) != 0) {
        decision.refusal = SipRefusal::malformed;
        return decision;
    }
    const Allowed* allowed = find_allowed(number);
    if (allowed == nullptr) {
        decision.refusal = SipRefusal::not_allowed;
        return decision;
    }
    decision.verdict = SipVerdict::forward;
    decision.refusal = SipRefusal::none;
    decision.passes_addresses = allowed->passes_addresses;
    // The SVE hint only promises the firmware less work; without it the firmware
    // preserves more, which is always safe, and we need not vouch for the VM's claim.
    decision.forward_id = function_id & ~static_cast<std::uint32_t>(GUNYAH_SMCCC_SVE_HINT);
    return decision;
}

bool sip_query_allowed(std::uint64_t queried_call)
{
    // The query names a call by owner and number alone: any other bit set names no
    // call we forward.
    constexpr std::uint64_t naming_bits = GUNYAH_SMCCC_OWNER_MASK | GUNYAH_SMCCC_FUNCTION_MASK;
    if ((queried_call & ~naming_bits) != 0) {
        return false;
    }
    std::uint32_t id = static_cast<std::uint32_t>(queried_call);
    return decide_sip_call(id | GUNYAH_SMCCC_FAST_CALL | GUNYAH_SMCCC_SMC64).forwarded();
}

}  // namespace hyp::platform::qcom
