// One client's RPC channel (docs/rpc.md, "Transport"): the RM's end of the message-queue
// pair between the RM and one client VM. It receives fragments, reassembles them into
// messages and hands each whole message to a MessageSink (the dispatcher); it fragments
// the replies and notifications the RM sends and keeps them, in order, in a bounded
// backlog while the client's queue is full.
//
// The RM's main loop is one thread: a channel takes no locks, and a sink may reply and
// notify from inside on_message().
//
// Flow control. A request is read only while the backlog has room for the largest reply
// (reply_reserve), and notifications never take that room, so the reply to every request
// read always fits. When the client stops reading its queue the backlog fills, the RM
// stops reading requests, the client's own queue fills and its sends wait: nothing is
// lost but notifications, which are dropped (and counted) once
// GUNYAH_RM_RPC_MAX_PENDING_NOTIFICATIONS wait or the room outside the reserve is gone.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/rpc/fragment.h"
#include "rm/rpc/fragment_fifo.h"
#include "rm/rpc/fragmenter.h"
#include "rm/rpc/queue_pair.h"
#include "rm/rpc/reassembler.h"

namespace hyp::rm::rpc {

class RpcChannel;

// Where a channel hands each whole message it receives.
class MessageSink {
public:
    // message.payload is valid until on_message() returns.
    virtual void on_message(RpcChannel& channel, const Message& message) = 0;

protected:
    ~MessageSink() = default;
};

// The sequence numbers of the RM's own notifications: one counter shared by every
// client, as the reference RM keeps it (requests carry the client's numbers instead).
class NotificationSequence {
public:
    constexpr NotificationSequence() = default;
    [[nodiscard]] std::uint16_t take() { return next_++; }
    [[nodiscard]] std::uint16_t next() const { return next_; }

private:
    std::uint16_t next_ = 0;
};

// What a channel has seen and done, for tests and diagnostics. Nothing is reported on
// the wire: the protocol has no way to complain about a fragment.
struct ChannelStats {
    // Receiving.
    std::uint64_t fragments_received = 0;
    std::uint64_t bad_fragments[fragment_fault_kinds] = {};  // by FragmentFault; [none] stays 0
    std::uint64_t orphan_continuations = 0;                  // no message in progress
    std::uint64_t stray_continuations = 0;                   // id, seq or count not the message's
    std::uint64_t abandoned_messages = 0;                    // a first fragment came before the end
    std::uint64_t messages_received = 0;                     // handed to the sink
    std::uint64_t receive_errors = 0;                        // msgqueue_receive failed, not empty
    // Sending.
    std::uint64_t fragments_sent = 0;
    std::uint64_t queue_full = 0;           // sends refused with msgqueue_full: the fragment waits
    std::uint64_t send_errors = 0;          // sends failed otherwise: the backlog is discarded
    std::uint64_t fragments_discarded = 0;  // ... this many fragments with it
    std::uint64_t replies_dropped = 0;      // no room, or more than a message holds
    std::uint64_t notifications_sent = 0;   // queued (and so numbered)
    std::uint64_t notifications_dropped = 0;
    Error last_send_error = Error::ok;

    [[nodiscard]] std::uint64_t bad_fragments_total() const;
    [[nodiscard]] std::uint64_t bad(FragmentFault fault) const
    {
        return bad_fragments[static_cast<std::size_t>(fault)];
    }
};

struct [[nodiscard]] PollResult {
    // Poll again now: the poll stopped at its budget with fragments perhaps still waiting
    // in the RX queue, and the RX interrupt will not come again for them.
    bool rx_pending;
    // Fragments wait in the backlog for room in the TX queue; reading requests may be held
    // back until they have gone (flow control). Poll on the TX queue's not-full interrupt.
    // Polling again before it makes no progress, so a loop that polls while rx_pending
    // never spins on a client that does not read.
    bool tx_pending;
};

class RpcChannel {
public:
    static constexpr std::size_t max_pending_notifications = GUNYAH_RM_RPC_MAX_PENDING_NOTIFICATIONS;
    // Fragments one poll() reads at most, so a client that keeps its queue full cannot
    // keep the RM from its other clients.
    static constexpr std::size_t max_fragments_per_poll = 64;
    // Backlog bytes the largest reply takes: kept free for the reply to the request that
    // is being read.
    static constexpr std::size_t reply_reserve = max_fragments * FragmentFifo::record_size(fragment_size);
    static_assert(reply_reserve < FragmentFifo::capacity, "notifications need room besides the reply reserve");

    constexpr RpcChannel() = default;

    // Binds the channel to a client's queues; forgets any earlier message in progress and
    // backlog (statistics are kept).
    void attach(QueuePair& queues, std::uint16_t client_vmid);
    // Unbinds it: nothing is received or sent until the next attach().
    void detach();
    [[nodiscard]] bool attached() const { return queues_ != nullptr; }
    [[nodiscard]] std::uint16_t client_vmid() const { return client_vmid_; }

    // Sends what the backlog holds, then reads fragments (at most max_fragments_per_poll)
    // and hands each whole message to sink, then sends again. Call on the RX queue's
    // not-empty interrupt, the TX queue's not-full interrupt, or periodically.
    PollResult poll(MessageSink& sink);
    // Sends what the backlog holds, as far as the TX queue takes it; true when fragments
    // still wait.
    [[nodiscard]] bool send_pending();

    // Queues a reply to request (seq, msg_id): le32 rm_error, then size bytes of data
    // (callers pass data only with OK, or for the few replies that add some to an error).
    // False (counted in replies_dropped) when it does not fit in a message or the backlog.
    [[nodiscard]] bool reply(std::uint16_t seq, std::uint32_t msg_id, std::uint32_t rm_error,
                             const std::uint8_t* data, std::size_t size);
    // Queues a notification numbered from sequence. False (counted in
    // notifications_dropped, and no number taken) when max_pending_notifications already
    // wait, when it would eat into the reply reserve, or when it does not fit in a message.
    [[nodiscard]] bool notify(NotificationSequence& sequence, std::uint32_t msg_id, const std::uint8_t* payload,
                              std::size_t size);

    [[nodiscard]] const ChannelStats& stats() const { return stats_; }
    // Notifications queued and not yet wholly sent.
    [[nodiscard]] std::size_t pending_notifications() const { return pending_notifications_; }
    [[nodiscard]] std::size_t backlog_fragments() const { return backlog_.fragments(); }
    [[nodiscard]] bool message_in_progress() const { return reassembler_.in_progress(); }

private:
    // Backlog bytes a message with payload_size bytes takes.
    [[nodiscard]] static constexpr std::size_t backlog_bytes(std::size_t payload_size)
    {
        return (continuations_for(payload_size) + 1) * FragmentFifo::record_size(header_size) + payload_size;
    }
    // Whether a message of payload_size bytes fits in a message and in the backlog with
    // keep_free bytes still free after it.
    [[nodiscard]] bool has_room(std::size_t payload_size, std::size_t keep_free) const;
    [[nodiscard]] bool enqueue(MsgType type, std::uint16_t seq, std::uint32_t msg_id, const Payload& payload);
    void take_fragment(std::size_t size, MessageSink& sink);
    // Drops the message in progress and the backlog.
    void forget();
    void discard_backlog();

    QueuePair* queues_ = nullptr;
    std::uint16_t client_vmid_ = 0;
    std::size_t pending_notifications_ = 0;
    ChannelStats stats_{};
    Reassembler reassembler_{};
    FragmentFifo backlog_{};
    std::uint8_t rx_buffer_[fragment_size] = {};
    std::uint8_t tx_buffer_[fragment_size] = {};
};

}  // namespace hyp::rm::rpc
