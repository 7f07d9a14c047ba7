// VM lifecycle handlers (see vm_handlers.h).
#include "rm/rpc/vm_handlers.h"

#include "hyp_api/gunyah_objects.h"
#include "rm/vm/secondary_vm.h"

namespace hyp::rm::rpc {
namespace {

VmService& service_of(void* context) { return *static_cast<VmService*>(context); }

constexpr std::uint64_t min_dtb_size = 40;

// The payload that is a vmid and a reserved u16.
bool read_vmid(const Request& request, std::uint16_t& vmid)
{
    WireReader r = request.reader();
    vmid = r.le16();
    const std::uint16_t reserved = r.le16();
    return r.done() && reserved == 0;
}

// Gunyah answers VMID_INVALID for an unknown VM, and for one the caller does not own
// either VMID_INVALID (VM_STOP, VM_RESET) or DENIED (the others).
std::uint32_t owned(VmService& s, const Request& request, std::uint16_t vmid, std::uint32_t not_owner,
                    VmRecord*& vm)
{
    vm = s.vms.find(vmid);
    if (vm == nullptr) {
        return GUNYAH_RM_ERROR_VMID_INVALID;
    }
    return vm->owner == request.client_vmid ? GUNYAH_RM_OK : not_owner;
}

// A request whose payload is one vmid (and a reserved u16), for a VM the caller owns:
// the record, or the error to answer (MSG_INVALID, then as owned()).
std::uint32_t owned_vm_request(VmService& s, const Request& request, std::uint32_t not_owner, VmRecord*& vm)
{
    std::uint16_t vmid = 0;
    if (!read_vmid(request, vmid)) {
        return malformed_request;
    }
    return owned(s, request, vmid, not_owner, vm);
}

HandlerResult vm_alloc_vmid(void* context, const Request& request, WireWriter& reply)
{
    VmService& s = service_of(context);
    if (request.client_vmid != GUNYAH_RM_VMID_HLOS) {
        return HandlerResult::error(GUNYAH_RM_ERROR_DENIED);
    }
    std::uint16_t requested = 0;
    if (!read_vmid(request, requested)) {
        return HandlerResult::error(malformed_request);
    }
    VmRecord* vm = nullptr;
    const std::uint32_t e = s.vms.allocate(requested, request.client_vmid, vm);
    if (e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (requested == 0) {
        reply.le32(vm->vmid);
    }
    return HandlerResult::ok();
}

HandlerResult vm_dealloc_vmid(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned_vm_request(s, request, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (vm->state != VmState::load && vm->state != VmState::reset) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    // Unlike Gunyah: not while a parcel still names it (its VMID could be given to
    // another VM, which would then find that memory lent to it).
    for (std::size_t i = 0; i < max_parcels; ++i) {
        Parcel& p = s.parcels.at(i);
        if (p.used && p.access_of(vm->vmid) != nullptr) {
            return HandlerResult::error(GUNYAH_RM_ERROR_IN_USE);
        }
    }
    s.vms.release(*vm);
    return HandlerResult::ok();
}

HandlerResult vm_config_image(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint16_t vmid = r.le16();
    const std::uint16_t auth = r.le16();
    const std::uint32_t handle = r.le32();
    const std::uint64_t image_offset = r.le64();
    const std::uint64_t image_size = r.le64();
    const std::uint64_t dtb_offset = r.le64();
    const std::uint64_t dtb_size = r.le64();
    if (!r.done()) {
        return HandlerResult::error(malformed_request);
    }
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned(s, request, vmid, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (vm->state != VmState::load && vm->state != VmState::reset) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    if (auth != GUNYAH_RM_VM_AUTH_NONE) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);  // no authentication here
    }
    Parcel* parcel = s.parcels.find(handle);
    if (parcel == nullptr || parcel->owner != request.client_vmid || !parcel->complete ||
        parcel->access_of(vmid) == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if (parcel->image_of != 0 && parcel->image_of != vmid) {
        return HandlerResult::error(GUNYAH_RM_ERROR_MEM_INUSE);
    }
    const std::uint64_t total = parcel->total_size();
    // A DT is at least its 40-byte header (struct fdt_header).
    if (dtb_size < min_dtb_size || dtb_offset >= total || dtb_size > total - dtb_offset || image_offset >= total ||
        image_size > total - image_offset) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    vm->image_handle = handle;
    vm->image_offset = image_offset;
    vm->image_size = image_size;
    vm->dtb_offset = dtb_offset;
    vm->dtb_size = dtb_size;
    vm->boot_count = 0;
    parcel->image_of = vmid;
    s.set_state(*vm, VmState::init);
    return HandlerResult::ok();
}

HandlerResult vm_init(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned_vm_request(s, request, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (vm->state != VmState::init) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    Parcel* image = s.parcels.find(vm->image_handle);
    if (image == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    s.last_error.clear();
    const std::uint32_t e = build_secondary_vm(s, *vm, *image);
    if (e != GUNYAH_RM_OK) {
        s.report_failure(vm->vmid, "VM_INIT", e);
        s.set_state(*vm, VmState::init_failed);
        return HandlerResult::error(e);
    }
    s.port->link_up(*vm);
    s.set_state(*vm, VmState::ready);
    return HandlerResult::ok();
}

HandlerResult vm_start(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned_vm_request(s, request, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (vm->state != VmState::ready) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    s.last_error.clear();
    const std::uint32_t e = start_secondary_vm(s, *vm);
    if (e != GUNYAH_RM_OK) {
        s.report_failure(vm->vmid, "VM_START", e);
    }
    s.set_state(*vm, e == GUNYAH_RM_OK ? VmState::running : VmState::init_failed);
    return HandlerResult::error(e);
}

HandlerResult vm_stop(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint16_t vmid = r.le16();
    const std::uint8_t flags = r.u8();
    const std::uint8_t reserved = r.u8();
    const std::uint32_t stop_reason = r.le32();
    if (!r.done()) {
        return HandlerResult::error(malformed_request);
    }
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned(s, request, vmid, GUNYAH_RM_ERROR_VMID_INVALID, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (reserved != 0 || (flags & ~GUNYAH_RM_VM_STOP_FORCE) != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    const bool was_running = vm->state == VmState::running;
    if (s.check_exit(*vm)) {
        // Gunyah answers VM_STATE for a VM that has exited. One whose exit this call is
        // the first to see (it powered off before the owner's stop arrived, between two of
        // the RM's looks) was running as far as the owner could know: its stop is done.
        return was_running ? HandlerResult::ok() : HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    if (vm->state != VmState::running) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    if ((flags & GUNYAH_RM_VM_STOP_FORCE) == 0) {
        // Asks the VM to shut itself down, as Gunyah does; it exits when it powers off.
        std::uint8_t bytes[4];
        WireWriter w{bytes, sizeof bytes};
        w.le32(stop_reason);
        (void)s.port->notify(vmid, GUNYAH_RM_NOTIF_VM_SHUTDOWN, bytes, w.size());
        return HandlerResult::ok();
    }
    kill_secondary_vcpus(s, *vm);
    s.set_state(*vm, VmState::exited);
    s.send_exited(*vm, GUNYAH_RM_EXIT_TYPE_STOP_FORCED, 0, GUNYAH_RM_EXIT_CODE_NORMAL);
    return HandlerResult::ok();
}

HandlerResult vm_reset(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned_vm_request(s, request, GUNYAH_RM_ERROR_VMID_INVALID, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    (void)s.check_exit(*vm);  // it may have powered off since the last periodic look
    if (vm->state != VmState::exited && vm->state != VmState::ready && vm->state != VmState::init_failed) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    if (vm->state == VmState::ready) {
        kill_secondary_vcpus(s, *vm);
    }
    s.set_state(*vm, VmState::resetting);
    if (vm->built) {
        s.port->link_down(*vm);
    }
    teardown_secondary_vm(s, *vm);
    if (Parcel* image = s.parcels.find(vm->image_handle); image != nullptr && image->image_of == vm->vmid) {
        image->image_of = 0;  // lent and unmapped: the owner may reclaim it
    }
    vm->image_handle = 0;
    vm->boot_count = 0;
    s.set_state(*vm, VmState::reset);
    s.report_parcels();
    return HandlerResult::ok();
}

HandlerResult vm_get_hyp_resources(void* context, const Request& request, WireWriter& reply)
{
    VmService& s = service_of(context);
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned_vm_request(s, request, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (!vm->built) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    const SecondaryObjects& o = vm->objects;
    reply.le32(o.vcpu_count + o.doorbell_count);
    for (std::uint32_t i = 0; i < o.vcpu_count; ++i) {
        reply.u8(GUNYAH_RM_RES_VCPU);
        reply.u8(0);
        reply.le16(vm->vmid);          // partner: the VM the vCPU belongs to
        reply.le32(0);                 // resource handle
        reply.le32(i);                 // label: the vCPU index, which Linux matches
        reply.le64(o.owner_vcpus[i]);  // in the caller's cspace
        reply.le32(0);                 // virq handle
        // The GIC INTID (Linux maps virq - 32 as an SPI); all ones: none.
        reply.le32(o.wakeup_intids[i] != 0 ? o.wakeup_intids[i] : 0xFFFFFFFFu);
        reply.le64(0);
        reply.le64(0);
    }
    // The owner's end of each doorbell (Gunyah's get_vdev_desc, "from peer vdevice
    // list"): a doorbell the VM receives is the owner's to send, and the other way round.
    for (std::uint32_t i = 0; i < o.doorbell_count; ++i) {
        const VmDoorbell& db = o.doorbells[i];
        reply.u8(db.source ? GUNYAH_RM_RES_DOORBELL_RECV : GUNYAH_RM_RES_DOORBELL_SEND);
        reply.u8(0);
        reply.le16(vm->vmid);
        reply.le32(0);
        reply.le32(db.label);
        reply.le64(db.owner_cap);
        reply.le32(0);
        reply.le32(db.source ? db.intid : 0);  // Gunyah: 0 for the sending end
        reply.le64(0);
        reply.le64(0);
    }
    return HandlerResult::ok();
}

bool valid_register(std::uint8_t set, std::uint8_t index)
{
    switch (set) {
    case GUNYAH_VCPU_REG_SET_X: return index < GUNYAH_VCPU_REG_X_COUNT;
    case GUNYAH_VCPU_REG_SET_PC: return index == 0;
    case GUNYAH_VCPU_REG_SET_SP: return index <= GUNYAH_VCPU_REG_SP_EL1;
    default: return false;
    }
}

HandlerResult vm_set_boot_context(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint16_t vmid = r.le16();
    const std::uint8_t set = r.u8();
    const std::uint8_t index = r.u8();
    const std::uint32_t reserved = r.le32();
    const std::uint64_t value = r.le64();
    if (!r.done()) {
        return HandlerResult::error(malformed_request);
    }
    VmRecord* vm = nullptr;
    if (std::uint32_t e = owned(s, request, vmid, GUNYAH_RM_ERROR_DENIED, vm); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (vm->state != VmState::ready) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VM_STATE);
    }
    if (reserved != 0 || !valid_register(set, index)) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    for (std::size_t i = 0; i < vm->boot_count; ++i) {
        if (vm->boot[i].reg_set == set && vm->boot[i].reg_index == index) {
            vm->boot[i].value = value;
            return HandlerResult::ok();
        }
    }
    if (vm->boot_count == max_boot_context) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);
    }
    vm->boot[vm->boot_count++] = BootRegister{set, index, value};
    return HandlerResult::ok();
}

HandlerResult vm_get_state(void* context, const Request& request, WireWriter& reply)
{
    VmService& s = service_of(context);
    std::uint16_t vmid = 0;
    if (!read_vmid(request, vmid)) {
        return HandlerResult::error(malformed_request);
    }
    if (vmid == 0) {
        vmid = request.client_vmid;
    }
    if (vmid == GUNYAH_RM_VMID_HLOS) {
        reply.le32(GUNYAH_RM_VM_STATE_WORD(GUNYAH_RM_VM_STATUS_RUNNING, 0, 0));
        return HandlerResult::ok();
    }
    VmRecord* vm = s.vms.find(vmid);
    if (vm == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);  // as Gunyah answers
    }
    if (vm->owner != request.client_vmid && vm->vmid != request.client_vmid) {
        return HandlerResult::error(GUNYAH_RM_ERROR_DENIED);
    }
    reply.le32(GUNYAH_RM_VM_STATE_WORD(static_cast<std::uint32_t>(vm->state), vm->os_state, vm->app_status));
    return HandlerResult::ok();
}

}  // namespace

bool add_vm_handlers(Dispatcher& d, VmService& s)
{
    struct Entry {
        std::uint32_t id;
        HandlerFn fn;
    };
    static constexpr Entry entries[] = {
        {GUNYAH_RM_MSG_VM_ALLOC_VMID, &vm_alloc_vmid},
        {GUNYAH_RM_MSG_VM_DEALLOC_VMID, &vm_dealloc_vmid},
        {GUNYAH_RM_MSG_VM_CONFIG_IMAGE, &vm_config_image},
        {GUNYAH_RM_MSG_VM_INIT, &vm_init},
        {GUNYAH_RM_MSG_VM_START, &vm_start},
        {GUNYAH_RM_MSG_VM_STOP, &vm_stop},
        {GUNYAH_RM_MSG_VM_RESET, &vm_reset},
        {GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, &vm_get_hyp_resources},
        {GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, &vm_set_boot_context},
        {GUNYAH_RM_MSG_VM_GET_STATE, &vm_get_state},
    };
    for (const Entry& e : entries) {
        if (!d.add(e.id, e.fn, &s)) {
            return false;
        }
    }
    return true;
}

}  // namespace hyp::rm::rpc
