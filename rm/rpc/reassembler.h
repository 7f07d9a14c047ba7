// Reassembly of one client's messages from fragments (docs/rpc.md, "Reassembly"). A
// message is a first fragment (request, reply or notification, announcing N
// continuations) and then N continuation fragments with the same id, sequence number and
// count; the payloads are concatenated. One message is in progress at a time per client:
// Linux's driver sends each request's fragments back to back under a lock, and the
// reference RM keeps one partial message per client the same way.
//
// The rules, from the reference RM's receiver (and agreeing with Linux's where both look):
//  - a first fragment always starts a new message; one still in progress is abandoned;
//  - a continuation with nothing in progress is dropped (orphan);
//  - a continuation whose id, sequence or count differs from the message in progress is
//    dropped (stray) and the message stays in progress, waiting for its own;
//  - fragments need not be full: the payload is what arrives, up to 232 bytes each, so
//    a message never exceeds 232 x 63 bytes and the fixed buffer cannot overflow.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/rpc/fragment.h"

namespace hyp::rm::rpc {

// A whole message: its first fragment's header fields and the concatenated payload.
struct Message {
    MsgType type;  // request, reply or notification; never continuation
    std::uint16_t seq;
    std::uint32_t msg_id;
    const std::uint8_t* payload;
    std::size_t size;
};

enum class Take : std::uint8_t {
    partial,   // taken; the message waits for more continuations
    complete,  // taken, and the message is whole: message() until the next take()
    orphan,    // a continuation with no message in progress: dropped
    stray,     // a continuation of some other message: dropped, the one in progress kept
};

struct [[nodiscard]] TakeResult {
    Take outcome;
    bool abandoned;  // a first fragment replaced a message still in progress
};

class Reassembler {
public:
    constexpr Reassembler() = default;

    TakeResult take(const Fragment& fragment);
    // The message take() last completed; its payload is valid until the next take().
    [[nodiscard]] Message message() const;
    [[nodiscard]] bool in_progress() const { return in_progress_; }
    // Forgets any message in progress.
    void reset();

private:
    void append(const std::uint8_t* bytes, std::size_t size);

    std::uint8_t buffer_[max_payload] = {};
    std::size_t size_ = 0;
    Header first_{MsgType::continuation, 0, 0, 0};
    std::size_t remaining_ = 0;  // continuations still expected
    bool in_progress_ = false;
};

}  // namespace hyp::rm::rpc
