// The RM RPC codec for one fragment (docs/rpc.md): the 8-byte header of every message-
// queue message between the RM and a client, decoded and judged before anything else
// looks at the fragment, and written for what the RM sends. The layout and numbers are
// hyp_api/gunyah_rm_rpc.h's; this file only names them for C++ and says which headers
// a receiver drops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"

namespace hyp::rm::rpc {

inline constexpr std::size_t fragment_size = GUNYAH_RM_RPC_FRAGMENT_SIZE;        // 240
inline constexpr std::size_t header_size = GUNYAH_RM_RPC_HDR_SIZE;               // 8
inline constexpr std::size_t fragment_payload = GUNYAH_RM_RPC_FRAGMENT_PAYLOAD;  // 232
inline constexpr std::size_t max_continuations = GUNYAH_RM_RPC_MAX_CONTINUATIONS;
inline constexpr std::size_t max_fragments = max_continuations + 1;
inline constexpr std::size_t max_payload = GUNYAH_RM_RPC_MAX_PAYLOAD;  // 232 x 63
static_assert(max_payload == fragment_payload * max_fragments);

enum class MsgType : std::uint8_t {
    continuation = GUNYAH_RM_RPC_TYPE_CONTINUATION,
    request = GUNYAH_RM_RPC_TYPE_REQUEST,
    reply = GUNYAH_RM_RPC_TYPE_REPLY,
    notification = GUNYAH_RM_RPC_TYPE_NOTIFICATION,
};

// A header's fields. The api byte has no field here: a fragment whose api byte is not
// version 1 with 2 header words never gets this far, and the RM writes only that one.
struct Header {
    MsgType type;
    std::uint8_t continuations;  // on every fragment of a message: how many follow the first
    std::uint16_t seq;
    std::uint32_t msg_id;
};

// Why a received fragment was dropped without being looked at further. The receiver
// counts each reason (ChannelStats::bad_fragments) since the wire carries no complaint
// back: the reference RM drops bad headers silently, and so does Linux's driver.
enum class FragmentFault : std::uint8_t {
    none,
    too_short,               // not even a header
    too_long,                // more than a message-queue message can hold
    bad_version,             // api bits 3:0 are not 1
    bad_header_words,        // api bits 7:4 are not 2
    too_many_continuations,  // type bits 7:2 above 62: more than a message may have
};
inline constexpr std::size_t fragment_fault_kinds = 6;
static_assert(static_cast<std::size_t>(FragmentFault::too_many_continuations) + 1 == fragment_fault_kinds);

// A fragment that passed the checks: its header and where its payload lies (inside the
// bytes it was decoded from, so valid while they are).
struct Fragment {
    Header header;
    const std::uint8_t* payload;
    std::size_t payload_size;
};

struct [[nodiscard]] Decoded {
    FragmentFault fault;
    Fragment fragment;  // meaningful only when fault is none
    [[nodiscard]] constexpr bool ok() const { return fault == FragmentFault::none; }
};

// Decodes and judges one received fragment of `size` bytes.
Decoded decode_fragment(const std::uint8_t* bytes, std::size_t size);

// Writes `header` (with the api byte for version 1, 2 words) into out[0, header_size).
// header.continuations must be at most max_continuations.
void write_header(std::uint8_t* out, const Header& header);

}  // namespace hyp::rm::rpc
