// Wrappers for making objects and handling capabilities: partition_create_* (make an
// object in a partition, its cap in a cspace), object_activate/reset (an object is
// configured while inactive, then activated), and cspace_* (copy, delete, revoke caps).
// Each takes its arguments in register order; see gunyah_hypercalls.h for the numbers.
#pragma once

#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// ---- partition_create_*: (source partition, destination cspace) -> the new object's cap.
inline CapResult partition_create_partition(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_PARTITION, src_partition, dest_cspace));
}
inline CapResult partition_create_cspace(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_CSPACE, src_partition, dest_cspace));
}
inline CapResult partition_create_addrspace(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_ADDRSPACE, src_partition, dest_cspace));
}
inline CapResult partition_create_memextent(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, src_partition, dest_cspace));
}
inline CapResult partition_create_thread(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_THREAD, src_partition, dest_cspace));
}
inline CapResult partition_create_doorbell(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_DOORBELL, src_partition, dest_cspace));
}
inline CapResult partition_create_msgqueue(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_MSGQUEUE, src_partition, dest_cspace));
}
inline CapResult partition_create_watchdog(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_WATCHDOG, src_partition, dest_cspace));
}
inline CapResult partition_create_vic(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_VIC, src_partition, dest_cspace));
}
inline CapResult partition_create_vpm_group(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_VPM_GROUP, src_partition, dest_cspace));
}
inline CapResult partition_create_virtio_mmio(CapId src_partition, CapId dest_cspace)
{
    return detail::cap_call_result(
        detail::hypercall(GUNYAH_HC_PARTITION_CREATE_VIRTIO_MMIO, src_partition, dest_cspace));
}

// ---- object_*: the _from forms name the cap in another cspace than the caller's.
inline Error object_activate(CapId cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_OBJECT_ACTIVATE, cap));
}
inline Error object_activate_from(CapId cspace, CapId cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_OBJECT_ACTIVATE_FROM, cspace, cap));
}
inline Error object_reset(CapId cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_OBJECT_RESET, cap));
}
inline Error object_reset_from(CapId cspace, CapId cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_OBJECT_RESET_FROM, cspace, cap));
}

// ---- cspace_*
inline Error cspace_delete_cap_from(CapId cspace, CapId cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, cspace, cap));
}
// Copies src_cap (in src_cspace) into dest_cspace with its rights ANDed with rights_mask
// (GUNYAH_RIGHT_* of the object's type); returns the copy's id in dest_cspace.
inline CapResult cspace_copy_cap_from(CapId src_cspace, CapId src_cap, CapId dest_cspace,
                                      std::uint32_t rights_mask)
{
    return detail::cap_call_result(detail::hypercall(GUNYAH_HC_CSPACE_COPY_CAP_FROM, src_cspace,
                                                     src_cap, dest_cspace, rights_mask));
}
inline Error cspace_revoke_cap_from(CapId src_cspace, CapId src_cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, src_cspace, src_cap));
}
inline Error cspace_configure(CapId cspace, std::uint32_t max_caps)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_CSPACE_CONFIGURE, cspace, max_caps));
}
inline Error cspace_attach_thread(CapId cspace, CapId thread)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_CSPACE_ATTACH_THREAD, cspace, thread));
}
// Revokes every cap copied from master_cap.
inline Error cspace_revoke_caps_from(CapId src_cspace, CapId master_cap)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_CSPACE_REVOKE_CAPS_FROM, src_cspace, master_cap));
}

}  // namespace gunyah
