// Hypercall number -> handler. A number without a handler is a gap: the caller gets
// NOT_SUPPORTED (-1), as for any unknown call. Argument counts and reserved (must be 0)
// inputs follow shared/reference/gunyah-hypercalls.md.
#include "hyp_api/gunyah_hypercalls.h"
#include "kernel/hypercall/handlers.h"

namespace hyp::hypercall {
namespace {

struct Table {
    Entry entries[GUNYAH_HC_NUM_LIMIT];

    constexpr void add(std::uint32_t number, Handler handler, std::uint8_t arg_count, std::int8_t reserved_zero)
    {
        entries[number] = Entry{handler, arg_count, reserved_zero};
    }
};

constexpr std::int8_t none = -1;

constexpr Table make_table()
{
    Table t{};
    t.add(GUNYAH_HC_HYP_IDENTIFY, hyp_identify, 0, none);
    t.add(GUNYAH_HC_PARTITION_CREATE_PARTITION, partition_create_partition, 3, 2);
    t.add(GUNYAH_HC_PARTITION_CREATE_CSPACE, partition_create_cspace, 3, 2);
    t.add(GUNYAH_HC_OBJECT_ACTIVATE, object_activate, 2, 1);
    t.add(GUNYAH_HC_OBJECT_ACTIVATE_FROM, object_activate_from, 3, 2);
    t.add(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, cspace_delete_cap_from, 3, 2);
    t.add(GUNYAH_HC_CSPACE_COPY_CAP_FROM, cspace_copy_cap_from, 5, 4);
    t.add(GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, cspace_revoke_caps_from, 3, 2);
    t.add(GUNYAH_HC_CSPACE_REVOKE_CAPS_FROM, cspace_revoke_caps_from, 3, 2);
    t.add(GUNYAH_HC_CSPACE_CONFIGURE, cspace_configure, 3, 2);
    t.add(GUNYAH_HC_CSPACE_ATTACH_THREAD, cspace_attach_thread, 3, 2);
    t.add(GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, partition_create_memextent, 3, 2);
    t.add(GUNYAH_HC_MEMEXTENT_MODIFY, memextent_modify, 4, none);
    t.add(GUNYAH_HC_MEMEXTENT_CONFIGURE, memextent_configure, 5, 4);
    t.add(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, memextent_configure_derive, 6, 5);
    t.add(GUNYAH_HC_MEMEXTENT_DONATE, memextent_donate, 6, 5);
    t.add(GUNYAH_HC_PARTITION_CREATE_ADDRSPACE, partition_create_addrspace, 3, 2);
    t.add(GUNYAH_HC_ADDRSPACE_MAP, addrspace_map, 7, none);
    t.add(GUNYAH_HC_ADDRSPACE_UNMAP, addrspace_unmap, 6, none);
    t.add(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, addrspace_update_access, 7, none);
    t.add(GUNYAH_HC_ADDRSPACE_CONFIGURE, addrspace_configure, 3, 2);
    t.add(GUNYAH_HC_ADDRSPACE_LOOKUP, addrspace_lookup, 5, 4);
    t.add(GUNYAH_HC_PARTITION_CREATE_THREAD, partition_create_thread, 3, 2);
    t.add(GUNYAH_HC_VCPU_CONFIGURE, vcpu_configure, 3, 2);
    t.add(GUNYAH_HC_ADDRSPACE_ATTACH_THREAD, addrspace_attach_thread, 3, 2);
    t.add(GUNYAH_HC_VCPU_POWERON, vcpu_poweron, 4, none);
    t.add(GUNYAH_HC_VCPU_POWEROFF, vcpu_poweroff, 2, none);
    t.add(GUNYAH_HC_VCPU_KILL, vcpu_kill, 2, 1);
    t.add(GUNYAH_HC_VCPU_SET_AFFINITY, vcpu_set_affinity, 3, none);
    t.add(GUNYAH_HC_VCPU_SET_PRIORITY, vcpu_set_priority, 2, none);
    t.add(GUNYAH_HC_VCPU_SET_TIMESLICE, vcpu_set_timeslice, 2, none);
    t.add(GUNYAH_HC_VCPU_RUN_CHECK, vcpu_run_check, 2, 1);
    t.add(GUNYAH_HC_VCPU_REGISTER_WRITE, vcpu_register_write, 5, 4);
    t.add(GUNYAH_HC_VCPU_RUN, vcpu_run, 5, 4);
    t.add(GUNYAH_HC_VCPU_BIND_VIRQ, vcpu_bind_virq, 5, 4);
    t.add(GUNYAH_HC_VCPU_UNBIND_VIRQ, vcpu_unbind_virq, 3, 2);
    t.add(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, addrspace_configure_vmmio, 5, 4);
    t.add(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, vpm_group_bind_virq, 4, 3);
    t.add(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, vpm_group_unbind_virq, 2, 1);
    t.add(GUNYAH_HC_PARTITION_CREATE_VIC, partition_create_vic, 3, 2);
    t.add(GUNYAH_HC_VIC_CONFIGURE, vic_configure, 5, none);
    t.add(GUNYAH_HC_VIC_ATTACH_VCPU, vic_attach_vcpu, 4, 3);
    t.add(GUNYAH_HC_HWIRQ_BIND_VIRQ, hwirq_bind_virq, 4, 3);
    t.add(GUNYAH_HC_HWIRQ_UNBIND_VIRQ, hwirq_unbind_virq, 2, 1);
    t.add(GUNYAH_HC_PARTITION_CREATE_VPM_GROUP, partition_create_vpm_group, 3, 2);
    t.add(GUNYAH_HC_VPM_GROUP_CONFIGURE, vpm_group_configure, 3, 2);
    t.add(GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, vpm_group_attach_vcpu, 4, 3);
    t.add(GUNYAH_HC_VPM_GROUP_GET_STATE, vpm_group_get_state, 2, 1);
    t.add(GUNYAH_HC_SCHEDULER_YIELD, scheduler_yield, 3, 2);
    t.add(GUNYAH_HC_PARTITION_CREATE_DOORBELL, partition_create_doorbell, 3, 2);
    t.add(GUNYAH_HC_DOORBELL_BIND_VIRQ, doorbell_bind_virq, 4, 3);
    t.add(GUNYAH_HC_DOORBELL_UNBIND_VIRQ, doorbell_unbind_virq, 2, 1);
    t.add(GUNYAH_HC_DOORBELL_SEND, doorbell_send, 3, 2);
    t.add(GUNYAH_HC_DOORBELL_RECEIVE, doorbell_receive, 3, 2);
    t.add(GUNYAH_HC_DOORBELL_RESET, doorbell_reset, 2, 1);
    t.add(GUNYAH_HC_DOORBELL_MASK, doorbell_mask, 4, 3);
    t.add(GUNYAH_HC_PARTITION_CREATE_MSGQUEUE, partition_create_msgqueue, 3, 2);
    t.add(GUNYAH_HC_MSGQUEUE_CONFIGURE, msgqueue_configure, 3, 2);
    t.add(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, msgqueue_bind_send_virq, 4, 3);
    t.add(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, msgqueue_bind_receive_virq, 4, 3);
    t.add(GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, msgqueue_unbind_send_virq, 2, 1);
    t.add(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, msgqueue_unbind_receive_virq, 2, 1);
    t.add(GUNYAH_HC_MSGQUEUE_SEND, msgqueue_send, 5, 4);
    t.add(GUNYAH_HC_MSGQUEUE_RECEIVE, msgqueue_receive, 4, 3);
    t.add(GUNYAH_HC_MSGQUEUE_FLUSH, msgqueue_flush, 2, 1);
    // The fourth input of configure_send / _receive is res1 (passed as all ones): unchecked.
    t.add(GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, msgqueue_configure_send, 4, none);
    t.add(GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, msgqueue_configure_receive, 4, none);
    return t;
}

constinit const Table table = make_table();

}  // namespace

const Entry* lookup(std::uint32_t number)
{
    if (number >= GUNYAH_HC_NUM_LIMIT) {
        return nullptr;
    }
    return &table.entries[number];
}

}  // namespace hyp::hypercall
