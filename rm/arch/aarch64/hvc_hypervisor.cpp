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

std::byte* IdentityMemory::at(std::uint64_t ipa, std::uint64_t size)
{
    // Address 0 would be a null pointer; no RAM the RM maps starts there on a real board.
    if (ipa == 0 || ipa + size < ipa) {
        return nullptr;
    }
    return reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(ipa));
}

}  // namespace hyp::rm
