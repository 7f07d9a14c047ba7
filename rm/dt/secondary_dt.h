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
//     vdevices { <name> { vdevice-type = "doorbell" | "doorbell-source"; peer-default;
//                         generate = "/hypervisor/<node>"; qcom,label = <n>;
//                         interrupts = <0 intid 1>; (doorbell only, optional) }; }
//                                           Gunyah RM's vm_config_parser.c syntax; at most
//                                           max_vm_doorbells
// Written: /hypervisor (as in the primary VM's tree) with qcom,gunyah-vm (qcom,vmid,
// qcom,owner-vmid), the VM's RPC queue pair to the RM and one node per doorbell
// (Gunyah's dto_create_doorbell: <generate>@<cap>).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/primary_dt.h"

namespace hyp::rm {

// Doorbells a secondary VM's config may declare (more: ARG_INVALID at VM_INIT).
inline constexpr std::size_t max_vm_doorbells = 4;
inline constexpr std::size_t doorbell_name_max = 32;  // the node name, NUL included

// One `vdevice-type = "doorbell"` (the VM receives, its owner sends) or
// "doorbell-source" (the VM sends, its owner receives) child of vdevices.
struct DoorbellConfig {
    bool source = false;
    std::uint32_t label = 0;               // qcom,label, else label (0 when neither, as Gunyah)
    char name[doorbell_name_max] = {};     // under /hypervisor: generate's last part
    std::uint32_t intid = 0;               // the VM's SPI from `interrupts`, 0: the RM picks
};

struct SecondaryDtConfig {
    std::uint32_t vcpu_count = 0;
    bool has_mem_base = false;
    std::uint64_t mem_base = 0;
    bool proxy = false;
    DoorbellConfig doorbells[max_vm_doorbells];
    std::size_t doorbell_count = 0;
};

// Checks the tree whole (libfdt's fdt_check_full, within `size` bytes) and reads it.
// Error::arg_inval with the reason for a malformed tree or one the RM cannot run.
[[nodiscard]] Result<SecondaryDtConfig> read_secondary_dt(const void* fdt, std::size_t size,
                                                          std::uint32_t max_vcpus, Diagnostic& diag);

// A doorbell node as the VM sees it: compatible "qcom,gunyah-doorbell(-source)",
// "qcom,gunyah-capability"; reg = its cap in the VM's cspace; interrupts only on the
// receiving end; qcom,label and label.
struct DoorbellNode {
    const char* name = nullptr;
    bool source = false;
    std::uint64_t cap = 0;
    std::uint32_t intid = 0;  // the VM's SPI (receiving end only)
    std::uint32_t label = 0;
};

struct SecondaryDtNodes {
    std::uint16_t vmid = 0;
    std::uint16_t owner_vmid = 0;
    RmLinkNode link;
    DoorbellNode doorbells[max_vm_doorbells];
    std::size_t doorbell_count = 0;
};

// Replaces /hypervisor (if any) with the RM's, in place: the tree may grow up to
// `capacity` bytes (nomem when it does not fit) and is packed again.
[[nodiscard]] Status write_secondary_dt(void* fdt, std::size_t capacity, const SecondaryDtNodes& nodes,
                                        Diagnostic& diag);

}  // namespace hyp::rm
