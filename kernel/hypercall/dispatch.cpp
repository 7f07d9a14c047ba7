// Decoding the two hypercall forms and the SMCCC service calls (see hypercall.h).
#include "kernel/hypercall/hypercall.h"

#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/hyp_debug.h"
#include "kernel/hypercall/handlers.h"

namespace hyp::hypercall {
namespace {

constexpr std::uint64_t not_supported = ~std::uint64_t{0};  // SMCCC NOT_SUPPORTED, -1

Return not_supported_return()
{
    Return r;
    r.x[0] = not_supported;
    return r;
}

Return call_handler(Caller& caller, std::uint32_t number, const Args& args)
{
    if (number == HYP_HC_DEBUG_STATS && debug_calls_enabled()) {
        if (args.arg[0] != 0) {
            return error_return(Error::arg_inval);  // its one input is R0
        }
        return hyp_debug_stats(caller, args);
    }
    const Entry* entry = lookup(number);
    if (entry == nullptr || entry->handler == nullptr) {
        return not_supported_return();
    }
    if (entry->reserved_zero >= 0 && args.arg[entry->reserved_zero] != 0) {
        return error_return(Error::arg_inval);
    }
    // Every call but identify names objects by cap; a caller without a cspace has none.
    if (caller.cspace == nullptr && number != GUNYAH_HC_HYP_IDENTIFY) {
        return error_return(Error::cspace_cap_null);
    }
    return entry->handler(caller, args);
}

// SMCCC calls that are not Gunyah hypercalls: the Arm architecture calls (owner 0) and
// the vendor-hypervisor service calls (owner 6, functions 0xff00..).
constexpr std::uint32_t smccc_arch_features_id = 0x80000001u;

Return service_call(std::uint32_t function_id, std::uint64_t x1)
{
    Return r;
    switch (function_id) {
    case GUNYAH_SMCCC_VERSION_ID:
        r.x[0] = GUNYAH_SMCCC_VERSION_1_3;
        return r;
    case smccc_arch_features_id:
        // Mandatory from SMCCC 1.1: 0 for the architecture calls we implement, NOT_SUPPORTED
        // for the rest (the CPU-erratum workaround calls among them).
        if (x1 == GUNYAH_SMCCC_VERSION_ID || x1 == smccc_arch_features_id) {
            return r;
        }
        return not_supported_return();
    case GUNYAH_SMCCC_VENDOR_HYP_CALL_UID:
        r.x[0] = GUNYAH_UID_X0;
        r.x[1] = GUNYAH_UID_X1;
        r.x[2] = GUNYAH_UID_X2;
        r.x[3] = GUNYAH_UID_X3;
        return r;
    case GUNYAH_SMCCC_VENDOR_HYP_REVISION:
        r.x[0] = GUNYAH_API_INFO(GUNYAH_API_VERSION, 0, 1, 0);
        return r;
    default:
        return not_supported_return();
    }
}

}  // namespace

Return dispatch_smccc(Caller& caller, const std::uint64_t (&regs)[8])
{
    // SMCCC function ids are 32 bits; a caller that sets the upper half of x0 has not
    // made a valid call (SMCCC: "the upper 32 bits are ignored" only for SMC32 ids,
    // which Gunyah hypercalls are not).
    if ((regs[0] >> 32) != 0) {
        return not_supported_return();
    }
    auto function_id = static_cast<std::uint32_t>(regs[0]);
    if (GUNYAH_HC_SMCCC_IS_HYPERCALL(function_id)) {
        Args args;
        for (unsigned i = 0; i < 7; ++i) {
            args.arg[i] = regs[i + 1];
        }
        return call_handler(caller, GUNYAH_HC_SMCCC_NUM(function_id), args);
    }
    return service_call(function_id, regs[1]);
}

Return dispatch_native(Caller& caller, std::uint32_t imm, const std::uint64_t (&regs)[8])
{
    if (!GUNYAH_HC_NATIVE_IS_HYPERCALL(imm)) {
        return not_supported_return();
    }
    Args args;
    for (unsigned i = 0; i < 8; ++i) {
        args.arg[i] = regs[i];
    }
    return call_handler(caller, GUNYAH_HC_NATIVE_NUM(imm), args);
}

}  // namespace hyp::hypercall
