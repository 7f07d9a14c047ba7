// Wrappers for the inter-VM channels: doorbells (a 64-bit flag word one side ORs bits
// into and the other clears, raising a virtual interrupt) and message queues (bounded
// queues of messages up to the configured size, 240 bytes for the RM's). Arguments in
// register order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// ---- doorbell_*
inline Error doorbell_bind_virq(CapId doorbell, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_DOORBELL_BIND_VIRQ, doorbell, vic, virq));
}
inline Error doorbell_unbind_virq(CapId doorbell)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_DOORBELL_UNBIND_VIRQ, doorbell));
}

struct [[nodiscard]] DoorbellResult {
    Error error;
    std::uint64_t old_flags;  // the flag word before this call changed it
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
// ORs new_flags into the doorbell's flag word.
inline DoorbellResult doorbell_send(CapId doorbell, std::uint64_t new_flags)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_DOORBELL_SEND, doorbell, new_flags);
    return {detail::error_of(r), r.x[1]};
}
// Clears clear_flags from the flag word.
inline DoorbellResult doorbell_receive(CapId doorbell, std::uint64_t clear_flags)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_DOORBELL_RECEIVE, doorbell, clear_flags);
    return {detail::error_of(r), r.x[1]};
}
inline Error doorbell_reset(CapId doorbell)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_DOORBELL_RESET, doorbell));
}
// Flags in enable_mask raise the interrupt; those in ack_mask are acknowledged (cleared)
// automatically with it.
inline Error doorbell_mask(CapId doorbell, std::uint64_t enable_mask, std::uint64_t ack_mask)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_DOORBELL_MASK, doorbell, enable_mask, ack_mask));
}

// ---- msgqueue_*
inline Error msgqueue_bind_send_virq(CapId msgqueue, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, msgqueue, vic, virq));
}
inline Error msgqueue_bind_receive_virq(CapId msgqueue, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, msgqueue, vic, virq));
}
inline Error msgqueue_unbind_send_virq(CapId msgqueue)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, msgqueue));
}
inline Error msgqueue_unbind_receive_virq(CapId msgqueue)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, msgqueue));
}

struct [[nodiscard]] MsgqSendResult {
    Error error;     // msgqueue_full when there was no room
    bool not_full;   // room remains for another message
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
// Sends size bytes from buffer. flags: GUNYAH_MSGQUEUE_SEND_PUSH or 0.
inline MsgqSendResult msgqueue_send(CapId msgqueue, std::size_t size, const void* buffer, std::uint64_t flags)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_MSGQUEUE_SEND, msgqueue, size, buffer, flags);
    return {detail::error_of(r), r.x[1] != 0};
}

struct [[nodiscard]] MsgqReceiveResult {
    Error error;        // msgqueue_empty when there was nothing to read
    std::size_t size;   // bytes written to the buffer
    bool not_empty;     // more messages are waiting
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
inline MsgqReceiveResult msgqueue_receive(CapId msgqueue, void* buffer, std::size_t buffer_size)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_MSGQUEUE_RECEIVE, msgqueue, buffer, buffer_size);
    return {detail::error_of(r), static_cast<std::size_t>(r.x[1]), r.x[2] != 0};
}

inline Error msgqueue_flush(CapId msgqueue)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_FLUSH, msgqueue));
}
// The sender's not-full interrupt: its threshold (GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED
// keeps it) and holdoff (0 or GUNYAH_MSGQUEUE_DELAY_UNCHANGED: other delays answer
// UNIMPLEMENTED, as Gunyah's do). The fourth argument is reserved and passed as all ones.
inline Error msgqueue_configure_send(CapId msgqueue, std::uint32_t not_full_threshold, std::uint64_t holdoff)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, msgqueue, not_full_threshold,
                                              holdoff, GUNYAH_ARG_RES1));
}
// The receiver's not-empty interrupt: its threshold (also _MAXIMUM: the queue's depth)
// and holdoff, as above (fourth argument res1).
inline Error msgqueue_configure_receive(CapId msgqueue, std::uint32_t not_empty_threshold, std::uint64_t holdoff)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, msgqueue,
                                              not_empty_threshold, holdoff, GUNYAH_ARG_RES1));
}
// create_info: GUNYAH_MSGQUEUE_CREATE_INFO(depth, max message size).
inline Error msgqueue_configure(CapId msgqueue, std::uint32_t create_info)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_MSGQUEUE_CONFIGURE, msgqueue, create_info));
}

}  // namespace gunyah
