// Parcels' hypercalls (see parcel_ops.h).
#include "rm/mem/parcel_ops.h"

#include "hyp_api/gunyah_memory.h"

namespace hyp::rm {
namespace {

constexpr std::uint32_t derived_attrs =
    GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);
// The lender's own mapping, as the primary VM's RAM is mapped (primary_vm.cpp).
constexpr std::uint32_t lender_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX, GUNYAH_S2_MEMTYPE_NORMAL_WB);

bool is_lend(const Parcel& p) { return p.trans_type != GUNYAH_RM_MEM_TRANS_SHARE; }

void undo_range(const ParcelContext& ctx, const Parcel& parcel, ParcelRange& r, std::size_t& failures)
{
    const LenderMemory& l = ctx.lender;
    if (r.extent != cap_invalid) {
        failures += ctx.hv->cspace_delete_cap_from(ctx.rm_cspace, r.extent) == Error::ok ? 0 : 1;
        r.extent = cap_invalid;
    }
    if (is_lend(parcel)) {
        failures += ctx.hv->addrspace_map(l.addrspace, l.ram_extent, r.ipa, lender_attrs,
                                          GUNYAH_ADDRSPACE_MAP_PARTIAL, r.ipa - l.ram_base, r.size) == Error::ok
                        ? 0
                        : 1;
    }
}

}  // namespace

std::uint32_t rm_error_of(Error e)
{
    switch (e) {
    case Error::ok: return GUNYAH_RM_OK;
    case Error::nomem:
    case Error::noresources: return GUNYAH_RM_ERROR_NOMEM;
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
    const LenderMemory& l = ctx.lender;
    for (std::size_t i = first; i < parcel.range_count; ++i) {
        ParcelRange& r = parcel.ranges[i];
        const std::uint64_t offset = r.ipa - l.ram_base;
        CapResult extent = ctx.hv->partition_create(ObjectKind::memextent, ctx.partition, ctx.rm_cspace);
        Error e = extent.error;
        if (e == Error::ok) {
            r.extent = extent.cap;
            e = ctx.hv->memextent_configure_derive(extent.cap, l.ram_extent, offset, r.size, derived_attrs);
        }
        if (e == Error::ok) {
            e = ctx.hv->object_activate(extent.cap);
        }
        if (e == Error::ok && is_lend(parcel)) {
            e = ctx.hv->addrspace_unmap(l.addrspace, l.ram_extent, r.ipa, GUNYAH_ADDRSPACE_MAP_PARTIAL, offset,
                                        r.size);
        }
        if (e != Error::ok && r.extent != cap_invalid) {
            // This range is still the lender's (mapped, for a lend): only its extent goes.
            (void)ctx.hv->cspace_delete_cap_from(ctx.rm_cspace, r.extent);
            r.extent = cap_invalid;
        }
        if (e != Error::ok) {
            parcel.range_count = i;
            (void)undo_ranges(ctx, parcel, first);
            return rm_error_of(e);
        }
    }
    return GUNYAH_RM_OK;
}

std::size_t undo_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first)
{
    std::size_t failures = 0;
    for (std::size_t i = parcel.range_count; i > first; --i) {
        undo_range(ctx, parcel, parcel.ranges[i - 1], failures);
        parcel.ranges[i - 1] = ParcelRange{};
    }
    parcel.range_count = first < parcel.range_count ? first : parcel.range_count;
    return failures;
}

std::uint32_t map_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access, CapId addrspace, std::uint64_t ipa)
{
    const std::uint32_t rights = access.rights & (GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X);
    // The ACL's X1 W2 R4 are the hypervisor's access bits.
    const std::uint32_t attrs = GUNYAH_MAPPING_ATTRS(rights, rights, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    std::uint64_t at = ipa;
    for (std::size_t i = 0; i < parcel.range_count; ++i) {
        const ParcelRange& r = parcel.ranges[i];
        Error e = hv.addrspace_map(addrspace, r.extent, at, attrs, 0, 0, 0);
        if (e != Error::ok) {
            std::uint64_t back = ipa;
            for (std::size_t j = 0; j < i; ++j) {
                (void)hv.addrspace_unmap(addrspace, parcel.ranges[j].extent, back, 0, 0, 0);
                back += parcel.ranges[j].size;
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
    for (std::size_t i = 0; i < parcel.range_count; ++i) {
        failures += hv.addrspace_unmap(access.addrspace, parcel.ranges[i].extent, at, 0, 0, 0) == Error::ok ? 0 : 1;
        at += parcel.ranges[i].size;
    }
    access.mapped = false;
    access.addrspace = cap_invalid;
    access.ipa = 0;
    return failures;
}

}  // namespace hyp::rm
