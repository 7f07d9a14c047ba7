// Routing the requests clients send to the RM's handlers (docs/rpc.md, "Dispatch"). The
// RM is a server: only requests are dispatched. Each whole request goes to the handler
// registered for its message id, in a fixed table; its reply echoes the request's id and
// sequence number. An id with no handler gets UNIMPLEMENTED, as the reference RM
// answers. Replies and notifications that clients send the RM are dropped and counted.
//
// A handler validates the whole request (WireReader, exact length) before it changes
// anything, writes its reply data (after the error word, which the dispatcher writes)
// into the WireWriter it is given, and returns the RM error. Data goes out only with OK
// unless the handler says otherwise (HandlerResult::error_with_data), as the reference
// RM sends "std" replies: the error alone.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/rpc/channel.h"
#include "rm/rpc/wire.h"

namespace hyp::rm::rpc {

// A request as a handler sees it.
struct Request {
    std::uint16_t client_vmid;  // the VM whose channel it came on
    std::uint16_t seq;
    std::uint32_t msg_id;
    const std::uint8_t* payload;
    std::size_t size;

    [[nodiscard]] WireReader reader() const { return WireReader{payload, size}; }
};

struct [[nodiscard]] HandlerResult {
    std::uint32_t rm_error;
    bool data_on_error;  // send the written data even though rm_error is not OK

    [[nodiscard]] static constexpr HandlerResult ok() { return HandlerResult{GUNYAH_RM_OK, false}; }
    [[nodiscard]] static constexpr HandlerResult error(std::uint32_t rm_error) { return HandlerResult{rm_error, false}; }
    // For the few replies that carry data after a failure (VM_SET_TIME_BASE and
    // VM_SET_FIRMWARE_MEM append the hypervisor's error).
    [[nodiscard]] static constexpr HandlerResult error_with_data(std::uint32_t rm_error)
    {
        return HandlerResult{rm_error, true};
    }
};

// A handler: context is what was registered with it (the object it works on).
using HandlerFn = HandlerResult (*)(void* context, const Request& request, WireWriter& reply);

struct DispatcherStats {
    std::uint64_t requests = 0;               // dispatched to a handler
    std::uint64_t unimplemented = 0;          // answered UNIMPLEMENTED: no handler
    std::uint64_t replies_ignored = 0;        // a client sent the RM a reply
    std::uint64_t notifications_ignored = 0;  // a client sent the RM a notification
    std::uint64_t reply_overflows = 0;        // a handler wrote more than a reply holds
    std::uint64_t replies_lost = 0;           // the channel had no room for a reply
};

class Dispatcher final : public MessageSink {
public:
    // gunyah_rm_rpc.h names 50 request ids; room for all of them and a few more.
    static constexpr std::size_t max_handlers = 64;
    // A reply's data: a message's payload less the error word.
    static constexpr std::size_t max_reply_data = max_payload - sizeof(std::uint32_t);

    constexpr Dispatcher() = default;

    // Registers fn for requests with msg_id. False when fn is null, msg_id already has a
    // handler, or the table is full.
    [[nodiscard]] bool add(std::uint32_t msg_id, HandlerFn fn, void* context = nullptr);
    [[nodiscard]] bool handles(std::uint32_t msg_id) const { return find(msg_id) != nullptr; }

    void on_message(RpcChannel& channel, const Message& message) override;

    [[nodiscard]] const DispatcherStats& stats() const { return stats_; }

private:
    struct Entry {
        std::uint32_t msg_id;
        HandlerFn fn;
        void* context;
    };
    [[nodiscard]] const Entry* find(std::uint32_t msg_id) const;

    Entry table_[max_handlers] = {};
    std::size_t count_ = 0;
    DispatcherStats stats_{};
    // Where the handler writes its reply: one, as the RM handles one request at a time.
    std::uint8_t reply_data_[max_reply_data] = {};
};

}  // namespace hyp::rm::rpc
