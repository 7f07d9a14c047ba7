// The VM services' shared state and notifications (see vm_service.h).
#include "rm/vm/vm_service.h"

#include "hyp_api/gunyah_objects.h"
#include "rm/rpc/wire.h"
#include "rm/vm/secondary_vm.h"

namespace hyp::rm {

void VmService::init(const RmEnv& e, Hypervisor& h, Memory& m, ClientPort& p, Console* c)
{
    env = e;
    hv = &h;
    memory = &m;
    port = &p;
    console = c;
}

void VmService::set_state(VmRecord& vm, VmState state)
{
    vm.state = state;
    std::uint8_t bytes[8];
    rpc::WireWriter w{bytes, sizeof bytes};
    w.le16(vm.vmid);
    w.le16(0);
    w.u8(static_cast<std::uint8_t>(state));
    w.u8(vm.os_state);
    w.le16(vm.app_status);
    (void)port->notify(vm.owner, GUNYAH_RM_NOTIF_VM_STATUS, bytes, w.size());
}

void VmService::send_exited(const VmRecord& vm, std::uint16_t exit_type, std::uint16_t exit_flags,
                            std::uint8_t exit_code)
{
    std::uint8_t bytes[12];
    rpc::WireWriter w{bytes, sizeof bytes};
    w.le16(vm.vmid);
    w.le16(exit_type);
    w.le32(4);
    w.le32(GUNYAH_RM_EXIT_REASON_WORD0(exit_flags, exit_code));
    (void)port->notify(vm.owner, GUNYAH_RM_NOTIF_VM_EXITED, bytes, w.size());
}

void VmService::poll_exits()
{
    for (std::size_t slot = 0; slot < max_secondary_vms; ++slot) {
        VmRecord& vm = vms.at(slot);
        if (vm.used) {
            (void)check_exit(vm);
        }
    }
}

bool VmService::check_exit(VmRecord& vm)
{
    if (vm.state != VmState::running) {
        return vm.state == VmState::exited;
    }
    {
        std::uint16_t exit_type = 0;
        bool exited = false;
        for (std::uint32_t i = 0; i < vm.objects.vcpu_count && !exited; ++i) {
            const RunState r = hv->vcpu_run_check(vm.objects.vcpus[i]);
            if (r.error != Error::ok) {
                continue;
            }
            if (r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF && (r.data[0] & GUNYAH_VCPU_RUN_POWERED_OFF_EXITED) != 0) {
                exited = true;
                exit_type = GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF;
            } else if (r.state == GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET) {
                exited = true;
                exit_type = GUNYAH_RM_EXIT_TYPE_PLATFORM_RESET;
            }
        }
        if (exited) {
            kill_secondary_vcpus(*this, vm);
            set_state(vm, VmState::exited);
            send_exited(vm, exit_type, 0, GUNYAH_RM_EXIT_CODE_NORMAL);
        }
        return exited;
    }
}

void VmService::drop_cap(CapId cspace, CapId& cap)
{
    if (cap != cap_invalid) {
        if (hv->cspace_delete_cap_from(cspace, cap) != Error::ok) {
            ++teardown_failures;
        }
        cap = cap_invalid;
    }
}

bool VmService::vmid_exists(std::uint16_t vmid)
{
    return vmid == GUNYAH_RM_VMID_HLOS || vms.find(vmid) != nullptr;
}

ParcelContext VmService::parcel_context() const
{
    ParcelContext ctx;
    ctx.hv = hv;
    ctx.partition = env.partition;
    ctx.rm_cspace = env.rm_cspace;
    ctx.lender = env.primary_memory;
    return ctx;
}

void VmService::report_parcels()
{
    if (console != nullptr) {
        console->print("parcels: {} live, {} bytes lent or shared", parcels.live(), parcels.bytes_given());
    }
}

void VmService::report_failure(std::uint16_t vmid, const char* step, std::uint32_t rm_error)
{
    if (console != nullptr) {
        console->print("VM {}: {} failed with RM error {:#x}: {}", vmid, step, rm_error,
                       last_error.empty() ? "(no detail)" : last_error.c_str());
    }
}

std::uint32_t VmService::take_wakeup_intid()
{
    for (std::uint32_t i = 0; i < owner_wakeup_intid_count; ++i) {
        if ((wakeup_used_ & (std::uint64_t{1} << i)) == 0) {
            wakeup_used_ |= std::uint64_t{1} << i;
            return owner_wakeup_intid_first + i;
        }
    }
    return 0;
}

void VmService::give_wakeup_intid(std::uint32_t intid)
{
    if (intid >= owner_wakeup_intid_first && intid < owner_wakeup_intid_first + owner_wakeup_intid_count) {
        wakeup_used_ &= ~(std::uint64_t{1} << (intid - owner_wakeup_intid_first));
    }
}

std::uint32_t VmService::free_wakeup_intids() const
{
    std::uint32_t n = 0;
    for (std::uint32_t i = 0; i < owner_wakeup_intid_count; ++i) {
        n += (wakeup_used_ & (std::uint64_t{1} << i)) == 0 ? 1 : 0;
    }
    return n;
}

}  // namespace hyp::rm
