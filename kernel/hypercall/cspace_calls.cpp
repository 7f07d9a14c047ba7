// The cspace hypercalls: delete, copy and revoke caps in a cspace named by a cap in the
// caller's own cspace. Every check happens before anything changes.
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/cspace.h"

namespace hyp::hypercall {
namespace {

Result<Ref<CSpace>> cspace_by_cap(Caller& caller, CapId id, Rights rights)
{
    return caller.cspace->lookup_as<CSpace>(id, rights);
}

}  // namespace

// (cspace, cap, R0)
Return cspace_delete_cap_from(Caller& caller, const Args& a)
{
    auto cspace = cspace_by_cap(caller, a.arg[0], GUNYAH_RIGHT_CSPACE_DELETE);
    if (!cspace) {
        return error_return(cspace.error());
    }
    Status s = (*cspace)->remove(a.arg[1]);
    return s ? ok_return() : error_return(s.error());
}

// (src cspace, src cap, dest cspace, rights mask, R0) -> new cap
Return cspace_copy_cap_from(Caller& caller, const Args& a)
{
    auto source = cspace_by_cap(caller, a.arg[0], GUNYAH_RIGHT_CSPACE_COPY);
    if (!source) {
        return error_return(source.error());
    }
    auto dest = cspace_by_cap(caller, a.arg[2], GUNYAH_RIGHT_CSPACE_CREATE);
    if (!dest) {
        return error_return(dest.error());
    }
    if ((a.arg[3] >> 32) != 0) {
        return error_return(Error::arg_inval);  // rights are 32 bits
    }
    Result<CapId> copy = (*source)->copy_to(a.arg[1], **dest, static_cast<Rights>(a.arg[3]));
    return copy ? ok_return(*copy) : error_return(copy.error());
}

// (src cspace, src cap, R0): revokes every cap derived from src cap. revoke_caps_from
// (0x59) is the same operation under the name of the newer interface.
Return cspace_revoke_caps_from(Caller& caller, const Args& a)
{
    auto cspace = cspace_by_cap(caller, a.arg[0], GUNYAH_RIGHT_CSPACE_REVOKE);
    if (!cspace) {
        return error_return(cspace.error());
    }
    Status s = (*cspace)->revoke_derived(a.arg[1]);
    return s ? ok_return() : error_return(s.error());
}

// (cspace, max caps, R0): only before activation.
Return cspace_configure(Caller& caller, const Args& a)
{
    auto cspace = caller.cspace->lookup_as<CSpace>(a.arg[0], 0);
    if (!cspace) {
        return error_return(cspace.error());
    }
    if (a.arg[1] > max_cspace_slots) {
        return error_return(Error::arg_inval);
    }
    Status s = (*cspace)->configure(static_cast<std::uint32_t>(a.arg[1]));
    return s ? ok_return() : error_return(s.error());
}

}  // namespace hyp::hypercall
