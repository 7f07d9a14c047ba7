// Wrappers for the memory calls: addrspace_* (a VM's stage-2 address space: attach
// vCPUs, map and unmap memory extents, virtual-MMIO ranges) and memextent_* (ranges of
// physical memory: configure, derive, donate, modify). Flag words are built with the
// macros of gunyah_memory.h. Arguments in register order.
#pragma once

#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// ---- addrspace_*
inline Error addrspace_attach_thread(CapId addrspace, CapId thread)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_ATTACH_THREAD, addrspace, thread));
}
// Maps memextent at IPA vbase. offset and size choose part of the extent and are used
// only with GUNYAH_ADDRSPACE_MAP_PARTIAL in map_flags.
inline Error addrspace_map(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_attrs,
                           std::uint32_t map_flags, std::uint64_t offset, std::uint64_t size)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_MAP, addrspace, memextent, vbase,
                                              map_attrs, map_flags, offset, size));
}
inline Error addrspace_unmap(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_flags,
                             std::uint64_t offset, std::uint64_t size)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_UNMAP, addrspace, memextent, vbase,
                                              map_flags, offset, size));
}
inline Error addrspace_update_access(CapId addrspace, CapId memextent, std::uint64_t vbase,
                                     std::uint32_t access_attrs, std::uint32_t map_flags,
                                     std::uint64_t offset, std::uint64_t size)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, addrspace, memextent,
                                              vbase, access_attrs, map_flags, offset, size));
}
inline Error addrspace_configure(CapId addrspace, std::uint32_t vmid)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_CONFIGURE, addrspace, vmid));
}
inline Error addrspace_attach_vdma(CapId addrspace, CapId dma_device, std::uint32_t index)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_ATTACH_VDMA, addrspace, dma_device, index));
}

struct [[nodiscard]] LookupResult {
    Error error;
    std::uint64_t offset;      // where in the extent vbase falls
    std::uint64_t size;        // how much is mapped from there
    std::uint32_t map_attrs;   // GUNYAH_MAPPING_ATTRS layout
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
inline LookupResult addrspace_lookup(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint64_t size)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_ADDRSPACE_LOOKUP, addrspace, memextent, vbase, size);
    return {detail::error_of(r), r.x[1], r.x[2], static_cast<std::uint32_t>(r.x[3])};
}

inline Error addrspace_configure_info_area(CapId addrspace, CapId memextent, std::uint64_t ipa)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_ADDRSPACE_CONFIGURE_INFO_AREA, addrspace, memextent, ipa));
}
// op: GUNYAH_ADDRSPACE_VMMIO_ADD or _REMOVE.
inline Error addrspace_configure_vmmio(CapId addrspace, std::uint64_t vbase, std::uint64_t size, std::uint32_t op)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, addrspace, vbase, size, op));
}
inline Error addrspace_attach_vdevice(CapId addrspace, CapId vdevice, std::uint32_t index, std::uint64_t vbase,
                                      std::uint64_t size, std::uint64_t flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_ADDRSPACE_ATTACH_VDEVICE, addrspace, vdevice, index,
                                              vbase, size, flags));
}

// ---- memextent_*
// modify_flags: an op GUNYAH_MEMEXTENT_MODIFY_* (offset and size for the _RANGE ops).
inline Error memextent_modify(CapId memextent, std::uint32_t modify_flags, std::uint64_t offset,
                              std::uint64_t size)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MEMEXTENT_MODIFY, memextent, modify_flags, offset, size));
}
// attrs: GUNYAH_MEMEXTENT_ATTRS(access, memtype, type).
inline Error memextent_configure(CapId memextent, std::uint64_t phys_base, std::uint64_t size, std::uint32_t attrs)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MEMEXTENT_CONFIGURE, memextent, phys_base, size, attrs));
}
inline Error memextent_configure_derive(CapId memextent, CapId parent_memextent, std::uint64_t offset,
                                        std::uint64_t size, std::uint32_t attrs)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, memextent,
                                              parent_memextent, offset, size, attrs));
}
// options: GUNYAH_DONATE_TO_CHILD/_TO_PARENT/_TO_SIBLING, maybe | GUNYAH_DONATE_NO_SYNC.
inline Error memextent_donate(std::uint32_t options, CapId from, CapId to, std::uint64_t offset,
                              std::uint64_t size)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MEMEXTENT_DONATE, options, from, to, offset, size));
}

}  // namespace gunyah
