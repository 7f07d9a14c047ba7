// The board's device memory for the primary VM (see device_memory.h).
#include "rm/vm/device_memory.h"

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

}  // namespace hyp::rm
