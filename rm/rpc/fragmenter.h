// Splitting a message the RM sends into fragments (docs/rpc.md, "Fragmentation"), the way
// Linux's driver and the reference RM both do it: the first fragment carries the
// message's type and the count of continuations, each continuation is type 0 with the
// same count, sequence number and id, and every fragment but the last is full (232
// payload bytes). A payload of n bytes takes (n - 1) / 232 continuations (none for an
// empty one), so a message carries at most 232 x 63 bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/rpc/fragment.h"

namespace hyp::rm::rpc {

// A payload as two pieces sent back to back, so a reply's error word and its data need
// not be copied together first. Either piece may be empty.
struct Payload {
    const std::uint8_t* head = nullptr;
    std::size_t head_size = 0;
    const std::uint8_t* body = nullptr;
    std::size_t body_size = 0;

    [[nodiscard]] constexpr std::size_t size() const { return head_size + body_size; }
};

[[nodiscard]] constexpr std::size_t continuations_for(std::size_t payload_size)
{
    return payload_size == 0 ? 0 : (payload_size - 1) / fragment_payload;
}

class Fragmenter {
public:
    // `type` is the first fragment's: request, reply or notification.
    Fragmenter(MsgType type, std::uint16_t seq, std::uint32_t msg_id, const Payload& payload);

    // Whether the payload fits in one message (at most max_payload bytes).
    [[nodiscard]] bool fits() const { return payload_.size() <= max_payload; }
    // How many fragments the message takes; only meaningful when it fits.
    [[nodiscard]] std::size_t count() const { return continuations_ + 1; }
    // The bytes all fragments take together, headers included.
    [[nodiscard]] std::size_t total_bytes() const { return count() * header_size + payload_.size(); }
    // Writes fragment `index` (0 is the first) into out, which has room for fragment_size
    // bytes; returns how many bytes it wrote.
    [[nodiscard]] std::size_t write(std::size_t index, std::uint8_t* out) const;

private:
    MsgType type_;
    std::uint16_t seq_;
    std::uint32_t msg_id_;
    Payload payload_;
    std::size_t continuations_;
};

}  // namespace hyp::rm::rpc
