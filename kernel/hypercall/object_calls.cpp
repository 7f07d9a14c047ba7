// partition_create_* and object_activate(_from): the generic object lifecycle calls.
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/lifecycle.h"
#include "kernel/object/partition.h"

namespace hyp::hypercall {

Return create_in_partition(Caller& caller, const Args& a, ObjectType type)
{
    auto partition = caller.cspace->lookup_as<Partition>(a.arg[0], GUNYAH_RIGHT_PARTITION_OBJECT_CREATE);
    if (!partition) {
        return error_return(partition.error());
    }
    auto dest = caller.cspace->lookup_as<CSpace>(a.arg[1], GUNYAH_RIGHT_CSPACE_CREATE);
    if (!dest) {
        return error_return(dest.error());
    }
    if ((*partition)->state() != ObjectState::active || (*dest)->state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    Result<Object*> object = create_object(**partition, type);
    if (!object) {
        return error_return(object.error());
    }
    Result<CapId> cap = (*dest)->insert_root(**object, all_rights(type));
    (*object)->put();  // the cap holds it now, or it is gone again
    return cap ? ok_return(*cap) : error_return(cap.error());
}

namespace {

Return activate_by_cap(CSpace& cspace, CapId cap)
{
    auto object = cspace.lookup(cap, ObjectType::none, GUNYAH_RIGHT_ACTIVATE);
    if (!object) {
        return error_return(object.error());
    }
    Status s = activate_object(**object);
    return s ? ok_return() : error_return(s.error());
}

}  // namespace

Return partition_create_partition(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::partition);
}

Return partition_create_cspace(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::cspace);
}

// (cap, R0)
Return object_activate(Caller& caller, const Args& a)
{
    return activate_by_cap(*caller.cspace, a.arg[0]);
}

// (cspace, cap, R0): the cap is looked up in another cspace the caller holds, which it
// must be allowed to create caps in (as Gunyah requires).
Return object_activate_from(Caller& caller, const Args& a)
{
    auto cspace = caller.cspace->lookup_as<CSpace>(a.arg[0], GUNYAH_RIGHT_CSPACE_CREATE);
    if (!cspace) {
        return error_return(cspace.error());
    }
    return activate_by_cap(**cspace, a.arg[1]);
}

}  // namespace hyp::hypercall
