// The hypercall handlers, one declaration per implemented call; table.cpp maps numbers
// to them. Grouped by interface, each group in its own file.
#pragma once

#include "kernel/hypercall/hypercall.h"
#include "kernel/object/cspace.h"

namespace hyp {
class Partition;
}

namespace hyp::hypercall {

// Shared by the handlers.
// (src partition, dest cspace, R0) -> new cap, for every partition_create_* call: the
// object is made in the partition, then its cap (all rights of its type) is inserted; if
// the cap does not fit, the object goes again and nothing has changed.
Return create_in_partition(Caller& caller, const Args& args, ObjectType type);
[[nodiscard]] inline Return status_return(Status s) { return s ? ok_return() : error_return(s.error()); }

// identify.cpp
Return hyp_identify(Caller& caller, const Args& args);

// debug_calls.cpp: ours (hyp_api/hyp_debug.h), when enable_debug_calls(true).
Return hyp_debug_stats(Caller& caller, const Args& args);
// The partition whose free bytes hyp_debug_stats reports (the root partition).
void set_debug_partition(Partition* root);

// cspace_calls.cpp
Return cspace_delete_cap_from(Caller& caller, const Args& args);
Return cspace_copy_cap_from(Caller& caller, const Args& args);
Return cspace_revoke_caps_from(Caller& caller, const Args& args);
Return cspace_configure(Caller& caller, const Args& args);

// object_calls.cpp
Return partition_create_partition(Caller& caller, const Args& args);
Return partition_create_cspace(Caller& caller, const Args& args);
Return object_activate(Caller& caller, const Args& args);
Return object_activate_from(Caller& caller, const Args& args);

// memextent_calls.cpp
Return partition_create_memextent(Caller& caller, const Args& args);
Return memextent_configure(Caller& caller, const Args& args);
Return memextent_configure_derive(Caller& caller, const Args& args);
Return memextent_modify(Caller& caller, const Args& args);
Return memextent_donate(Caller& caller, const Args& args);

// addrspace_calls.cpp
Return partition_create_addrspace(Caller& caller, const Args& args);
Return addrspace_configure(Caller& caller, const Args& args);
Return addrspace_map(Caller& caller, const Args& args);
Return addrspace_unmap(Caller& caller, const Args& args);
Return addrspace_update_access(Caller& caller, const Args& args);
Return addrspace_lookup(Caller& caller, const Args& args);
Return addrspace_configure_vmmio(Caller& caller, const Args& args);

// vcpu_calls.cpp: the vCPU (thread) object.
Return partition_create_thread(Caller& caller, const Args& args);
Return vcpu_configure(Caller& caller, const Args& args);
Return cspace_attach_thread(Caller& caller, const Args& args);
Return addrspace_attach_thread(Caller& caller, const Args& args);
Return vcpu_poweron(Caller& caller, const Args& args);
Return vcpu_poweroff(Caller& caller, const Args& args);
Return vcpu_kill(Caller& caller, const Args& args);
Return vcpu_set_affinity(Caller& caller, const Args& args);
Return vcpu_set_priority(Caller& caller, const Args& args);
Return vcpu_set_timeslice(Caller& caller, const Args& args);
Return vcpu_run_check(Caller& caller, const Args& args);
Return vcpu_register_write(Caller& caller, const Args& args);
Return vcpu_run(Caller& caller, const Args& args);
Return vcpu_bind_virq(Caller& caller, const Args& args);
Return vcpu_unbind_virq(Caller& caller, const Args& args);
Return scheduler_yield(Caller& caller, const Args& args);

// vic_calls.cpp: the virtual interrupt controller object.
Return partition_create_vic(Caller& caller, const Args& args);
Return vic_configure(Caller& caller, const Args& args);
Return vic_attach_vcpu(Caller& caller, const Args& args);
Return hwirq_bind_virq(Caller& caller, const Args& args);
Return hwirq_unbind_virq(Caller& caller, const Args& args);

// ipc_calls.cpp: doorbells and message queues.
Return partition_create_doorbell(Caller& caller, const Args& args);
Return doorbell_bind_virq(Caller& caller, const Args& args);
Return doorbell_unbind_virq(Caller& caller, const Args& args);
Return doorbell_send(Caller& caller, const Args& args);
Return doorbell_receive(Caller& caller, const Args& args);
Return doorbell_reset(Caller& caller, const Args& args);
Return doorbell_mask(Caller& caller, const Args& args);
Return partition_create_msgqueue(Caller& caller, const Args& args);
Return msgqueue_configure(Caller& caller, const Args& args);
Return msgqueue_bind_send_virq(Caller& caller, const Args& args);
Return msgqueue_bind_receive_virq(Caller& caller, const Args& args);
Return msgqueue_unbind_send_virq(Caller& caller, const Args& args);
Return msgqueue_unbind_receive_virq(Caller& caller, const Args& args);
Return msgqueue_send(Caller& caller, const Args& args);
Return msgqueue_receive(Caller& caller, const Args& args);
Return msgqueue_flush(Caller& caller, const Args& args);
Return msgqueue_configure_send(Caller& caller, const Args& args);
Return msgqueue_configure_receive(Caller& caller, const Args& args);

// vpm_calls.cpp: the VPM group object.
Return partition_create_vpm_group(Caller& caller, const Args& args);
Return vpm_group_configure(Caller& caller, const Args& args);
Return vpm_group_attach_vcpu(Caller& caller, const Args& args);
Return vpm_group_get_state(Caller& caller, const Args& args);
Return vpm_group_bind_virq(Caller& caller, const Args& args);
Return vpm_group_unbind_virq(Caller& caller, const Args& args);

}  // namespace hyp::hypercall
