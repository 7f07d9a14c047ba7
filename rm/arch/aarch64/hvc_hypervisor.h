// The resource manager's Hypervisor (rm/vm/hypervisor.h) on the target: each call is the
// hyp_api/gunyah_client.h wrapper, an HVC. And its Memory: with its MMU off the RM
// reaches an IPA at the same address.
#pragma once

#include "rm/vm/hypervisor.h"

namespace hyp::rm {

class HvcHypervisor final : public Hypervisor {
public:
    constexpr HvcHypervisor() = default;

    CapResult partition_create(ObjectKind kind, CapId partition, CapId dest_cspace) override;
    Error object_activate(CapId object) override;
    Error cspace_delete_cap_from(CapId cspace, CapId cap) override;
    Error cspace_configure(CapId cspace, std::uint32_t max_caps) override;
    Error cspace_attach_thread(CapId cspace, CapId thread) override;
    Error addrspace_configure(CapId addrspace, std::uint32_t vmid) override;
    Error addrspace_attach_thread(CapId addrspace, CapId thread) override;
    Error addrspace_map(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_attrs,
                        std::uint32_t map_flags, std::uint64_t offset, std::uint64_t size) override;
    Error addrspace_unmap(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_flags,
                          std::uint64_t offset, std::uint64_t size) override;
    Error memextent_configure(CapId memextent, std::uint64_t phys_base, std::uint64_t size,
                              std::uint32_t attrs) override;
    Error memextent_modify(CapId memextent, std::uint32_t flags, std::uint64_t offset, std::uint64_t size) override;
    Error vcpu_configure(CapId vcpu, std::uint64_t options) override;
    Error vcpu_set_affinity(CapId vcpu, std::uint32_t cpu_index) override;
    Error vcpu_poweron(CapId vcpu, std::uint64_t entry, std::uint64_t context, std::uint64_t flags) override;
    Error vpm_group_attach_vcpu(CapId vpm_group, CapId vcpu, std::uint32_t index) override;
    Error vic_configure(CapId vic, std::uint32_t max_vcpus, std::uint32_t max_virqs, std::uint64_t options,
                        std::uint32_t max_msis) override;
    Error vic_attach_vcpu(CapId vic, CapId vcpu, std::uint32_t index) override;
    Error hwirq_bind_virq(CapId hwirq, CapId vic, std::uint32_t virq) override;
    RunState vcpu_run_check(CapId vcpu) override;
    Error memextent_configure_derive(CapId memextent, CapId parent, std::uint64_t offset, std::uint64_t size,
                                     std::uint32_t attrs) override;
    Error memextent_donate(std::uint32_t options, CapId from, CapId to, std::uint64_t offset,
                           std::uint64_t size) override;
    Error vcpu_bind_virq(CapId vcpu, CapId vic, std::uint32_t virq, std::uint32_t virq_type) override;
    Error vpm_group_bind_virq(CapId vpm_group, CapId vic, std::uint32_t virq) override;
    Error vpm_group_unbind_virq(CapId vpm_group) override;
    Error vcpu_unbind_virq(CapId vcpu, std::uint32_t virq_type) override;
    Error vcpu_kill(CapId vcpu) override;
    Error addrspace_configure_vmmio(CapId addrspace, std::uint64_t base, std::uint64_t size,
                                   std::uint32_t op) override;
    Error vcpu_register_write(CapId vcpu, std::uint32_t register_set, std::uint32_t index,
                              std::uint64_t value) override;
    CapResult cspace_copy_cap_from(CapId src_cspace, CapId src_cap, CapId dest_cspace,
                                   std::uint32_t rights_mask) override;
    Error msgqueue_configure(CapId msgqueue, std::uint32_t create_info) override;
    Error msgqueue_configure_send(CapId msgqueue, std::uint32_t not_full_threshold, std::uint64_t holdoff) override;
    Error msgqueue_configure_receive(CapId msgqueue, std::uint32_t not_empty_threshold,
                                     std::uint64_t holdoff) override;
    MsgqSendResult msgqueue_send(CapId msgqueue, std::size_t size, const void* buffer, std::uint64_t flags) override;
    MsgqReceiveResult msgqueue_receive(CapId msgqueue, void* buffer, std::size_t buffer_size) override;
    Error msgqueue_flush(CapId msgqueue) override;
    Error msgqueue_bind_send_virq(CapId msgqueue, CapId vic, std::uint32_t virq) override;
    Error msgqueue_bind_receive_virq(CapId msgqueue, CapId vic, std::uint32_t virq) override;
    Error msgqueue_unbind_send_virq(CapId msgqueue) override;
    Error msgqueue_unbind_receive_virq(CapId msgqueue) override;
    DoorbellResult doorbell_send(CapId doorbell, std::uint64_t new_flags) override;
    DoorbellResult doorbell_receive(CapId doorbell, std::uint64_t clear_flags) override;
    Error doorbell_mask(CapId doorbell, std::uint64_t enable_mask, std::uint64_t ack_mask) override;
    Error doorbell_bind_virq(CapId doorbell, CapId vic, std::uint32_t virq) override;
    Error doorbell_unbind_virq(CapId doorbell) override;
};

class IdentityMemory final : public Memory {
public:
    constexpr IdentityMemory() = default;
    std::byte* at(std::uint64_t ipa, std::uint64_t size) override;
};

}  // namespace hyp::rm
