// Wrappers for virtio-mmio devices the hypervisor emulates in part: the frontend VM sees
// a virtio-mmio register window, the backend VM services its queues through these
// calls. Plus the virtio-input configuration calls. Arguments in register order.
#pragma once

#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// memextent: the device's register window; vqs_num at most GUNYAH_VIRTIO_MMIO_MAX_VQS;
// flags: GUNYAH_VIRTIO_MMIO_CONFIG_VALID_DEVICE_TYPE when device_type is meant.
inline Error virtio_mmio_configure(CapId virtio_mmio, CapId memextent, std::uint32_t vqs_num, std::uint64_t flags,
                                   std::uint32_t device_type)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_CONFIGURE, virtio_mmio, memextent, vqs_num,
                                              flags, device_type));
}
inline Error virtio_mmio_backend_bind_virq(CapId virtio_mmio, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_BIND_VIRQ, virtio_mmio, vic, virq));
}
inline Error virtio_mmio_backend_unbind_virq(CapId virtio_mmio)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_UNBIND_VIRQ, virtio_mmio));
}
inline Error virtio_mmio_frontend_bind_virq(CapId virtio_mmio, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_FRONTEND_BIND_VIRQ, virtio_mmio, vic, virq));
}
inline Error virtio_mmio_frontend_unbind_virq(CapId virtio_mmio)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_FRONTEND_UNBIND_VIRQ, virtio_mmio));
}
inline Error virtio_mmio_backend_assert_virq(CapId virtio_mmio, std::uint32_t interrupt_status)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_ASSERT_VIRQ, virtio_mmio, interrupt_status));
}
inline Error virtio_mmio_backend_set_dev_features(CapId virtio_mmio, std::uint32_t sel, std::uint32_t features)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_DEV_FEATURES, virtio_mmio, sel, features));
}
inline Error virtio_mmio_backend_set_queue_num_max(CapId virtio_mmio, std::uint32_t sel, std::uint32_t queue_num_max)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_QUEUE_NUM_MAX, virtio_mmio, sel, queue_num_max));
}
// value: the driver's feature bits for word sel.
inline ValueResult virtio_mmio_backend_get_drv_features(CapId virtio_mmio, std::uint32_t sel)
{
    return detail::value_call_result(
        detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_DRV_FEATURES, virtio_mmio, sel));
}

// What the driver programmed for queue sel (x1..x5).
struct [[nodiscard]] QueueInfoResult {
    Error error;
    std::uint64_t queue_num;
    std::uint64_t queue_ready;
    std::uint64_t queue_desc;
    std::uint64_t queue_driver;   // driver (available) area
    std::uint64_t queue_device;   // device (used) area
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
inline QueueInfoResult virtio_mmio_backend_get_queue_info(CapId virtio_mmio, std::uint32_t sel)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_QUEUE_INFO, virtio_mmio, sel);
    return {detail::error_of(r), r.x[1], r.x[2], r.x[3], r.x[4], r.x[5]};
}

struct [[nodiscard]] NotificationResult {
    Error error;
    std::uint64_t vqs_bitmap;  // queues the driver notified
    std::uint64_t reason;      // GUNYAH_VIRTIO_NOTIFY_* bits
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
inline NotificationResult virtio_mmio_backend_get_notification(CapId virtio_mmio)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_NOTIFICATION, virtio_mmio);
    return {detail::error_of(r), r.x[1], r.x[2]};
}
inline Error virtio_mmio_backend_acknowledge_reset(CapId virtio_mmio)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_ACKNOWLEDGE_RESET, virtio_mmio));
}
inline Error virtio_mmio_backend_update_status(CapId virtio_mmio, std::uint32_t value)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_MMIO_BACKEND_UPDATE_STATUS, virtio_mmio, value));
}

// ---- virtio-input
inline Error virtio_input_configure(CapId virtio_mmio, std::uint64_t devids, std::uint32_t prop_bits,
                                    std::uint32_t num_evtypes, std::uint32_t num_absaxes)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIRTIO_INPUT_CONFIGURE, virtio_mmio, devids, prop_bits,
                                              num_evtypes, num_absaxes));
}
// Sets config data (sel, subsel) from size bytes at data_ipa.
inline Error virtio_input_set_data(CapId virtio_mmio, std::uint32_t sel, std::uint32_t subsel, std::uint32_t size,
                                   std::uint64_t data_ipa)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_VIRTIO_INPUT_SET_DATA, virtio_mmio, sel, subsel, size, data_ipa));
}

}  // namespace gunyah
