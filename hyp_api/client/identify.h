// Finding out what we run on: the SMCCC version, the vendor-hypervisor UID (is this
// Gunyah?), and hyp_identify (which API and which interfaces). A client asks in that
// order; on anything that is not Gunyah the later calls answer NOT_SUPPORTED.
#pragma once

#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// hyp_identify's answer: x0 api_info (not an error code), x1..x3 feature flags words.
struct Identity {
    std::uint64_t api_info;
    std::uint64_t flags[3];

    [[nodiscard]] constexpr std::uint32_t api_version() const { return GUNYAH_API_INFO_VERSION_OF(api_info); }
    [[nodiscard]] constexpr bool big_endian() const { return (api_info & GUNYAH_API_INFO_BIG_ENDIAN) != 0; }
    [[nodiscard]] constexpr bool is_64bit() const { return (api_info & GUNYAH_API_INFO_IS_64BIT) != 0; }
    [[nodiscard]] constexpr std::uint32_t variant() const { return GUNYAH_API_INFO_VARIANT_OF(api_info); }
    // flag: one of GUNYAH_FLAGS0_* (a bit of word 0).
    [[nodiscard]] constexpr bool has(std::uint64_t flag) const { return (flags[0] & flag) == flag; }
    [[nodiscard]] constexpr std::uint32_t scheduler() const { return GUNYAH_FLAGS0_SCHEDULER_OF(flags[0]); }
};

inline Identity hyp_identify()
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_HYP_IDENTIFY);
    return {r.x[0], {r.x[1], r.x[2], r.x[3]}};
}

// The vendor-hypervisor "Call UID" answer (four 32-bit words in w0..w3).
struct Uid {
    std::uint32_t w[4];

    [[nodiscard]] constexpr bool is_gunyah() const
    {
        return w[0] == GUNYAH_UID_X0 && w[1] == GUNYAH_UID_X1 && w[2] == GUNYAH_UID_X2 &&
               w[3] == GUNYAH_UID_X3;
    }
    [[nodiscard]] constexpr bool is_qcom_gunyah() const
    {
        return w[0] == GUNYAH_QCOM_UID_X0 && w[1] == GUNYAH_QCOM_UID_X1 &&
               w[2] == GUNYAH_QCOM_UID_X2 && w[3] == GUNYAH_QCOM_UID_X3;
    }
};

// SMC32 calls: only the low 32 bits of each result register are defined.
inline Uid vendor_hyp_call_uid()
{
    const detail::Regs r = detail::smccc(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID);
    return {{static_cast<std::uint32_t>(r.x[0]), static_cast<std::uint32_t>(r.x[1]),
             static_cast<std::uint32_t>(r.x[2]), static_cast<std::uint32_t>(r.x[3])}};
}

// The same api_info as hyp_identify's x0, through the vendor-hyp service range.
inline std::uint64_t vendor_hyp_revision()
{
    return detail::smccc(GUNYAH_SMCCC_VENDOR_HYP_REVISION).x[0];
}

// SMCCC_VERSION: GUNYAH_SMCCC_VERSION(major, minor), or NOT_SUPPORTED (-1) before 1.1.
inline std::int32_t smccc_version()
{
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(detail::smccc(GUNYAH_SMCCC_VERSION_ID).x[0]));
}

}  // namespace gunyah
