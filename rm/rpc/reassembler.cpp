// Reassembling fragments into messages (see reassembler.h for the rules).
#include "rm/rpc/reassembler.h"

namespace hyp::rm::rpc {

TakeResult Reassembler::take(const Fragment& fragment)
{
    const Header& h = fragment.header;
    if (h.type != MsgType::continuation) {
        const bool abandoned = in_progress_;
        first_ = h;
        size_ = 0;
        remaining_ = h.continuations;
        append(fragment.payload, fragment.payload_size);
        in_progress_ = remaining_ != 0;
        return {in_progress_ ? Take::partial : Take::complete, abandoned};
    }
    if (!in_progress_) {
        return {Take::orphan, false};
    }
    // Linux's receiver checks the id and the count, the reference RM also the sequence;
    // a client's own continuations carry all three unchanged, so all three are checked.
    if (h.msg_id != first_.msg_id || h.seq != first_.seq || h.continuations != first_.continuations) {
        return {Take::stray, false};
    }
    append(fragment.payload, fragment.payload_size);
    --remaining_;
    in_progress_ = remaining_ != 0;
    return {in_progress_ ? Take::partial : Take::complete, false};
}

Message Reassembler::message() const { return Message{first_.type, first_.seq, first_.msg_id, buffer_, size_}; }

void Reassembler::reset()
{
    in_progress_ = false;
    remaining_ = 0;
    size_ = 0;
}

void Reassembler::append(const std::uint8_t* bytes, std::size_t size)
{
    // A fragment holds at most fragment_payload bytes and a message at most max_fragments
    // fragments, so this always fits; the check keeps it so if a caller forgets.
    if (size > fragment_payload || size > sizeof(buffer_) - size_) {
        return;
    }
    if (size != 0) {
        __builtin_memcpy(buffer_ + size_, bytes, size);
    }
    size_ += size;
}

}  // namespace hyp::rm::rpc
