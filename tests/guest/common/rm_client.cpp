// The test guests' RPC client (see rm_client.h).
#include "rm_client.h"

#include "hyp_api/client/ipc.h"
#include "hyp_api/gunyah_rm_rpc.h"

namespace guest {
namespace {

constexpr std::size_t kept_notifications = 16;

u16 next_seq = 0x2000;
constinit RmNotification notifications[kept_notifications];
unsigned notification_count = 0;
u8 fragment[GUNYAH_RM_RPC_FRAGMENT_SIZE];

void keep_notification(u32 id, const u8* payload, std::size_t size)
{
    if (notification_count == kept_notifications) {
        // The oldest goes: a test that lets 16 pile up does not look at them.
        for (unsigned i = 1; i < kept_notifications; ++i) {
            notifications[i - 1] = notifications[i];
        }
        --notification_count;
    }
    RmNotification& n = notifications[notification_count++];
    n.id = id;
    n.size = size < sizeof n.data ? size : sizeof n.data;
    for (std::size_t i = 0; i < n.size; ++i) {
        n.data[i] = payload[i];
    }
}

// One fragment, retried while the queue is full.
bool send_fragment(const RmLink& link, u32 type, u32 continuations, u16 seq, u32 id, const u8* payload,
                   std::size_t size)
{
    for (unsigned attempt = 0; attempt < 2000; ++attempt) {
        gunyah::MsgqSendResult r = rm_send(link, type, continuations, seq, id, size, payload);
        if (r.ok()) {
            return true;
        }
        if (r.error != gunyah::Error::msgqueue_full) {
            bad("msgqueue_send to the RM: error %ld", static_cast<i64>(r.error));
            return false;
        }
        delay_us(1000);
    }
    bad("the RM's queue stayed full for 2 s");
    return false;
}

// Reads one message (first fragment and its continuations) into `out` (its payload), or
// returns false after `timeout_us`. `header` gets the first fragment's header.
bool receive_message(const RmLink& link, gunyah_rm_rpc_hdr_fields& header, u8* out, std::size_t capacity,
                     std::size_t& size, u64 timeout_us)
{
    const std::size_t got = rm_receive(link, fragment, timeout_us);
    if (got < GUNYAH_RM_RPC_HDR_SIZE) {
        return false;
    }
    header = gunyah_rm_rpc_hdr_read(fragment);
    size = 0;
    auto take = [&](std::size_t bytes) {
        for (std::size_t i = 0; i < bytes && size < capacity; ++i) {
            out[size++] = fragment[GUNYAH_RM_RPC_HDR_SIZE + i];
        }
    };
    take(got - GUNYAH_RM_RPC_HDR_SIZE);
    for (u32 c = 0; c < header.continuations; ++c) {
        const std::size_t more = rm_receive(link, fragment, timeout_us);
        if (more < GUNYAH_RM_RPC_HDR_SIZE) {
            bad("continuation %u of message %#x did not come", c + 1, header.msg_id);
            return false;
        }
        const gunyah_rm_rpc_hdr_fields h = gunyah_rm_rpc_hdr_read(fragment);
        if (h.msg_type != GUNYAH_RM_RPC_TYPE_CONTINUATION || h.msg_id != header.msg_id || h.seq != header.seq) {
            bad("fragment %u of message %#x is type %u id %#x seq %u", c + 1, header.msg_id, h.msg_type, h.msg_id,
                h.seq);
            return false;
        }
        take(more - GUNYAH_RM_RPC_HDR_SIZE);
    }
    return true;
}

u8 message[GUNYAH_RM_RPC_FRAGMENT_PAYLOAD * 8];

}  // namespace

u32 rm_call(const RmLink& link, u32 id, const void* payload, std::size_t size, RmReply& reply, u64 timeout_us)
{
    reply.error = rm_no_reply;
    reply.size = 0;
    const u16 seq = next_seq++;
    const auto* bytes = static_cast<const u8*>(payload);
    const std::size_t fragments = size == 0 ? 1 : (size + GUNYAH_RM_RPC_FRAGMENT_PAYLOAD - 1) / GUNYAH_RM_RPC_FRAGMENT_PAYLOAD;
    for (std::size_t f = 0; f < fragments; ++f) {
        const std::size_t offset = f * GUNYAH_RM_RPC_FRAGMENT_PAYLOAD;
        const std::size_t chunk = size - offset < GUNYAH_RM_RPC_FRAGMENT_PAYLOAD ? size - offset
                                                                                  : GUNYAH_RM_RPC_FRAGMENT_PAYLOAD;
        const u32 type = f == 0 ? GUNYAH_RM_RPC_TYPE_REQUEST : GUNYAH_RM_RPC_TYPE_CONTINUATION;
        if (!send_fragment(link, type, static_cast<u32>(fragments - 1), seq, id, bytes + offset, chunk)) {
            return rm_no_reply;
        }
    }
    const u64 start = counter();
    while (us_from_ticks(counter() - start) < timeout_us) {
        gunyah_rm_rpc_hdr_fields h{};
        std::size_t got = 0;
        if (!receive_message(link, h, message, sizeof message, got, timeout_us)) {
            break;
        }
        if (h.msg_type == GUNYAH_RM_RPC_TYPE_NOTIFICATION) {
            keep_notification(h.msg_id, message, got);
            continue;
        }
        if (h.msg_type != GUNYAH_RM_RPC_TYPE_REPLY || h.msg_id != id || h.seq != seq || got < 4) {
            bad("waiting for the reply to %#x seq %u: got type %u id %#x seq %u, %zu bytes", id, seq, h.msg_type,
                h.msg_id, h.seq, got);
            return rm_no_reply;
        }
        reply.error = le32_at(message);
        for (std::size_t i = 4; i < got && reply.size < rm_reply_capacity; ++i) {
            reply.data[reply.size++] = message[i];
        }
        return reply.error;
    }
    bad("no reply to %#x seq %u in %lu us", id, seq, timeout_us);
    return rm_no_reply;
}

bool rm_wait_notification(const RmLink& link, u32 id, RmNotification& out, u64 timeout_us)
{
    const u64 start = counter();
    for (;;) {
        for (unsigned i = 0; i < notification_count; ++i) {
            if (notifications[i].id == id) {
                out = notifications[i];
                for (unsigned j = i + 1; j < notification_count; ++j) {
                    notifications[j - 1] = notifications[j];
                }
                --notification_count;
                return true;
            }
        }
        const u64 spent = us_from_ticks(counter() - start);
        if (spent >= timeout_us) {
            return false;
        }
        gunyah_rm_rpc_hdr_fields h{};
        std::size_t got = 0;
        if (!receive_message(link, h, message, sizeof message, got, timeout_us - spent)) {
            continue;
        }
        if (h.msg_type == GUNYAH_RM_RPC_TYPE_NOTIFICATION) {
            keep_notification(h.msg_id, message, got);
        } else {
            bad("a message of type %u id %#x came while waiting for notification %#x", h.msg_type, h.msg_id, id);
        }
    }
}

unsigned rm_drop_notifications()
{
    const unsigned n = notification_count;
    notification_count = 0;
    return n;
}

}  // namespace guest
