// Which Qualcomm SiP (SCM) calls the primary VM may make through us to the secure
// firmware. The hypervisor owns stage 2, the SMMU and the record of who owns which
// memory; TrustZone knows nothing of that, so a call that lets it move memory between
// owners, program an SMMU, choose where CPUs enter, or dump RAM would let the primary VM
// go around us. Those are refused; a short allow-list of calls Linux needs on sc7280
// boards is forwarded (the reasons are in sip_allowlist.cpp, beside each entry).
//
// Numbers, read in Linux: SCM calls are SMCCC calls of the SiP owner (2) with function
// number svc << 8 | cmd (SCM_SMC_FNID, drivers/firmware/qcom/qcom_scm.h, which also
// lists the services and commands); __scm_smc_call (qcom_scm-smc.c) issues them as
// yielding calls, or as fast calls when made from atomic context, in the SMC64 form, or
// SMC32 on firmware that only speaks that; INFO IS_CALL_AVAIL takes the queried call as
// SCM_SMC_FNID(svc, cmd) | (owner << 24) (__qcom_scm_is_call_available, qcom_scm.c).
#pragma once

#include <cstdint>

namespace hyp::platform::qcom {

// SMCCC owning entity of SCM calls (ARM_SMCCC_OWNER_SIP).
inline constexpr std::uint32_t smccc_owner_sip = 2;

// SCM services and the commands named in the allow-list or refused by name.
namespace scm {
inline constexpr std::uint8_t svc_boot = 0x01;
inline constexpr std::uint8_t boot_set_addr = 0x01;       // warm-boot entry of CPUs
inline constexpr std::uint8_t boot_terminate_pc = 0x02;   // power a CPU down behind our back
inline constexpr std::uint8_t boot_sdi_config = 0x09;
inline constexpr std::uint8_t boot_set_remote_state = 0x0a;
inline constexpr std::uint8_t boot_set_dload_mode = 0x10;  // crash dumps of all RAM
inline constexpr std::uint8_t boot_set_addr_mc = 0x11;

inline constexpr std::uint8_t svc_pil = 0x02;
inline constexpr std::uint8_t pil_pas_init_image = 0x01;
inline constexpr std::uint8_t pil_pas_mem_setup = 0x02;
inline constexpr std::uint8_t pil_pas_auth_and_reset = 0x05;
inline constexpr std::uint8_t pil_pas_shutdown = 0x06;
inline constexpr std::uint8_t pil_pas_is_supported = 0x07;
inline constexpr std::uint8_t pil_pas_mss_reset = 0x0a;

inline constexpr std::uint8_t svc_io = 0x05;
inline constexpr std::uint8_t io_read = 0x01;
inline constexpr std::uint8_t io_write = 0x02;

inline constexpr std::uint8_t svc_info = 0x06;
inline constexpr std::uint8_t info_is_call_avail = 0x01;

inline constexpr std::uint8_t svc_mp = 0x0c;
inline constexpr std::uint8_t mp_restore_sec_cfg = 0x02;
inline constexpr std::uint8_t mp_iommu_secure_ptbl_size = 0x03;
inline constexpr std::uint8_t mp_iommu_secure_ptbl_init = 0x04;
inline constexpr std::uint8_t mp_iommu_set_cp_pool_size = 0x05;
inline constexpr std::uint8_t mp_video_var = 0x08;
inline constexpr std::uint8_t mp_assign = 0x16;
inline constexpr std::uint8_t mp_shm_bridge_enable = 0x1c;
inline constexpr std::uint8_t mp_shm_bridge_delete = 0x1d;
inline constexpr std::uint8_t mp_shm_bridge_create = 0x1e;

inline constexpr std::uint8_t svc_smmu_program = 0x15;
inline constexpr std::uint8_t smmu_pt_format = 0x01;
inline constexpr std::uint8_t smmu_config_errata1 = 0x03;

inline constexpr std::uint8_t svc_waitq = 0x24;
inline constexpr std::uint8_t waitq_resume = 0x02;
inline constexpr std::uint8_t waitq_get_wq_ctx = 0x03;

// SCM_SMC_FNID: the SMCCC function number of a service's command.
[[nodiscard]] constexpr std::uint32_t function(std::uint8_t svc, std::uint8_t cmd)
{
    return static_cast<std::uint32_t>(svc) << 8 | cmd;
}
}  // namespace scm

enum class SipVerdict : std::uint8_t {
    forward,  // pass to EL3 as `forward_id`
    refuse,   // answer SMCCC NOT_SUPPORTED (-1) without calling EL3
};

enum class SipRefusal : std::uint8_t {
    none,          // forwarded
    not_sip,       // another owner: not this policy's business
    malformed,     // reserved function-id bits set
    not_allowed,   // a SiP call off the allow-list
};

struct SipDecision {
    SipVerdict verdict = SipVerdict::refuse;
    SipRefusal refusal = SipRefusal::not_sip;
    std::uint8_t service = 0;
    std::uint8_t command = 0;
    bool fast = false;   // SMCCC fast call (else yielding)
    bool smc64 = false;  // SMC64 convention (else SMC32)
    // An argument is a physical address the firmware will use (PIL image metadata, the
    // carve-out to protect): forwarding is only sound after the caller has checked the
    // primary VM owns that memory and sees it at the same address (IPA == PA).
    bool passes_addresses = false;
    std::uint32_t forward_id = 0;  // the id to pass on: the SVE hint bit cleared

    [[nodiscard]] constexpr bool forwarded() const { return verdict == SipVerdict::forward; }
};

// The SMCCC return value of a refused call.
inline constexpr std::int64_t sip_refused_result = -1;

// Pure: what to do with an SMC whose x0 is `function_id`, from the primary VM.
[[nodiscard]] SipDecision decide_sip_call(std::uint32_t function_id);

// INFO IS_CALL_AVAIL's argument names a call by SCM_SMC_FNID(svc, cmd) | owner << 24.
// False when that call would be refused here: the hypervisor then answers "not
// available" (0) itself rather than let the firmware promise a call we will refuse.
[[nodiscard]] bool sip_query_allowed(std::uint64_t queried_call);

}  // namespace hyp::platform::qcom
