// Helpers for the RM RPC tests (test_rpc_*.cpp): a scripted queue pair, and the client's
// side of the wire written independently of rm/rpc, after Linux's Gunyah RM driver
// (drivers/virt/gunyah/rsc_mgr.c): how it fragments a request (gh_rm_send_request) and
// how it takes the RM's replies and notifications apart (gh_rm_msgq_rx_data and the
// functions it calls). The RM's output is judged by that receiver, so a test passes
// only if Linux would accept what the RM sent.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/rpc/channel.h"
#include "rm/rpc/queue_pair.h"

namespace hyp::test::rpc {

using Bytes = std::vector<std::uint8_t>;

// A message-queue pair in memory. rx holds what the client sent (the RM receives from
// it); tx what the RM sent, in order. tx_room counts the fragments the TX queue takes
// before it answers msgqueue_full; send_error and receive_error, when set, fail every
// send or receive.
class FakeQueuePair final : public rm::rpc::QueuePair {
public:
    std::deque<Bytes> rx;
    std::vector<Bytes> tx;
    std::vector<bool> tx_push;
    std::size_t tx_room = SIZE_MAX;
    Error send_error = Error::ok;
    Error receive_error = Error::ok;
    // The client starts reading (tx_room becomes unlimited) at this send call, counted from 1.
    std::size_t open_tx_at_send_call = SIZE_MAX;
    std::size_t send_calls = 0;
    std::size_t receive_calls = 0;

    rm::MsgqSendResult send(const std::uint8_t* fragment, std::size_t size, bool push) override
    {
        ++send_calls;
        if (send_calls == open_tx_at_send_call) {
            tx_room = SIZE_MAX;
        }
        if (send_error != Error::ok) {
            return {send_error, false};
        }
        if (tx_room == 0) {
            return {Error::msgqueue_full, false};
        }
        --tx_room;
        tx.emplace_back(fragment, fragment + size);
        tx_push.push_back(push);
        return {Error::ok, tx_room != 0};
    }

    // A message longer than the buffer is cut to fit but its true size reported, like a
    // hypervisor that lies: the channel must not read past its buffer.
    rm::MsgqReceiveResult receive(std::uint8_t* buffer, std::size_t capacity) override
    {
        ++receive_calls;
        if (receive_error != Error::ok) {
            return {receive_error, 0, false};
        }
        if (rx.empty()) {
            return {Error::msgqueue_empty, 0, false};
        }
        const Bytes message = std::move(rx.front());
        rx.pop_front();
        for (std::size_t i = 0; i < message.size() && i < capacity; ++i) {
            buffer[i] = message[i];
        }
        return {Error::ok, message.size(), !rx.empty()};
    }
};

// ---- The client's side: Linux's driver, restated.

constexpr std::uint8_t linux_api_byte = 0x21;  // version 1, 2 header words
constexpr std::size_t linux_max_msg = 240 - 8;

inline Bytes header(std::uint8_t api, std::uint8_t type, std::uint16_t seq, std::uint32_t msg_id)
{
    return Bytes{api,
                 type,
                 static_cast<std::uint8_t>(seq),
                 static_cast<std::uint8_t>(seq >> 8),
                 static_cast<std::uint8_t>(msg_id),
                 static_cast<std::uint8_t>(msg_id >> 8),
                 static_cast<std::uint8_t>(msg_id >> 16),
                 static_cast<std::uint8_t>(msg_id >> 24)};
}

inline std::uint8_t type_byte(std::uint32_t msg_type, std::size_t continuations)
{
    return static_cast<std::uint8_t>((msg_type & 3u) | (continuations << 2));
}

// One fragment: a header and a payload.
inline Bytes fragment(std::uint32_t msg_type, std::size_t continuations, std::uint16_t seq, std::uint32_t msg_id,
                      const Bytes& payload = {})
{
    Bytes out = header(linux_api_byte, type_byte(msg_type, continuations), seq, msg_id);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

// gh_rm_send_request: (size - 1) / 232 continuations, every fragment full but the last,
// the continuations type 0 with the first's count, seq and id.
inline std::vector<Bytes> linux_request(std::uint32_t msg_id, std::uint16_t seq, const Bytes& payload)
{
    const std::size_t continuations = payload.empty() ? 0 : (payload.size() - 1) / linux_max_msg;
    std::vector<Bytes> out;
    std::size_t at = 0;
    std::uint32_t type = GUNYAH_RM_RPC_TYPE_REQUEST;
    do {
        const std::size_t n = std::min(payload.size() - at, linux_max_msg);
        out.push_back(fragment(type, continuations, seq, msg_id,
                               Bytes(payload.begin() + static_cast<std::ptrdiff_t>(at),
                                     payload.begin() + static_cast<std::ptrdiff_t>(at + n))));
        at += n;
        type = GUNYAH_RM_RPC_TYPE_CONTINUATION;
    } while (at < payload.size());
    return out;
}

inline Bytes pattern(std::size_t size, std::uint8_t salt = 0)
{
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(i * 31 + (i >> 8) + salt);
    }
    return out;
}

inline std::uint32_t le32_at(const Bytes& b, std::size_t at)
{
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

// What Linux's receiver ends up with.
struct Received {
    std::uint32_t type;  // GUNYAH_RM_RPC_TYPE_REPLY or _NOTIFICATION
    std::uint16_t seq;
    std::uint32_t msg_id;
    std::uint32_t rm_error;  // replies only
    Bytes payload;           // after the header (and, for a reply, the error word)
    std::size_t fragments;
};

// gh_rm_msgq_rx_data and friends: one connection in progress; a reply or notification
// aborts it; a continuation must match its msg_id and fragment count, else the
// connection is aborted; complete when as many continuations as announced arrived. A
// reply shorter than header + error word fails the call (counted in errors).
class LinuxReceiver {
public:
    std::vector<Received> messages;
    std::size_t ignored = 0;  // fragments dropped: bad size or api byte, lone continuations
    std::size_t aborted = 0;  // connections aborted
    std::size_t errors = 0;   // replies too short for the error word

    void take(const Bytes& f)
    {
        if (f.size() < 8 || f.size() > 240 || f[0] != linux_api_byte) {
            ++ignored;
            return;
        }
        const std::uint32_t type = f[1] & 3u;
        const std::size_t count = f[1] >> 2;
        const std::uint16_t seq = static_cast<std::uint16_t>(f[2] | f[3] << 8);
        const std::uint32_t id = le32_at(f, 4);
        if (type == GUNYAH_RM_RPC_TYPE_REPLY || type == GUNYAH_RM_RPC_TYPE_NOTIFICATION) {
            if (active_) {
                ++aborted;
                active_ = false;
            }
            const std::size_t hdr = type == GUNYAH_RM_RPC_TYPE_REPLY ? 12 : 8;
            if (f.size() < hdr) {
                ++errors;
                return;
            }
            if (count > 62) {
                ++errors;
                return;
            }
            current_ = Received{type, seq, id, type == GUNYAH_RM_RPC_TYPE_REPLY ? le32_at(f, 8) : 0,
                                Bytes(f.begin() + static_cast<std::ptrdiff_t>(hdr), f.end()), 1};
            count_ = count;
            received_ = 0;
            active_ = true;
        } else if (type == GUNYAH_RM_RPC_TYPE_CONTINUATION) {
            if (!active_) {
                ++ignored;
                return;
            }
            if (id != current_.msg_id || count != count_) {
                ++aborted;
                active_ = false;
                return;
            }
            current_.payload.insert(current_.payload.end(), f.begin() + 8, f.end());
            ++current_.fragments;
            ++received_;
        } else {
            ++ignored;  // a request: Linux's receiver has no case for one
            return;
        }
        if (active_ && received_ == count_) {
            messages.push_back(current_);
            active_ = false;
        }
    }

    void take_all(const std::vector<Bytes>& fragments)
    {
        for (const Bytes& f : fragments) {
            take(f);
        }
    }

private:
    Received current_{};
    std::size_t count_ = 0;
    std::size_t received_ = 0;
    bool active_ = false;
};

// Queues a Linux-style request on the client's side of q.
inline void client_sends(FakeQueuePair& q, std::uint32_t msg_id, std::uint16_t seq, const Bytes& payload = {})
{
    for (Bytes& f : linux_request(msg_id, seq, payload)) {
        q.rx.push_back(std::move(f));
    }
}

// Everything the RM sent on q, as Linux would see it.
inline LinuxReceiver client_view(const FakeQueuePair& q)
{
    LinuxReceiver r;
    r.take_all(q.tx);
    return r;
}

}  // namespace hyp::test::rpc
