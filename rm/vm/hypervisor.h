// What building and watching a VM needs from outside the resource manager's logic: the
// hypercalls it makes (through hyp_api/gunyah_client.h on the target, a recording fake
// in the host tests) and access to memory it has mapped into its own address space.
// Arguments are in register order, as in gunyah-hypercalls.md; errors are the Gunyah
// codes as hyp::Error.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rights.h"
#include "support/error.h"

namespace hyp::rm {

using CapId = std::uint64_t;
inline constexpr CapId cap_invalid = GUNYAH_CAP_ID_INVALID;

struct [[nodiscard]] CapResult {
    Error error;
    CapId cap;  // cap_invalid unless ok
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// vcpu_run_check: x0 error, x1 state (GUNYAH_VCPU_RUN_STATE_*), x2..x4 state data.
struct [[nodiscard]] RunState {
    Error error;
    std::uint64_t state;
    std::uint64_t data[3];
};

// msgqueue_send: x0 error (msgqueue_full when there was no room), x1 whether room remains.
struct [[nodiscard]] MsgqSendResult {
    Error error;
    bool not_full;
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// msgqueue_receive: x0 error (msgqueue_empty when there was nothing), x1 the bytes written
// to the buffer, x2 whether more messages wait.
struct [[nodiscard]] MsgqReceiveResult {
    Error error;
    std::size_t size;
    bool not_empty;
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// doorbell_send / doorbell_receive: x0 error, x1 the flag word before the call changed it.
struct [[nodiscard]] DoorbellResult {
    Error error;
    std::uint64_t old_flags;
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// The objects the RM creates (partition_create_*).
enum class ObjectKind : std::uint8_t { cspace, addrspace, memextent, thread, vpm_group, vic, msgqueue, doorbell };

class Hypervisor {
public:
    virtual CapResult partition_create(ObjectKind kind, CapId partition, CapId dest_cspace) = 0;
    virtual Error object_activate(CapId object) = 0;
    virtual Error cspace_delete_cap_from(CapId cspace, CapId cap) = 0;
    virtual Error cspace_configure(CapId cspace, std::uint32_t max_caps) = 0;
    virtual Error cspace_attach_thread(CapId cspace, CapId thread) = 0;
    virtual Error addrspace_configure(CapId addrspace, std::uint32_t vmid) = 0;
    virtual Error addrspace_attach_thread(CapId addrspace, CapId thread) = 0;
    virtual Error addrspace_map(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_attrs,
                                std::uint32_t map_flags, std::uint64_t offset, std::uint64_t size) = 0;
    virtual Error addrspace_unmap(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_flags,
                                  std::uint64_t offset, std::uint64_t size) = 0;
    virtual Error memextent_configure(CapId memextent, std::uint64_t phys_base, std::uint64_t size,
                                      std::uint32_t attrs) = 0;
    virtual Error memextent_modify(CapId memextent, std::uint32_t flags, std::uint64_t offset, std::uint64_t size) = 0;
    virtual Error vcpu_configure(CapId vcpu, std::uint64_t options) = 0;
    virtual Error vcpu_set_affinity(CapId vcpu, std::uint32_t cpu_index) = 0;
    virtual Error vcpu_poweron(CapId vcpu, std::uint64_t entry, std::uint64_t context, std::uint64_t flags) = 0;
    virtual Error vpm_group_attach_vcpu(CapId vpm_group, CapId vcpu, std::uint32_t index) = 0;
    virtual Error vic_configure(CapId vic, std::uint32_t max_vcpus, std::uint32_t max_virqs, std::uint64_t options,
                                std::uint32_t max_msis) = 0;
    virtual Error vic_attach_vcpu(CapId vic, CapId vcpu, std::uint32_t index) = 0;
    // A physical SPI's hwirq object (boot info's hwirq_caps) forwarded to `virq` of `vic`.
    virtual Error hwirq_bind_virq(CapId hwirq, CapId vic, std::uint32_t virq) = 0;
    virtual RunState vcpu_run_check(CapId vcpu) = 0;
    // Secondary VMs (rm/vm/secondary_vm.h): a memextent over part of a parent's range, a
    // vCPU's interrupts (virq_type GUNYAH_VCPU_VIRQ_*), stopping it for good, and its
    // registers before it first runs.
    virtual Error memextent_configure_derive(CapId memextent, CapId parent, std::uint64_t offset,
                                             std::uint64_t size, std::uint32_t attrs) = 0;
    // Held memory moving between an extent and its parent (options GUNYAH_DONATE_TO_CHILD
    // or _TO_PARENT; offset and size are the child's): the giver's mappings stop showing
    // it, the receiver's start to. A lend keeps the lender out this way (parcel_ops.h).
    virtual Error memextent_donate(std::uint32_t options, CapId from, CapId to, std::uint64_t offset,
                                   std::uint64_t size) = 0;
    virtual Error vcpu_bind_virq(CapId vcpu, CapId vic, std::uint32_t virq, std::uint32_t virq_type) = 0;
    // The VPM group's interrupt: raised when the group's state (running, suspended, none)
    // changes, e.g. when the VM's last vCPU powers off.
    virtual Error vpm_group_bind_virq(CapId vpm_group, CapId vic, std::uint32_t virq) = 0;
    virtual Error vpm_group_unbind_virq(CapId vpm_group) = 0;
    virtual Error vcpu_unbind_virq(CapId vcpu, std::uint32_t virq_type) = 0;
    virtual Error vcpu_kill(CapId vcpu) = 0;
    // op GUNYAH_ADDRSPACE_VMMIO_ADD / _REMOVE: faults there exit to the vcpu_run caller.
    virtual Error addrspace_configure_vmmio(CapId addrspace, std::uint64_t base, std::uint64_t size,
                                           std::uint32_t op) = 0;
    virtual Error vcpu_register_write(CapId vcpu, std::uint32_t register_set, std::uint32_t index,
                                      std::uint64_t value) = 0;

    // Capabilities: a copy of src_cap (in src_cspace) in dest_cspace, its rights ANDed with
    // rights_mask; the copy's id in dest_cspace.
    virtual CapResult cspace_copy_cap_from(CapId src_cspace, CapId src_cap, CapId dest_cspace,
                                           std::uint32_t rights_mask) = 0;

    // Message queues (the RM's RPC transport, one pair per client VM). create_info is
    // GUNYAH_MSGQUEUE_CREATE_INFO(depth, max message size); flags GUNYAH_MSGQUEUE_SEND_PUSH
    // or 0. buffer is an address in the RM's own address space.
    virtual Error msgqueue_configure(CapId msgqueue, std::uint32_t create_info) = 0;
    virtual Error msgqueue_configure_send(CapId msgqueue, std::uint32_t not_full_threshold,
                                          std::uint64_t holdoff) = 0;
    virtual Error msgqueue_configure_receive(CapId msgqueue, std::uint32_t not_empty_threshold,
                                             std::uint64_t holdoff) = 0;
    virtual MsgqSendResult msgqueue_send(CapId msgqueue, std::size_t size, const void* buffer,
                                         std::uint64_t flags) = 0;
    virtual MsgqReceiveResult msgqueue_receive(CapId msgqueue, void* buffer, std::size_t buffer_size) = 0;
    virtual Error msgqueue_flush(CapId msgqueue) = 0;
    virtual Error msgqueue_bind_send_virq(CapId msgqueue, CapId vic, std::uint32_t virq) = 0;
    virtual Error msgqueue_bind_receive_virq(CapId msgqueue, CapId vic, std::uint32_t virq) = 0;
    virtual Error msgqueue_unbind_send_virq(CapId msgqueue) = 0;
    virtual Error msgqueue_unbind_receive_virq(CapId msgqueue) = 0;

    // Doorbells: send ORs new_flags into the flag word, receive clears clear_flags; flags
    // in enable_mask raise the interrupt, those in ack_mask are cleared with it.
    virtual DoorbellResult doorbell_send(CapId doorbell, std::uint64_t new_flags) = 0;
    virtual DoorbellResult doorbell_receive(CapId doorbell, std::uint64_t clear_flags) = 0;
    virtual Error doorbell_mask(CapId doorbell, std::uint64_t enable_mask, std::uint64_t ack_mask) = 0;
    virtual Error doorbell_bind_virq(CapId doorbell, CapId vic, std::uint32_t virq) = 0;
    virtual Error doorbell_unbind_virq(CapId doorbell) = 0;

protected:
    ~Hypervisor() = default;
};

// partition_create_<name>, for messages.
[[nodiscard]] constexpr const char* create_call_name(ObjectKind kind)
{
    switch (kind) {
    case ObjectKind::cspace: return "partition_create_cspace";
    case ObjectKind::addrspace: return "partition_create_addrspace";
    case ObjectKind::memextent: return "partition_create_memextent";
    case ObjectKind::thread: return "partition_create_thread";
    case ObjectKind::vpm_group: return "partition_create_vpm_group";
    case ObjectKind::vic: return "partition_create_vic";
    case ObjectKind::msgqueue: return "partition_create_msgqueue";
    case ObjectKind::doorbell: return "partition_create_doorbell";
    }
    return "partition_create_?";
}

// Memory the RM has mapped into its own stage-2 address space. The RM runs with its MMU
// off, so on the target an IPA is its own address; the host fake checks that the range
// is mapped at that moment.
class Memory {
public:
    // `size` bytes from `ipa`, or null when they are not mapped.
    virtual std::byte* at(std::uint64_t ipa, std::uint64_t size) = 0;

protected:
    ~Memory() = default;
};

}  // namespace hyp::rm
