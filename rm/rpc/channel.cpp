// One client's RPC channel: receiving, reassembling, and the ordered backlog of what the
// RM sends (see channel.h).
#include "rm/rpc/channel.h"

namespace hyp::rm::rpc {
namespace {

constexpr std::size_t error_word_size = sizeof(std::uint32_t);

constexpr std::uint8_t notification_end = FragmentFifo::flag_last | FragmentFifo::flag_notification;

}  // namespace

std::uint64_t ChannelStats::bad_fragments_total() const
{
    std::uint64_t total = 0;
    for (std::uint64_t n : bad_fragments) {
        total += n;
    }
    return total;
}

void RpcChannel::attach(QueuePair& queues, std::uint16_t client_vmid)
{
    forget();
    queues_ = &queues;
    client_vmid_ = client_vmid;
}

void RpcChannel::detach()
{
    forget();
    queues_ = nullptr;
}

void RpcChannel::forget()
{
    reassembler_.reset();
    backlog_.clear();
    pending_notifications_ = 0;
}

PollResult RpcChannel::poll(MessageSink& sink)
{
    (void)send_pending();
    bool budget_spent = false;
    bool held_back = false;  // stopped for want of room in the backlog for a reply
    for (std::size_t n = 0; queues_ != nullptr; ++n) {
        if (n == max_fragments_per_poll) {
            budget_spent = true;
            break;
        }
        if (backlog_.free_bytes() < reply_reserve) {
            held_back = true;
            break;
        }
        const MsgqReceiveResult r = queues_->receive(rx_buffer_, sizeof(rx_buffer_));
        if (r.error == Error::msgqueue_empty) {
            break;
        }
        if (!r.ok()) {
            ++stats_.receive_errors;
            break;
        }
        take_fragment(r.size, sink);
        if (!r.not_empty) {
            break;
        }
    }
    const bool tx_pending = send_pending();
    // Held back, reading goes on when the TX queue drains (its not-full interrupt), unless
    // the sends just now already made the room.
    const bool room_again = held_back && backlog_.free_bytes() >= reply_reserve;
    return PollResult{(budget_spent || room_again) && queues_ != nullptr, tx_pending};
}

bool RpcChannel::send_pending()
{
    while (queues_ != nullptr && !backlog_.empty()) {
        const FragmentFifo::Front front = backlog_.front(tx_buffer_);
        const MsgqSendResult r = queues_->send(tx_buffer_, front.size, (front.flags & FragmentFifo::flag_last) != 0);
        if (r.error == Error::msgqueue_full) {
            ++stats_.queue_full;
            return true;
        }
        if (!r.ok()) {
            // Only a full queue is worth waiting for; any other failure means the queue
            // itself is gone or wrong (a revoked cap while the client is torn down), and
            // its fragments would wait for ever.
            ++stats_.send_errors;
            stats_.last_send_error = r.error;
            discard_backlog();
            return false;
        }
        backlog_.pop();
        ++stats_.fragments_sent;
        if ((front.flags & notification_end) == notification_end) {
            --pending_notifications_;
        }
        if (!r.not_full) {
            // That filled the queue: its not-full interrupt says when to go on.
            return !backlog_.empty();
        }
    }
    return !backlog_.empty();
}

bool RpcChannel::reply(std::uint16_t seq, std::uint32_t msg_id, std::uint32_t rm_error, const std::uint8_t* data,
                       std::size_t size)
{
    const std::uint8_t error_word[error_word_size] = {
        static_cast<std::uint8_t>(rm_error), static_cast<std::uint8_t>(rm_error >> 8),
        static_cast<std::uint8_t>(rm_error >> 16), static_cast<std::uint8_t>(rm_error >> 24)};
    const Payload payload{error_word, error_word_size, data, size};
    // A reply may use the reply reserve: it is what the reserve is for.
    if (!attached() || !has_room(payload.size(), 0) || !enqueue(MsgType::reply, seq, msg_id, payload)) {
        ++stats_.replies_dropped;
        return false;
    }
    (void)send_pending();
    return true;
}

bool RpcChannel::notify(NotificationSequence& sequence, std::uint32_t msg_id, const std::uint8_t* payload,
                        std::size_t size)
{
    // Judged before a number is taken, so a dropped notification costs no number.
    if (!attached() || pending_notifications_ >= max_pending_notifications || !has_room(size, reply_reserve) ||
        !enqueue(MsgType::notification, sequence.take(), msg_id, Payload{payload, size})) {
        ++stats_.notifications_dropped;
        return false;
    }
    ++pending_notifications_;
    ++stats_.notifications_sent;
    (void)send_pending();
    return true;
}

bool RpcChannel::has_room(std::size_t payload_size, std::size_t keep_free) const
{
    return payload_size <= max_payload && backlog_bytes(payload_size) + keep_free <= backlog_.free_bytes();
}

bool RpcChannel::enqueue(MsgType type, std::uint16_t seq, std::uint32_t msg_id, const Payload& payload)
{
    // Callers check has_room() first: all of a message goes in or none of it, since a
    // message half in the backlog would reach the client as fragments that never complete.
    const Fragmenter message{type, seq, msg_id, payload};
    const std::uint8_t kind = type == MsgType::notification ? FragmentFifo::flag_notification : 0;
    for (std::size_t i = 0; i < message.count(); ++i) {
        const std::size_t size = message.write(i, tx_buffer_);
        const std::uint8_t flags = kind | (i + 1 == message.count() ? FragmentFifo::flag_last : 0);
        if (!backlog_.push(tx_buffer_, size, flags)) {
            return false;  // not reached when has_room() was asked
        }
    }
    return true;
}

void RpcChannel::take_fragment(std::size_t size, MessageSink& sink)
{
    ++stats_.fragments_received;
    const Decoded decoded = decode_fragment(rx_buffer_, size);
    if (!decoded.ok()) {
        ++stats_.bad_fragments[static_cast<std::size_t>(decoded.fault)];
        return;
    }
    const TakeResult taken = reassembler_.take(decoded.fragment);
    if (taken.abandoned) {
        ++stats_.abandoned_messages;
    }
    switch (taken.outcome) {
    case Take::partial: break;
    case Take::orphan: ++stats_.orphan_continuations; break;
    case Take::stray: ++stats_.stray_continuations; break;
    case Take::complete:
        ++stats_.messages_received;
        sink.on_message(*this, reassembler_.message());
        break;
    }
}

void RpcChannel::discard_backlog()
{
    stats_.fragments_discarded += backlog_.fragments();
    backlog_.clear();
    pending_notifications_ = 0;
}

}  // namespace hyp::rm::rpc
