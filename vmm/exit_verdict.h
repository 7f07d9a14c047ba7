// What the VM's end means for the VMM's exit status and its last words on stderr: the
// first GH_VCPU_EXIT_STATUS a vCPU sees, mapped onto exit_codes.h.
#pragma once

#include <cstdint>
#include <string>

namespace vmm {

// gh_vm_exit_info.type: the RM's VM_EXITED types (uapi/gunyah.h lists them in a comment).
namespace exit_type {
inline constexpr std::uint16_t vm_exit = 0;
inline constexpr std::uint16_t plat_off = 1;      // PSCI SYSTEM_OFF
inline constexpr std::uint16_t plat_reset = 2;    // PSCI SYSTEM_RESET
inline constexpr std::uint16_t psci_reset2 = 3;   // PSCI SYSTEM_RESET2
inline constexpr std::uint16_t wdog_bite = 4;
inline constexpr std::uint16_t sw_err = 5;
inline constexpr std::uint16_t async_hw_err = 6;
inline constexpr std::uint16_t stop_forced = 7;
}  // namespace exit_type

struct Verdict {
    int exit_code = 0;
    std::string message;  // one line, without the "vmm: " prefix
};

// status: gh_vm_status (LOAD_FAILED, EXITED, CRASHED); type: gh_vm_exit_info.type,
// meaningful for EXITED.
[[nodiscard]] Verdict verdict_for(std::uint32_t status, std::uint16_t type);

}  // namespace vmm
