// The device tree a VMM hands the RM for a secondary VM (at dtb_offset in the image
// parcel, at most dtb_size bytes): what the RM reads from it, and the /hypervisor node
// it writes into it, in place, before the VM starts.
//
// Read (docs/rm-secondary-vms.md has the whole contract):
//   /cpus                     one child per vCPU (device_type = "cpu", or named cpu@N);
//                             1..secondary_max_vcpus of them
//   /gunyah-vm-config or /qcom,vm-config (Gunyah's vm-config node, Linux's sample_vm.dts)
//     memory { base-address = <hi lo>; }   the IPA the image parcel is mapped at
//                                           (#address-cells of the memory node, default 2)
//     vcpus { affinity = "proxy"; }        vCPUs run only through the owner's vcpu_run
// Written: /hypervisor (as in the primary VM's tree) with qcom,gunyah-vm (qcom,vmid,
// qcom,owner-vmid) and the VM's RPC queue pair to the RM.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/core/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/primary_dt.h"

namespace hyp::rm {

struct SecondaryDtConfig {
    std::uint32_t vcpu_count = 0;
    bool has_mem_base = false;
    std::uint64_t mem_base = 0;
    bool proxy = false;
};

// Checks the tree whole (libfdt's fdt_check_full, within `size` bytes) and reads it.
// Error::arg_inval with the reason for a malformed tree or one the RM cannot run.
[[nodiscard]] Result<SecondaryDtConfig> read_secondary_dt(const void* fdt, std::size_t size,
                                                          std::uint32_t max_vcpus, Diagnostic& diag);

struct SecondaryDtNodes {
    std::uint16_t vmid = 0;
    std::uint16_t owner_vmid = 0;
    RmLinkNode link;
};

// Replaces /hypervisor (if any) with the RM's, in place: the tree may grow up to
// `capacity` bytes (nomem when it does not fit) and is packed again.
[[nodiscard]] Status write_secondary_dt(void* fdt, std::size_t capacity, const SecondaryDtNodes& nodes,
                                        Diagnostic& diag);

}  // namespace hyp::rm
