// Secondary VMs' doorbells (see vm_doorbells.h).
#include "rm/vm/vm_doorbells.h"

namespace hyp::rm {
namespace {

constexpr std::uint32_t first_vm_spi = 32;

bool vm_spi_usable(std::uint32_t intid) { return intid >= first_vm_spi && intid < secondary_rm_tx_intid; }

// The lowest SPI of the VM no earlier doorbell and no later configured one takes.
std::uint32_t free_vm_spi(const SecondaryObjects& o, const SecondaryDtConfig& config)
{
    for (std::uint32_t intid = first_vm_spi; intid < secondary_rm_tx_intid; ++intid) {
        bool taken = false;
        for (std::uint32_t i = 0; i < o.doorbell_count && !taken; ++i) {
            taken = !o.doorbells[i].source && o.doorbells[i].intid == intid;
        }
        for (std::size_t i = 0; i < config.doorbell_count && !taken; ++i) {
            taken = !config.doorbells[i].source && config.doorbells[i].intid == intid;
        }
        if (!taken) {
            return intid;
        }
    }
    return 0;
}

std::uint32_t failed(VmService& s, const VmRecord& vm, Error e, const char* call, std::uint32_t label)
{
    s.last_error.set("VM {}: {} for doorbell {} failed: {}", vm.vmid, call, label, e);
    return e == Error::nomem || e == Error::noresources ? GUNYAH_RM_ERROR_NOMEM : GUNYAH_RM_ERROR_NORESOURCE;
}

}  // namespace

std::uint32_t check_vm_doorbells(const SecondaryDtConfig& config, std::uint16_t vmid, Diagnostic& diag)
{
    for (std::size_t i = 0; i < config.doorbell_count; ++i) {
        const DoorbellConfig& db = config.doorbells[i];
        if (db.source || db.intid == 0) {
            continue;
        }
        if (!vm_spi_usable(db.intid)) {
            diag.set("VM {}: doorbell {} asks for INTID {}: a doorbell takes an SPI from {} to {}", vmid, db.label,
                     db.intid, first_vm_spi, secondary_rm_tx_intid - 1);
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (!config.doorbells[j].source && config.doorbells[j].intid == db.intid) {
                diag.set("VM {}: two doorbells ask for INTID {}", vmid, db.intid);
                return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
            }
        }
    }
    return GUNYAH_RM_OK;
}

std::uint32_t make_vm_doorbells(VmService& s, VmRecord& vm, const SecondaryDtConfig& config)
{
    Hypervisor& hv = *s.hv;
    SecondaryObjects& o = vm.objects;
    for (std::size_t i = 0; i < config.doorbell_count; ++i) {
        const DoorbellConfig& c = config.doorbells[i];
        VmDoorbell& db = o.doorbells[i];
        db = VmDoorbell{};
        db.source = c.source;
        db.label = c.label;
        for (std::size_t n = 0; n < doorbell_name_max; ++n) {
            db.node_name[n] = c.name[n];
        }
        // The receiver's SPI first: the owner's pool may be empty.
        db.intid = c.source ? s.take_wakeup_intid() : (c.intid != 0 ? c.intid : free_vm_spi(o, config));
        o.doorbell_count = static_cast<std::uint32_t>(i + 1);
        if (db.intid == 0) {
            s.last_error.set("VM {}: no free {} SPI for doorbell {}", vm.vmid, c.source ? "owner" : "VM", c.label);
            return GUNYAH_RM_ERROR_NORESOURCE;
        }
        CapResult made = hv.partition_create(ObjectKind::doorbell, s.env.partition, s.env.rm_cspace);
        if (!made.ok()) {
            return failed(s, vm, made.error, "partition_create_doorbell", c.label);
        }
        db.cap = made.cap;
        if (Error e = hv.object_activate(db.cap); e != Error::ok) {
            return failed(s, vm, e, "object_activate", c.label);
        }
        const CapId sender = c.source ? o.cspace : s.env.primary_cspace;
        const CapId receiver = c.source ? s.env.primary_cspace : o.cspace;
        CapResult send = hv.cspace_copy_cap_from(s.env.rm_cspace, db.cap, sender, GUNYAH_RIGHT_DOORBELL_SEND);
        if (!send.ok()) {
            return failed(s, vm, send.error, "cspace_copy_cap_from (send)", c.label);
        }
        (c.source ? db.vm_cap : db.owner_cap) = send.cap;
        CapResult receive = hv.cspace_copy_cap_from(s.env.rm_cspace, db.cap, receiver, GUNYAH_RIGHT_DOORBELL_RECEIVE);
        if (!receive.ok()) {
            return failed(s, vm, receive.error, "cspace_copy_cap_from (receive)", c.label);
        }
        (c.source ? db.owner_cap : db.vm_cap) = receive.cap;
        if (Error e = hv.doorbell_bind_virq(db.cap, c.source ? s.env.primary_vic : o.vic, db.intid); e != Error::ok) {
            return failed(s, vm, e, "doorbell_bind_virq", c.label);
        }
        db.bound = true;
    }
    return GUNYAH_RM_OK;
}

void teardown_vm_doorbells(VmService& s, VmRecord& vm)
{
    SecondaryObjects& o = vm.objects;
    for (std::uint32_t i = o.doorbell_count; i > 0; --i) {
        VmDoorbell& db = o.doorbells[i - 1];
        if (db.bound && s.hv->doorbell_unbind_virq(db.cap) != Error::ok) {
            ++s.teardown_failures;
        }
        if (db.source && db.intid != 0) {
            s.give_wakeup_intid(db.intid);
        }
        s.drop_cap(s.env.primary_cspace, db.owner_cap);
        s.drop_cap(o.cspace, db.vm_cap);
        s.drop_cap(s.env.rm_cspace, db.cap);
        db = VmDoorbell{};
    }
    o.doorbell_count = 0;
}

}  // namespace hyp::rm
