// The VM's end as an exit status (see exit_verdict.h).
#include "vmm/exit_verdict.h"

#include "linux/gunyah/uapi/gunyah.h"
#include "vmm/exit_codes.h"

namespace vmm {
namespace {

const char* type_name(std::uint16_t type)
{
    switch (type) {
    case exit_type::vm_exit: return "VM_EXIT";
    case exit_type::plat_off: return "PLAT_OFF";
    case exit_type::plat_reset: return "PLAT_RESET";
    case exit_type::psci_reset2: return "PSCI_RESET2";
    case exit_type::wdog_bite: return "WDOG_BITE";
    case exit_type::sw_err: return "SW_ERR";
    case exit_type::async_hw_err: return "ASYNC_HW_ERR";
    case exit_type::stop_forced: return "STOP_FORCED";
    default: return "unknown";
    }
}

Verdict exited(std::uint16_t type)
{
    switch (type) {
    case exit_type::vm_exit:
    case exit_type::plat_off:
        return {exit_powered_off, "the VM powered off"};
    // With panic=-1 a Linux that crashes resets itself at once: the usual sign of a crash.
    case exit_type::plat_reset:
    case exit_type::psci_reset2:
        return {exit_reset, "the VM reset itself (a crash, with panic=-1)"};
    case exit_type::stop_forced:
        return {exit_stopped, "the VM was stopped by force (STOP_FORCED)"};
    default:
        return {exit_stopped, "the VM exited with type " + std::to_string(type) + " (" + type_name(type) + ")"};
    }
}

}  // namespace

Verdict verdict_for(std::uint32_t status, std::uint16_t type)
{
    switch (status) {
    case GH_VM_STATUS_EXITED: return exited(type);
    case GH_VM_STATUS_CRASHED: return {exit_crashed, "the VM crashed"};
    case GH_VM_STATUS_LOAD_FAILED:
        return {exit_load_failed, "the VM could not be loaded (the resource manager refused it: see its log)"};
    default:
        return {exit_stopped, "the VM stopped with unknown status " + std::to_string(status)};
    }
}

}  // namespace vmm
