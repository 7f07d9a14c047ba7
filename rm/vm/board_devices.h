// The board's devices for the primary VM. On a board whose primary VM gets the board's
// own device tree (boot info's RM_BOOT_INFO_BOARD_DTB), that VM drives the board's
// devices itself, as Gunyah's HLOS does (gunyah-rm.md: "maps all HW IRQs direct" and
// "maps the device ME"), so that the tree's `reg` and `interrupts` work as they are:
//   - every range of device memory the hypervisor gave the RM is mapped into it at
//     IPA = PA; the hypervisor has already left out what it keeps (the GIC, whose
//     virtual one sits at the same addresses; its console UART, where the VM's virtual
//     PL011 sits; the SMMUs);
//   - every hardware interrupt (hwirq) is bound to the same INTID of its vic, but those
//     the VM's own devices already use (its RPC link to the RM).
//
// Stage 2 maps device memory Device-nGnRE, read-write, never executable, as KVM maps a
// VM's devices: the VM's own stage-1 type still decides within that (nGnRnE stays so),
// and no Normal mapping of a device can come from stage 1 alone.
//
// Secondary VMs get none of it: the RM gives them no physical devices.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_memory.h"
#include "hyp_api/rm_boot_info.h"
#include "rm/core/diagnostic.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

inline constexpr std::uint32_t vm_device_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE);

// Maps each of boot info's device ranges, whole, into `addrspace` at IPA = PA; stops at
// the first failure, naming the range (what was mapped stays: the caller's failure path
// deletes the address space).
[[nodiscard]] Status map_device_memory(Hypervisor& hv, const rm_boot_info& info, CapId addrspace, Diagnostic& diag);

struct HwirqBinding {
    std::size_t bound = 0;    // hwirqs now forwarded to the VM
    std::size_t in_use = 0;   // left out: the VM's own devices have the INTID (irq_bound)
    std::size_t beyond = 0;   // left out: past the vic's SPIs
};
// Binds each of boot info's hwirqs to the same INTID of `vic` (which has `vic_spis`
// SPIs from INTID 32), after the VM's own virtual devices have taken theirs. A failure
// other than irq_bound stops it, naming the INTID.
[[nodiscard]] Result<HwirqBinding> bind_hardware_interrupts(Hypervisor& hv, const rm_boot_info& info, CapId vic,
                                                            std::uint32_t vic_spis, Diagnostic& diag);

}  // namespace hyp::rm
