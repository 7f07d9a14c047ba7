// The resource manager's hypercalls and memory on the target (see hvc_hypervisor.h).
#include "rm/arch/aarch64/hvc_hypervisor.h"

#include <cstdint>

#include "hyp_api/gunyah_client.h"

namespace hyp::rm {
namespace {

// The client's error and the RM's are the same Gunyah codes.
constexpr Error to_error(gunyah::Error e) { return static_cast<Error>(static_cast<std::int64_t>(e)); }

CapResult to_cap(const gunyah::CapResult& r) { return CapResult{to_error(r.error), r.cap}; }

}  // namespace

CapResult HvcHypervisor::partition_create(ObjectKind kind, CapId partition, CapId dest_cspace)
{
    switch (kind) {
    case ObjectKind::cspace: return to_cap(gunyah::partition_create_cspace(partition, dest_cspace));
    case ObjectKind::addrspace: return to_cap(gunyah::partition_create_addrspace(partition, dest_cspace));
    case ObjectKind::memextent: return to_cap(gunyah::partition_create_memextent(partition, dest_cspace));
    case ObjectKind::thread: return to_cap(gunyah::partition_create_thread(partition, dest_cspace));
    case ObjectKind::vpm_group: return to_cap(gunyah::partition_create_vpm_group(partition, dest_cspace));
    case ObjectKind::vic: return to_cap(gunyah::partition_create_vic(partition, dest_cspace));
    case ObjectKind::msgqueue: return to_cap(gunyah::partition_create_msgqueue(partition, dest_cspace));
    case ObjectKind::doorbell: return to_cap(gunyah::partition_create_doorbell(partition, dest_cspace));
    }
    return CapResult{Error::arg_inval, cap_invalid};
}

Error HvcHypervisor::object_activate(CapId object) { return to_error(gunyah::object_activate(object)); }

Error HvcHypervisor::cspace_delete_cap_from(CapId cspace, CapId cap)
{
    return to_error(gunyah::cspace_delete_cap_from(cspace, cap));
}

Error HvcHypervisor::cspace_configure(CapId cspace, std::uint32_t max_caps)
{
    return to_error(gunyah::cspace_configure(cspace, max_caps));
}

Error HvcHypervisor::cspace_attach_thread(CapId cspace, CapId thread)
{
    return to_error(gunyah::cspace_attach_thread(cspace, thread));
}

Error HvcHypervisor::addrspace_configure(CapId addrspace, std::uint32_t vmid)
{
    return to_error(gunyah::addrspace_configure(addrspace, vmid));
}

Error HvcHypervisor::addrspace_attach_thread(CapId addrspace, CapId thread)
{
    return to_error(gunyah::addrspace_attach_thread(addrspace, thread));
}

Error HvcHypervisor::addrspace_map(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_attrs,
                                   std::uint32_t map_flags, std::uint64_t offset, std::uint64_t size)
{
    return to_error(gunyah::addrspace_map(addrspace, memextent, vbase, map_attrs, map_flags, offset, size));
}

Error HvcHypervisor::addrspace_unmap(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_flags,
                                     std::uint64_t offset, std::uint64_t size)
{
    return to_error(gunyah::addrspace_unmap(addrspace, memextent, vbase, map_flags, offset, size));
}

Error HvcHypervisor::memextent_configure(CapId memextent, std::uint64_t phys_base, std::uint64_t size,
                                         std::uint32_t attrs)
{
    return to_error(gunyah::memextent_configure(memextent, phys_base, size, attrs));
}

Error HvcHypervisor::memextent_modify(CapId memextent, std::uint32_t flags, std::uint64_t offset, std::uint64_t size)
{
    return to_error(gunyah::memextent_modify(memextent, flags, offset, size));
}

Error HvcHypervisor::vcpu_configure(CapId vcpu, std::uint64_t options)
{
    return to_error(gunyah::vcpu_configure(vcpu, options));
}

Error HvcHypervisor::vcpu_set_affinity(CapId vcpu, std::uint32_t cpu_index)
{
    return to_error(gunyah::vcpu_set_affinity(vcpu, cpu_index));
}

Error HvcHypervisor::vcpu_poweron(CapId vcpu, std::uint64_t entry, std::uint64_t context, std::uint64_t flags)
{
    return to_error(gunyah::vcpu_poweron(vcpu, entry, context, flags));
}

Error HvcHypervisor::vpm_group_attach_vcpu(CapId vpm_group, CapId vcpu, std::uint32_t index)
{
    return to_error(gunyah::vpm_group_attach_vcpu(vpm_group, vcpu, index));
}

Error HvcHypervisor::vic_configure(CapId vic, std::uint32_t max_vcpus, std::uint32_t max_virqs, std::uint64_t options,
                                   std::uint32_t max_msis)
{
    return to_error(gunyah::vic_configure(vic, max_vcpus, max_virqs, options, max_msis));
}

Error HvcHypervisor::vic_attach_vcpu(CapId vic, CapId vcpu, std::uint32_t index)
{
    return to_error(gunyah::vic_attach_vcpu(vic, vcpu, index));
}

RunState HvcHypervisor::vcpu_run_check(CapId vcpu)
{
    const gunyah::RunResult r = gunyah::vcpu_run_check(vcpu);
    return RunState{to_error(r.error), r.state, {r.data[0], r.data[1], r.data[2]}};
}

Error HvcHypervisor::memextent_configure_derive(CapId memextent, CapId parent, std::uint64_t offset,
                                               std::uint64_t size, std::uint32_t attrs)
{
    return to_error(gunyah::memextent_configure_derive(memextent, parent, offset, size, attrs));
}

Error HvcHypervisor::memextent_donate(std::uint32_t options, CapId from, CapId to, std::uint64_t offset,
                                     std::uint64_t size)
{
    return to_error(gunyah::memextent_donate(options, from, to, offset, size));
}

Error HvcHypervisor::vcpu_bind_virq(CapId vcpu, CapId vic, std::uint32_t virq, std::uint32_t virq_type)
{
    return to_error(gunyah::vcpu_bind_virq(vcpu, vic, virq, virq_type));
}

Error HvcHypervisor::hwirq_bind_virq(CapId hwirq, CapId vic, std::uint32_t virq)
{
    return to_error(gunyah::hwirq_bind_virq(hwirq, vic, virq));
}

Error HvcHypervisor::vpm_group_bind_virq(CapId vpm_group, CapId vic, std::uint32_t virq)
{
    return to_error(gunyah::vpm_group_bind_virq(vpm_group, vic, virq));
}

Error HvcHypervisor::vpm_group_unbind_virq(CapId vpm_group)
{
    return to_error(gunyah::vpm_group_unbind_virq(vpm_group));
}

Error HvcHypervisor::vcpu_unbind_virq(CapId vcpu, std::uint32_t virq_type)
{
    return to_error(gunyah::vcpu_unbind_virq(vcpu, virq_type));
}

Error HvcHypervisor::vcpu_kill(CapId vcpu) { return to_error(gunyah::vcpu_kill(vcpu)); }

Error HvcHypervisor::addrspace_configure_vmmio(CapId addrspace, std::uint64_t base, std::uint64_t size,
                                              std::uint32_t op)
{
    return to_error(gunyah::addrspace_configure_vmmio(addrspace, base, size, op));
}

Error HvcHypervisor::vcpu_register_write(CapId vcpu, std::uint32_t register_set, std::uint32_t index,
                                        std::uint64_t value)
{
    return to_error(gunyah::vcpu_register_write(vcpu, register_set, index, value));
}

CapResult HvcHypervisor::cspace_copy_cap_from(CapId src_cspace, CapId src_cap, CapId dest_cspace,
                                              std::uint32_t rights_mask)
{
    return to_cap(gunyah::cspace_copy_cap_from(src_cspace, src_cap, dest_cspace, rights_mask));
}

Error HvcHypervisor::msgqueue_configure(CapId msgqueue, std::uint32_t create_info)
{
    return to_error(gunyah::msgqueue_configure(msgqueue, create_info));
}

Error HvcHypervisor::msgqueue_configure_send(CapId msgqueue, std::uint32_t not_full_threshold, std::uint64_t holdoff)
{
    return to_error(gunyah::msgqueue_configure_send(msgqueue, not_full_threshold, holdoff));
}

Error HvcHypervisor::msgqueue_configure_receive(CapId msgqueue, std::uint32_t not_empty_threshold,
                                                std::uint64_t holdoff)
{
    return to_error(gunyah::msgqueue_configure_receive(msgqueue, not_empty_threshold, holdoff));
}

MsgqSendResult HvcHypervisor::msgqueue_send(CapId msgqueue, std::size_t size, const void* buffer, std::uint64_t flags)
{
    const gunyah::MsgqSendResult r = gunyah::msgqueue_send(msgqueue, size, buffer, flags);
    return MsgqSendResult{to_error(r.error), r.not_full};
}

MsgqReceiveResult HvcHypervisor::msgqueue_receive(CapId msgqueue, void* buffer, std::size_t buffer_size)
{
    const gunyah::MsgqReceiveResult r = gunyah::msgqueue_receive(msgqueue, buffer, buffer_size);
    return MsgqReceiveResult{to_error(r.error), r.size, r.not_empty};
}

Error HvcHypervisor::msgqueue_flush(CapId msgqueue) { return to_error(gunyah::msgqueue_flush(msgqueue)); }

Error HvcHypervisor::msgqueue_bind_send_virq(CapId msgqueue, CapId vic, std::uint32_t virq)
{
    return to_error(gunyah::msgqueue_bind_send_virq(msgqueue, vic, virq));
}

Error HvcHypervisor::msgqueue_bind_receive_virq(CapId msgqueue, CapId vic, std::uint32_t virq)
{
    return to_error(gunyah::msgqueue_bind_receive_virq(msgqueue, vic, virq));
}

Error HvcHypervisor::msgqueue_unbind_send_virq(CapId msgqueue)
{
    return to_error(gunyah::msgqueue_unbind_send_virq(msgqueue));
}

Error HvcHypervisor::msgqueue_unbind_receive_virq(CapId msgqueue)
{
    return to_error(gunyah::msgqueue_unbind_receive_virq(msgqueue));
}

DoorbellResult HvcHypervisor::doorbell_send(CapId doorbell, std::uint64_t new_flags)
{
    const gunyah::DoorbellResult r = gunyah::doorbell_send(doorbell, new_flags);
    return DoorbellResult{to_error(r.error), r.old_flags};
}

DoorbellResult HvcHypervisor::doorbell_receive(CapId doorbell, std::uint64_t clear_flags)
{
    const gunyah::DoorbellResult r = gunyah::doorbell_receive(doorbell, clear_flags);
    return DoorbellResult{to_error(r.error), r.old_flags};
}

Error HvcHypervisor::doorbell_mask(CapId doorbell, std::uint64_t enable_mask, std::uint64_t ack_mask)
{
    return to_error(gunyah::doorbell_mask(doorbell, enable_mask, ack_mask));
}

Error HvcHypervisor::doorbell_bind_virq(CapId doorbell, CapId vic, std::uint32_t virq)
{
    return to_error(gunyah::doorbell_bind_virq(doorbell, vic, virq));
}

Error HvcHypervisor::doorbell_unbind_virq(CapId doorbell) { return to_error(gunyah::doorbell_unbind_virq(doorbell)); }

std::byte* IdentityMemory::at(std::uint64_t ipa, std::uint64_t size)
{
    // Address 0 would be a null pointer; no RAM the RM maps starts there on a real board.
    if (ipa == 0 || ipa + size < ipa) {
        return nullptr;
    }
    return reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(ipa));
}

}  // namespace hyp::rm
