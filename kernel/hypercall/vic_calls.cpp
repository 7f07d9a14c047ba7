// The virtual interrupt controller calls: partition_create_vic, vic_configure,
// vic_attach_vcpu, and hwirq_bind_virq / hwirq_unbind_virq (kernel/object/hwirq.h).
// Checks in Gunyah's order (caps, then states, then arguments); the rules are in
// kernel/object/vic.h. vic_bind_msi_source (0x56) and vgic_set_mpidr_mapping are gaps:
// there is no ITS, and the vCPU MPIDRs are fixed (hyp_api/vcpu_mpidr.h).
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/hwirq.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"

namespace hyp::hypercall {

Return partition_create_vic(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::vic);
}

// (vic, max_vcpus, max_virqs, options, max_msis): ACTIVATE; init only.
Return vic_configure(Caller& caller, const Args& a)
{
    auto vic = caller.cspace->lookup_as<Vic>(a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!vic) {
        return error_return(vic.error());
    }
    return status_return((*vic)->configure(a.arg[1], a.arg[2], a.arg[3], a.arg[4]));
}

// (vic, vcpu, index, R0): the vic cap ATTACH_VCPU and active; the thread cap ACTIVATE (an
// init-time configuration of the thread) and the thread in init; the index below the
// configured vCPU count (u32 in the ABI: upper bits make it out of range).
Return vic_attach_vcpu(Caller& caller, const Args& a)
{
    auto vic = caller.cspace->lookup_as<Vic>(a.arg[0], GUNYAH_RIGHT_VIC_ATTACH_VCPU);
    if (!vic) {
        return error_return(vic.error());
    }
    if ((*vic)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    auto vcpu = caller.cspace->lookup_as<Vcpu>(a.arg[1], GUNYAH_RIGHT_ACTIVATE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    std::uint32_t index = a.arg[2] < Vic::max_vcpus ? static_cast<std::uint32_t>(a.arg[2]) : vcpu_no_index;
    if (index == vcpu_no_index) {
        return error_return(Error::arg_inval);
    }
    return status_return((*vcpu)->attach_vic(**vic, index));
}

// (hwirq, vic, virq, R0): the hwirq's BIND_VIC, the vic's BIND_SOURCE; then the hwirq's
// state and binding, then the vic's checks (Vic::bind_source).
Return hwirq_bind_virq(Caller& caller, const Args& a)
{
    auto hwirq = caller.cspace->lookup_as<Hwirq>(a.arg[0], GUNYAH_RIGHT_HWIRQ_BIND_VIC);
    if (!hwirq) {
        return error_return(hwirq.error());
    }
    auto vic = caller.cspace->lookup_as<Vic>(a.arg[1], GUNYAH_RIGHT_VIC_BIND_SOURCE);
    if (!vic) {
        return error_return(vic.error());
    }
    return status_return((*hwirq)->bind(**vic, a.arg[2]));
}

// (hwirq, R0): BIND_VIC; irq_unbound when not bound.
Return hwirq_unbind_virq(Caller& caller, const Args& a)
{
    auto hwirq = caller.cspace->lookup_as<Hwirq>(a.arg[0], GUNYAH_RIGHT_HWIRQ_BIND_VIC);
    if (!hwirq) {
        return error_return(hwirq.error());
    }
    return status_return((*hwirq)->unbind());
}

}  // namespace hyp::hypercall
