// PSCI calls to firmware (see psci.h). The conduit defaults to SMC, the only one
// available to EL2 on a real board; QEMU also uses SMC when virtualization=on.
#include <arch/psci.h>

#include "hyp_api/psci.h"

namespace hyp::arch::psci {
namespace {

constinit Conduit current_conduit = Conduit::smc;

std::int64_t call(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0, std::uint64_t a3 = 0)
{
    register std::uint64_t x0 asm("x0") = function;
    register std::uint64_t x1 asm("x1") = a1;
    register std::uint64_t x2 asm("x2") = a2;
    register std::uint64_t x3 asm("x3") = a3;
    // SMCCC: x0-x17 may be clobbered by the callee; x0 holds the result.
    if (current_conduit == Conduit::smc) {
        asm volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x16", "x17", "memory");
    } else {
        asm volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x16", "x17", "memory");
    }
    return static_cast<std::int64_t>(x0);
}

}  // namespace

void set_conduit(Conduit conduit) { current_conduit = conduit; }

std::uint32_t version() { return static_cast<std::uint32_t>(call(PSCI_FN_VERSION)); }

std::int64_t cpu_on(std::uint64_t mpidr, std::uint64_t entry, std::uint64_t context)
{
    return call(PSCI_FN_CPU_ON_64, mpidr, entry, context);
}

void system_off()
{
    (void)call(PSCI_FN_SYSTEM_OFF);
    // Firmware that returns from SYSTEM_OFF has failed; nothing more can be done.
    for (;;) {
        asm volatile("wfi");
    }
}

void system_reset()
{
    (void)call(PSCI_FN_SYSTEM_RESET);
    for (;;) {
        asm volatile("wfi");
    }
}

const char* return_code_name(std::int64_t code)
{
    switch (code) {
    case PSCI_RET_SUCCESS: return "success";
    case PSCI_RET_NOT_SUPPORTED: return "not supported";
    case PSCI_RET_INVALID_PARAMETERS: return "invalid parameters";
    case PSCI_RET_DENIED: return "denied";
    case PSCI_RET_ALREADY_ON: return "already on";
    case PSCI_RET_ON_PENDING: return "on pending";
    case PSCI_RET_INTERNAL_FAILURE: return "internal failure";
    case PSCI_RET_NOT_PRESENT: return "not present";
    case PSCI_RET_DISABLED: return "disabled";
    case PSCI_RET_INVALID_ADDRESS: return "invalid address";
    default: return "unknown";
    }
}

}  // namespace hyp::arch::psci
