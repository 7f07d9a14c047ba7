// The address space calls: partition_create_addrspace, addrspace_configure, map, unmap,
// update_access and lookup. Caps and the undefined bits of flag words are checked here,
// first (as Gunyah does); the rest of the rules are in kernel/object/addrspace.h.
// configure_vmmio (the ranges a proxy-scheduled vCPU's accesses exit to vcpu_run from) is
// here too. attach_vdma, configure_info_area and attach_vdevice are gaps.
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/lifecycle.h"
#include "kernel/object/partition.h"

namespace hyp::hypercall {
namespace {


constexpr std::uint64_t map_flags_valid = GUNYAH_ADDRSPACE_MAP_FLAGS_VALID_MASK;
constexpr std::uint64_t access_attrs_valid = GUNYAH_ACCESS_ATTRS_USER_MASK | GUNYAH_ACCESS_ATTRS_KERNEL_MASK;

// The address space and the extent of a mapping call, both active.
struct Pair {
    Ref<AddrSpace> as;
    Ref<MemExtent> extent;
};

Result<Pair> pair_for(Caller& caller, CapId as_cap, Rights as_rights, CapId extent_cap, Rights extent_rights)
{
    auto as = caller.cspace->lookup_as<AddrSpace>(as_cap, as_rights);
    if (!as) {
        return fail(as.error());
    }
    auto extent = caller.cspace->lookup_as<MemExtent>(extent_cap, extent_rights);
    if (!extent) {
        return fail(extent.error());
    }
    if ((*as)->state() != ObjectState::active || (*extent)->state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    return Pair{Ref<AddrSpace>(as->get()), Ref<MemExtent>(extent->get())};
}

MappingRequest request_of(std::uint64_t vbase, std::uint64_t flags, std::uint64_t offset, std::uint64_t size)
{
    MappingRequest r;
    r.vbase = Ipa{vbase};
    r.partial = (flags & GUNYAH_ADDRSPACE_MAP_PARTIAL) != 0;
    r.offset = offset;
    r.size = size;
    return r;
}

MappingAccess access_of(std::uint64_t word)
{
    return MappingAccess{static_cast<std::uint8_t>((word & GUNYAH_MAPPING_ATTRS_USER_ACCESS_MASK) >>
                                                   GUNYAH_MAPPING_ATTRS_USER_ACCESS_SHIFT),
                         static_cast<std::uint8_t>((word & GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_MASK) >>
                                                   GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_SHIFT)};
}

}  // namespace

Return partition_create_addrspace(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::addrspace);
}

// (as, vmid, R0). Configuring needs the right to activate (Gunyah).
Return addrspace_configure(Caller& caller, const Args& a)
{
    auto as = caller.cspace->lookup_as<AddrSpace>(a.arg[0], GUNYAH_RIGHT_ACTIVATE);
    if (!as) {
        return error_return(as.error());
    }
    return status_return((*as)->configure(a.arg[1]));
}

// (as, me, vbase, map_attrs, map_flags, offset, size): MAP on both caps.
Return addrspace_map(Caller& caller, const Args& a)
{
    if ((a.arg[3] & ~std::uint64_t{GUNYAH_MAPPING_ATTRS_DEFINED_MASK}) != 0 || (a.arg[4] & ~map_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    Result<Pair> pair = pair_for(caller, a.arg[0], GUNYAH_RIGHT_ADDRSPACE_MAP, a.arg[1], GUNYAH_RIGHT_MEMEXTENT_MAP);
    if (!pair) {
        return error_return(pair.error());
    }
    const auto memtype = static_cast<std::uint8_t>((a.arg[3] & GUNYAH_MAPPING_ATTRS_MEMTYPE_MASK) >>
                                                   GUNYAH_MAPPING_ATTRS_MEMTYPE_SHIFT);
    return status_return(hyp::addrspace_map(*pair->as, *pair->extent, request_of(a.arg[2], a.arg[4], a.arg[5], a.arg[6]),
                                            access_of(a.arg[3]), memtype));
}

// (as, me, vbase, map_flags, offset, size): MAP on both caps.
Return addrspace_unmap(Caller& caller, const Args& a)
{
    if ((a.arg[3] & ~map_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    Result<Pair> pair = pair_for(caller, a.arg[0], GUNYAH_RIGHT_ADDRSPACE_MAP, a.arg[1], GUNYAH_RIGHT_MEMEXTENT_MAP);
    if (!pair) {
        return error_return(pair.error());
    }
    return status_return(
        hyp::addrspace_unmap(*pair->as, *pair->extent, request_of(a.arg[2], a.arg[3], a.arg[4], a.arg[5])));
}

// (as, me, vbase, access_attrs, map_flags, offset, size): MAP on both caps.
Return addrspace_update_access(Caller& caller, const Args& a)
{
    if ((a.arg[3] & ~access_attrs_valid) != 0 || (a.arg[4] & ~map_flags_valid) != 0) {
        return error_return(Error::arg_inval);
    }
    Result<Pair> pair = pair_for(caller, a.arg[0], GUNYAH_RIGHT_ADDRSPACE_MAP, a.arg[1], GUNYAH_RIGHT_MEMEXTENT_MAP);
    if (!pair) {
        return error_return(pair.error());
    }
    const MappingAccess access{
        static_cast<std::uint8_t>((a.arg[3] & GUNYAH_ACCESS_ATTRS_USER_MASK) >> GUNYAH_ACCESS_ATTRS_USER_SHIFT),
        static_cast<std::uint8_t>((a.arg[3] & GUNYAH_ACCESS_ATTRS_KERNEL_MASK) >> GUNYAH_ACCESS_ATTRS_KERNEL_SHIFT)};
    return status_return(hyp::addrspace_update_access(*pair->as, *pair->extent,
                                                      request_of(a.arg[2], a.arg[4], a.arg[5], a.arg[6]), access));
}

// (as, me, vbase, size, R0) -> X1 offset in the extent, X2 size, X3 map_attrs: LOOKUP on
// both caps.
Return addrspace_lookup(Caller& caller, const Args& a)
{
    Result<Pair> pair =
        pair_for(caller, a.arg[0], GUNYAH_RIGHT_ADDRSPACE_LOOKUP, a.arg[1], GUNYAH_RIGHT_MEMEXTENT_LOOKUP);
    if (!pair) {
        return error_return(pair.error());
    }
    Result<LookupResult> found = hyp::addrspace_lookup(*pair->as, *pair->extent, Ipa{a.arg[2]}, a.arg[3]);
    if (!found) {
        return error_return(found.error());
    }
    const auto access = static_cast<std::uint32_t>(found->attrs.access);
    return ok_return(found->offset, found->size,
                     GUNYAH_MAPPING_ATTRS(access, access, static_cast<std::uint32_t>(found->attrs.type)));
}

// (as, vbase, size, op, R0): ADD_VMMIO_RANGE; init or active (Gunyah's RM adds a VM's
// default range before it activates the address space); op 0 add, 1 remove, anything
// else unimplemented (as Gunyah's switch); then VmmioRanges' checks (Gunyah's
// addrspace_add/remove_vmmio_range). The table lives in the object from creation.
Return addrspace_configure_vmmio(Caller& caller, const Args& a)
{
    auto as = caller.cspace->lookup_as<AddrSpace>(a.arg[0], GUNYAH_RIGHT_ADDRSPACE_ADD_VMMIO_RANGE);
    if (!as) {
        return error_return(as.error());
    }
    if (const ObjectState state = (*as)->state(); state != ObjectState::init && state != ObjectState::active) {
        return error_return(Error::object_state);
    }
    virt::VmmioRanges& ranges = (*as)->devices().vmmio();
    switch (a.arg[3]) {
    case GUNYAH_ADDRSPACE_VMMIO_ADD: return status_return(ranges.add(a.arg[1], a.arg[2]));
    case GUNYAH_ADDRSPACE_VMMIO_REMOVE: return status_return(ranges.remove(a.arg[1], a.arg[2]));
    default: return error_return(Error::unimplemented);
    }
}

}  // namespace hyp::hypercall
