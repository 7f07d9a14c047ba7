// The table of secondary VMs (see vm_table.h).
#include "rm/vm/vm_table.h"

namespace hyp::rm {
namespace {

bool taken_in(const VmRecord* vms, std::uint16_t vmid)
{
    for (std::size_t i = 0; i < max_secondary_vms; ++i) {
        if (vms[i].used && vms[i].vmid == vmid) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::uint32_t VmTable::allocate(std::uint16_t requested, std::uint16_t owner, VmRecord*& out)
{
    std::uint16_t vmid = 0;
    if (requested == 0) {
        for (std::uint32_t id = GUNYAH_RM_VMID_DYNAMIC_FIRST; id <= GUNYAH_RM_VMID_DYNAMIC_LAST; ++id) {
            if (!taken_in(vms_, static_cast<std::uint16_t>(id))) {
                vmid = static_cast<std::uint16_t>(id);
                break;
            }
        }
    } else if (requested >= static_vmid_first && requested <= static_vmid_last && !taken_in(vms_, requested)) {
        vmid = requested;
    }
    if (vmid == 0) {
        return GUNYAH_RM_ERROR_NORESOURCE;
    }
    for (VmRecord& vm : vms_) {
        if (!vm.used) {
            const std::size_t slot = vm.slot;
            vm = VmRecord{};
            vm.used = true;
            vm.slot = slot;
            vm.vmid = vmid;
            vm.owner = owner;
            vm.state = VmState::load;
            out = &vm;
            return GUNYAH_RM_OK;
        }
    }
    return GUNYAH_RM_ERROR_NORESOURCE;
}

void VmTable::release(VmRecord& vm)
{
    const std::size_t slot = vm.slot;
    vm = VmRecord{};
    vm.slot = slot;
}

VmRecord* VmTable::find(std::uint16_t vmid)
{
    for (VmRecord& vm : vms_) {
        if (vm.used && vm.vmid == vmid) {
            return &vm;
        }
    }
    return nullptr;
}

std::size_t VmTable::free_slots() const
{
    std::size_t n = 0;
    for (const VmRecord& vm : vms_) {
        n += vm.used ? 0 : 1;
    }
    return n;
}

}  // namespace hyp::rm
