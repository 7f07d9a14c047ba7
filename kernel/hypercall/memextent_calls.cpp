// The memory extent calls: partition_create_memextent, memextent_configure(_derive),
// memextent_modify and memextent_donate. Caps and flag words are checked here; the
// extent's own rules are in kernel/object/memextent.h.
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/lifecycle.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"

namespace hyp::hypercall {
namespace {


constexpr std::uint64_t modify_flags_valid = GUNYAH_MEMEXTENT_MODIFY_OP_MASK | GUNYAH_MEMEXTENT_MODIFY_NO_SYNC;
constexpr std::uint64_t donate_options_valid = GUNYAH_DONATE_TYPE_MASK | GUNYAH_DONATE_NO_SYNC;

}  // namespace

Return partition_create_memextent(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::memextent);
}

// (me, phys_base, size, attrs, R0). Configuring needs the right to activate (Gunyah).
Return memextent_configure(Caller& caller, const Args& a)
{
    auto extent = caller.cspace->lookup_as<MemExtent>(a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!extent) {
        return error_return(extent.error());
    }
    return status_return((*extent)->configure(a.arg[1], a.arg[2], a.arg[3]));
}

// (me, parent me, offset, size, attrs, R0): the parent cap needs DERIVE.
Return memextent_configure_derive(Caller& caller, const Args& a)
{
    auto parent = caller.cspace->lookup_as<MemExtent>(a.arg[1], GUNYAH_RIGHT_MEMEXTENT_DERIVE);
    if (!parent) {
        return error_return(parent.error());
    }
    auto extent = caller.cspace->lookup_as<MemExtent>(a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!extent) {
        return error_return(extent.error());
    }
    return status_return((*extent)->configure_derive(**parent, a.arg[2], a.arg[3], a.arg[4]));
}

// (me, modify_flags, offset, size): offset and size only for the range operations.
// Gunyah accepts the range operations only with no_sync set (they need no TLB sync);
// we accept them either way. sync_all with no_sync set contradicts itself: arg_inval.
// Everything here completes before the call returns, so sync_all has nothing left to do.
Return memextent_modify(Caller& caller, const Args& a)
{
    const std::uint64_t flags = a.arg[1];
    if ((flags & ~modify_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    auto extent = caller.cspace->lookup_as<MemExtent>(a.arg[0], GUNYAH_RIGHT_MEMEXTENT_MAP);
    if (!extent) {
        return error_return(extent.error());
    }
    MemExtent& me = **extent;
    if (me.state() != ObjectState::active) {
        return error_return(Error::object_state);
    }
    const bool no_sync = (flags & GUNYAH_MEMEXTENT_MODIFY_NO_SYNC) != 0;
    switch (flags & GUNYAH_MEMEXTENT_MODIFY_OP_MASK) {
    case GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL:
        me.unmap_all();
        return ok_return();
    case GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE: return status_return(me.zero_range(a.arg[2], a.arg[3]));
    case GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE: return status_return(me.cache_clean_range(a.arg[2], a.arg[3]));
    case GUNYAH_MEMEXTENT_MODIFY_CACHE_FLUSH_RANGE: return status_return(me.cache_flush_range(a.arg[2], a.arg[3]));
    case GUNYAH_MEMEXTENT_MODIFY_SYNC_ALL: return no_sync ? error_return(Error::arg_inval) : ok_return();
    default: return error_return(Error::arg_inval);
    }
}

// (options, from, to, offset, size, R0). Caps need DONATE: a partition's
// (GUNYAH_RIGHT_PARTITION_DONATE) when it is the parent side, else the extents'.
// To child: `to` is the child, `from` its parent: its parent extent, or for a root
// extent its home partition. To parent: the reverse. To sibling: two children of one
// parent extent. The parent side's cap is looked up as the child's kind of parent
// demands (cspace_wrong_obj_type otherwise); a parent that is not the child's is arg_inval.
Return memextent_donate(Caller& caller, const Args& a)
{
    const std::uint64_t options = a.arg[0];
    if ((options & ~donate_options_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    const std::uint64_t type = options & GUNYAH_DONATE_TYPE_MASK;
    const std::uint64_t offset = a.arg[3];
    const std::uint64_t size = a.arg[4];
    CSpace& cspace = *caller.cspace;

    if (type == GUNYAH_DONATE_TO_SIBLING) {
        auto from = cspace.lookup_as<MemExtent>(a.arg[1], GUNYAH_RIGHT_MEMEXTENT_DONATE);
        if (!from) {
            return error_return(from.error());
        }
        auto to = cspace.lookup_as<MemExtent>(a.arg[2], GUNYAH_RIGHT_MEMEXTENT_DONATE);
        if (!to) {
            return error_return(to.error());
        }
        return status_return(donate_to_sibling(**from, **to, offset, size));
    }
    if (type != GUNYAH_DONATE_TO_CHILD && type != GUNYAH_DONATE_TO_PARENT) {
        return error_return(Error::arg_inval);
    }
    const bool to_parent = type == GUNYAH_DONATE_TO_PARENT;
    const CapId child_cap = to_parent ? a.arg[1] : a.arg[2];
    const CapId parent_cap = to_parent ? a.arg[2] : a.arg[1];
    auto child = cspace.lookup_as<MemExtent>(child_cap, GUNYAH_RIGHT_MEMEXTENT_DONATE);
    if (!child) {
        return error_return(child.error());
    }
    if ((*child)->state() != ObjectState::active) {
        return error_return(Error::object_state);  // before active, its parent may change
    }
    Result<Ref<Object>> parent = (*child)->parent() != nullptr
                                     ? cspace.lookup(parent_cap, ObjectType::memextent, GUNYAH_RIGHT_MEMEXTENT_DONATE)
                                     : cspace.lookup(parent_cap, ObjectType::partition, GUNYAH_RIGHT_PARTITION_DONATE);
    if (!parent) {
        return error_return(parent.error());
    }
    Status s = to_parent ? donate_to_parent(**child, **parent, offset, size)
                         : donate_to_child(**parent, **child, offset, size);
    return status_return(s);
}

}  // namespace hyp::hypercall
