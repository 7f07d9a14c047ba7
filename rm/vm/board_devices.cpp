// The board's devices for the primary VM (see board_devices.h).
#include "rm/vm/board_devices.h"

namespace hyp::rm {

Status map_device_memory(Hypervisor& hv, const rm_boot_info& info, CapId addrspace, Diagnostic& diag)
{
    for (std::uint32_t i = 0; i < info.device_range_count; ++i) {
        const rm_boot_device_range& range = info.device_ranges[i];
        Error e = hv.addrspace_map(addrspace, range.memextent_cap, range.phys.base, vm_device_attrs, 0, 0, 0);
        if (e != Error::ok) {
            return refuse(diag, e, "addrspace_map (device memory [{:#x}, +{:#x}) into the primary VM) failed: {}",
                          range.phys.base, range.phys.size, e);
        }
    }
    return success();
}

Result<HwirqBinding> bind_hardware_interrupts(Hypervisor& hv, const rm_boot_info& info, CapId vic,
                                              std::uint32_t vic_spis, Diagnostic& diag)
{
    HwirqBinding result;
    for (std::uint32_t i = 0; i < info.hwirq_count; ++i) {
        const CapId cap = info.hwirq_caps[i];
        if (cap == cap_invalid) {
            continue;  // the hypervisor's own
        }
        if (i >= vic_spis) {
            ++result.beyond;
            continue;
        }
        const std::uint32_t intid = 32 + i;
        Error e = hv.hwirq_bind_virq(cap, vic, intid);
        if (e == Error::irq_bound) {
            ++result.in_use;
        } else if (e != Error::ok) {
            return refuse(diag, e, "hwirq_bind_virq (INTID {} to the primary VM) failed: {}", intid, e);
        } else {
            ++result.bound;
        }
    }
    return result;
}

}  // namespace hyp::rm
