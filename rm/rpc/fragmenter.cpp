// Writing a message's fragments (see fragmenter.h).
#include "rm/rpc/fragmenter.h"

namespace hyp::rm::rpc {
namespace {

// Copies payload bytes [from, from + size) into out, across the two pieces.
void copy_payload(const Payload& payload, std::size_t from, std::size_t size, std::uint8_t* out)
{
    std::size_t done = 0;
    if (from < payload.head_size) {
        const std::size_t in_head = payload.head_size - from;
        done = size < in_head ? size : in_head;
        __builtin_memcpy(out, payload.head + from, done);
    }
    if (done < size) {
        __builtin_memcpy(out + done, payload.body + (from + done - payload.head_size), size - done);
    }
}

}  // namespace

Fragmenter::Fragmenter(MsgType type, std::uint16_t seq, std::uint32_t msg_id, const Payload& payload)
    : type_{type}, seq_{seq}, msg_id_{msg_id}, payload_{payload}, continuations_{continuations_for(payload.size())}
{
}

std::size_t Fragmenter::write(std::size_t index, std::uint8_t* out) const
{
    const std::size_t from = index * fragment_payload;
    if (!fits() || index > continuations_ || from > payload_.size()) {
        return 0;
    }
    const std::size_t left = payload_.size() - from;
    const std::size_t size = left < fragment_payload ? left : fragment_payload;
    const MsgType type = index == 0 ? type_ : MsgType::continuation;
    write_header(out, Header{type, static_cast<std::uint8_t>(continuations_), seq_, msg_id_});
    copy_payload(payload_, from, size, out + header_size);
    return header_size + size;
}

}  // namespace hyp::rm::rpc
