// Decoding and writing fragment headers (see fragment.h).
#include "rm/rpc/fragment.h"

namespace hyp::rm::rpc {

Decoded decode_fragment(const std::uint8_t* bytes, std::size_t size)
{
    Decoded out{FragmentFault::none, Fragment{Header{MsgType::continuation, 0, 0, 0}, nullptr, 0}};
    if (size < header_size) {
        out.fault = FragmentFault::too_short;
        return out;
    }
    if (size > fragment_size) {
        out.fault = FragmentFault::too_long;
        return out;
    }
    const gunyah_rm_rpc_hdr_fields f = gunyah_rm_rpc_hdr_read(bytes);
    if (f.version != GUNYAH_RM_RPC_API_VERSION) {
        out.fault = FragmentFault::bad_version;
    } else if (f.hdr_words != GUNYAH_RM_RPC_HDR_WORDS) {
        out.fault = FragmentFault::bad_header_words;
    } else if (f.continuations > max_continuations) {
        out.fault = FragmentFault::too_many_continuations;
    }
    if (!out.ok()) {
        return out;
    }
    // Every 2-bit type has a meaning, so the type itself is never wrong here; whether it is
    // right where it stands is the reassembler's and the dispatcher's question.
    out.fragment.header = Header{static_cast<MsgType>(f.msg_type), static_cast<std::uint8_t>(f.continuations),
                                 f.seq, f.msg_id};
    out.fragment.payload = bytes + header_size;
    out.fragment.payload_size = size - header_size;
    return out;
}

void write_header(std::uint8_t* out, const Header& header)
{
    gunyah_rm_rpc_hdr_write(out, static_cast<std::uint32_t>(header.type), header.continuations, header.seq,
                            header.msg_id);
}

}  // namespace hyp::rm::rpc
