// Parcels' hypercalls (see parcel_ops.h).
#include "rm/mem/parcel_ops.h"

#include "hyp_api/gunyah_memory.h"

namespace hyp::rm {
namespace {

constexpr std::uint32_t derived_attrs =
    GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);

bool is_lend(const Parcel& p) { return p.trans_type != GUNYAH_RM_MEM_TRANS_SHARE; }

// Counts a failed call made while undoing.
void count(Error e, std::size_t& failures) { failures += e == Error::ok ? 0 : 1; }

// Range r back as it was before derive_range: its extent gone and, for a lend, the range
// the lender's again. `donated`: whether it had gone to ram_root.
void undo_range(const ParcelContext& ctx, ParcelRange& r, bool donated, std::size_t& failures)
{
    const LenderMemory& l = ctx.lender;
    if (r.extent != cap_invalid) {
        // What an active extent holds goes back to its parent (for a lend, ram_root).
        count(ctx.hv->cspace_delete_cap_from(ctx.rm_cspace, r.extent), failures);
        r.extent = cap_invalid;
    }
    if (donated) {
        count(ctx.hv->memextent_donate(GUNYAH_DONATE_TO_CHILD, l.ram_root, l.ram_extent, r.ipa - l.ram_base, r.size),
              failures);
    }
}

// One range's extent (parcel_ops.h has the steps of a lend); on failure nothing is left.
Error derive_range(const ParcelContext& ctx, bool lend, ParcelRange& r)
{
    const LenderMemory& l = ctx.lender;
    const std::uint64_t offset = r.ipa - l.ram_base;
    CapResult extent = ctx.hv->partition_create(ObjectKind::memextent, ctx.partition, ctx.rm_cspace);
    if (!extent.ok()) {
        return extent.error;
    }
    r.extent = extent.cap;
    Error e = ctx.hv->memextent_configure_derive(extent.cap, lend ? l.ram_root : l.ram_extent, offset, r.size,
                                                 derived_attrs);
    bool donated = false;
    if (e == Error::ok && lend) {
        e = ctx.hv->memextent_donate(GUNYAH_DONATE_TO_PARENT, l.ram_extent, l.ram_root, offset, r.size);
        donated = e == Error::ok;
    }
    if (e == Error::ok) {
        e = ctx.hv->object_activate(extent.cap);
    }
    if (e != Error::ok) {
        std::size_t ignored = 0;
        undo_range(ctx, r, donated, ignored);
    }
    return e;
}

}  // namespace

std::uint32_t rm_error_of(Error e)
{
    switch (e) {
    case Error::ok: return GUNYAH_RM_OK;
    case Error::nomem:
    case Error::noresources: return GUNYAH_RM_ERROR_NOMEM;
    case Error::cspace_full: return GUNYAH_RM_ERROR_NORESOURCE;  // the RM's cspace: a fixed limit
    case Error::busy: return GUNYAH_RM_ERROR_MEM_INUSE;
    case Error::arg_inval:
    case Error::arg_size:
    case Error::arg_align:
    case Error::addr_inval:
    case Error::addr_ovfl: return GUNYAH_RM_ERROR_MEM_INVALID;
    default: return GUNYAH_RM_ERROR_MAP_FAILED;
    }
}

std::uint32_t derive_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first)
{
    for (std::size_t i = first; i < parcel.range_count(); ++i) {
        if (Error e = derive_range(ctx, is_lend(parcel), parcel.range(i)); e != Error::ok) {
            parcel.shrink_to(i);  // range i undid itself
            (void)undo_ranges(ctx, parcel, first);
            return rm_error_of(e);
        }
    }
    return GUNYAH_RM_OK;
}

std::size_t undo_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first)
{
    std::size_t failures = 0;
    for (std::size_t i = parcel.range_count(); i > first; --i) {
        ParcelRange& r = parcel.range(i - 1);
        // Only a range that has its extent was taken from a lender (derive_range undoes
        // its own failures), so only such a range is given back.
        const bool donated = is_lend(parcel) && r.extent != cap_invalid;
        undo_range(ctx, r, donated, failures);
    }
    parcel.shrink_to(first);
    return failures;
}

std::uint32_t map_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access, CapId addrspace, std::uint64_t ipa)
{
    const std::uint32_t rights = access.rights & (GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X);
    // The ACL's X1 W2 R4 are the hypervisor's access bits.
    const std::uint32_t attrs = GUNYAH_MAPPING_ATTRS(rights, rights, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    std::uint64_t at = ipa;
    for (std::size_t i = 0; i < parcel.range_count(); ++i) {
        const ParcelRange& r = parcel.range(i);
        Error e = hv.addrspace_map(addrspace, r.extent, at, attrs, 0, 0, 0);
        if (e != Error::ok) {
            std::uint64_t back = ipa;
            for (std::size_t j = 0; j < i; ++j) {
                (void)hv.addrspace_unmap(addrspace, parcel.range(j).extent, back, 0, 0, 0);
                back += parcel.range(j).size;
            }
            return e == Error::addr_ovfl || e == Error::addr_inval ? GUNYAH_RM_ERROR_ARGUMENT_INVALID
                                                                     : GUNYAH_RM_ERROR_MAP_FAILED;
        }
        at += r.size;
    }
    access.mapped = true;
    access.addrspace = addrspace;
    access.ipa = ipa;
    return GUNYAH_RM_OK;
}

std::size_t unmap_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access)
{
    if (!access.mapped) {
        return 0;
    }
    std::size_t failures = 0;
    std::uint64_t at = access.ipa;
    for (std::size_t i = 0; i < parcel.range_count(); ++i) {
        const ParcelRange& r = parcel.range(i);
        failures += hv.addrspace_unmap(access.addrspace, r.extent, at, 0, 0, 0) == Error::ok ? 0 : 1;
        at += r.size;
    }
    access.mapped = false;
    access.addrspace = cap_invalid;
    access.ipa = 0;
    return failures;
}

}  // namespace hyp::rm
