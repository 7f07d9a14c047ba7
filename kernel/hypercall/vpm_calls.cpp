// The VPM group calls: partition_create_vpm_group, vpm_group_configure, _attach_vcpu and
// _get_state. Order of checks as Gunyah's vpm_group hypercalls.c: undefined
// flag bits first, then the group's cap (a typed lookup there also wants it active),
// then the vCPU's cap, then states. The rules are in kernel/object/vpm_group.h.
//
// vpm_group_bind_virq (0x43) and vpm_group_unbind_virq (0x44) bind the group's interrupt,
// raised each time its state (vpm_group_get_state) changes. SYSTEM_SUSPEND is not
// offered, so the state is never "system suspended".
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"

namespace hyp::hypercall {
namespace {

constexpr std::uint64_t configure_flags_valid = GUNYAH_VPM_GROUP_CONFIGURE_NO_AGGREGATION;

}  // namespace

Return partition_create_vpm_group(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::vpm_group);
}

// (vpm, flags, R0): undefined flags arg_inval (Gunyah answers UNIMPLEMENTED, which
// here would read as "no such call"); ACTIVATE; init only.
Return vpm_group_configure(Caller& caller, const Args& a)
{
    if ((a.arg[1] & ~configure_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    auto group = caller.cspace->lookup_as<VpmGroup>(a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!group) {
        return error_return(group.error());
    }
    return status_return((*group)->configure(a.arg[1]));
}

// (vpm, vcpu, index, R0): the group cap ATTACH_VCPU and active; the thread cap ACTIVATE
// (as every init-time configuration of a thread) and the thread in init; then the index
// (below capacity; u32 in the ABI, so upper bits count as a huge index); a vCPU already in
// a group, or an index taken, is busy.
Return vpm_group_attach_vcpu(Caller& caller, const Args& a)
{
    auto group = caller.cspace->lookup_as<VpmGroup>(a.arg[0], GUNYAH_RIGHT_VPM_GROUP_ATTACH_VCPU);
    if (!group) {
        return error_return(group.error());
    }
    if ((*group)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    auto vcpu = caller.cspace->lookup_as<Vcpu>(a.arg[1], GUNYAH_RIGHT_ACTIVATE);
    if (!vcpu) {
        return error_return(vcpu.error());
    }
    std::uint32_t index = a.arg[2] < VpmGroup::capacity ? static_cast<std::uint32_t>(a.arg[2]) : vcpu_no_index;
    return status_return((*vcpu)->attach_vpm_group(**group, index));
}

// (vpm, R0) -> X1 state: QUERY, active.
Return vpm_group_get_state(Caller& caller, const Args& a)
{
    auto group = caller.cspace->lookup_as<VpmGroup>(a.arg[0], GUNYAH_RIGHT_VPM_GROUP_QUERY);
    if (!group) {
        return error_return(group.error());
    }
    if ((*group)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    return ok_return((*group)->vpm_state());
}

// (vpm, vic, virq, R0): the group's BIND_VIRQ, the vic's BIND_SOURCE; then the group
// active, then the vic's checks (as doorbell_bind_virq).
Return vpm_group_bind_virq(Caller& caller, const Args& a)
{
    auto group = caller.cspace->lookup_as<VpmGroup>(a.arg[0], GUNYAH_RIGHT_VPM_GROUP_BIND_VIRQ);
    if (!group) {
        return error_return(group.error());
    }
    auto vic = caller.cspace->lookup_as<Vic>(a.arg[1], GUNYAH_RIGHT_VIC_BIND_SOURCE);
    if (!vic) {
        return error_return(vic.error());
    }
    return status_return((*group)->bind_virq(**vic, a.arg[2]));
}

// (vpm, R0): BIND_VIRQ; active; not bound: irq_unbound.
Return vpm_group_unbind_virq(Caller& caller, const Args& a)
{
    auto group = caller.cspace->lookup_as<VpmGroup>(a.arg[0], GUNYAH_RIGHT_VPM_GROUP_BIND_VIRQ);
    if (!group) {
        return error_return(group.error());
    }
    return status_return((*group)->unbind_virq());
}

}  // namespace hyp::hypercall
