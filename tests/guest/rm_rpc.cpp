// The primary VM's RPC link to the resource manager, used as Linux's Gunyah driver uses
// it: the queue pair found in the device tree (/hypervisor/gunyah-resource-mgr@...: reg
// = the tx and rx capability ids, interrupts = tx "not full" and rx "has a message", edge
// SPIs), requests sent on tx, replies read from rx when its interrupt says so.
//   1. the node: two caps, two edge SPIs
//   2. VM_GET_VMID: the reply echoes id and sequence, error OK, vmid 3
//   3. an unknown message id: UNIMPLEMENTED; VM_GET_VMID with a payload: an error
//   4. a request in three fragments (unknown id, 500 bytes): one reply
//   5. garbage first (bad api byte, a continuation with no message, a short fragment,
//      a fragment count that lies): no replies to it, and the next request answered
//   6. the queues' rights: sending on rx, receiving on tx, oversized sends, a buffer
//      outside the VM, binding interrupts: errors only; the RM still answers
//   7. 8 requests before reading any (a full queue's worth), then 100 round trips
#include "hyp_api/client/ipc.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "rm_link.h"
#include "runtime.h"

GUEST_NAME("rm-rpc");

using namespace guest;

namespace {

using gunyah::CapId;
using gunyah::Error;

constexpr u32 get_vmid = GUNYAH_RM_MSG_VM_GET_VMID;
constexpr u32 unknown_id = 0x56000fffu;
constexpr u64 reply_timeout_us = 2000000;

using Link = RmLink;

u8 reply[GUNYAH_RM_RPC_FRAGMENT_SIZE];
std::size_t reply_size = 0;
u16 next_seq = 0x100;

gunyah::MsgqSendResult send_fragment(const Link& link, u32 type, u32 continuations, u16 seq, u32 id,
                                     std::size_t size, u8 pattern = 0)
{
    return rm_send(link, type, continuations, seq, id, size, nullptr, pattern);
}

bool receive(const Link& link, u64 timeout_us = reply_timeout_us)
{
    reply_size = rm_receive(link, reply, timeout_us);
    return reply_size != 0;
}

u32 le32(const u8* p) { return u32{p[0]} | u32{p[1]} << 8 | u32{p[2]} << 16 | u32{p[3]} << 24; }

// A reply to (seq, id): its RM error; ~0 - 1 when it is not such a reply.
constexpr u32 not_a_reply = 0xfffffffeu;
u32 reply_error(u16 seq, u32 id)
{
    if (reply_size < GUNYAH_RM_RPC_HDR_SIZE + 4) {
        return not_a_reply;
    }
    const gunyah_rm_rpc_hdr_fields h = gunyah_rm_rpc_hdr_read(reply);
    if (h.version != GUNYAH_RM_RPC_API_VERSION || h.hdr_words != GUNYAH_RM_RPC_HDR_WORDS ||
        h.msg_type != GUNYAH_RM_RPC_TYPE_REPLY || h.continuations != 0 || h.seq != seq || h.msg_id != id) {
        say("unexpected fragment: type %u, %u continuations, seq %#x, id %#x, %zu bytes", h.msg_type,
            h.continuations, h.seq, h.msg_id, reply_size);
        return not_a_reply;
    }
    return le32(reply + GUNYAH_RM_RPC_HDR_SIZE);
}

// VM_GET_VMID round trip; true when the reply is OK with vmid 3.
bool vmid_round_trip(const Link& link, bool verbose)
{
    const u16 seq = next_seq++;
    if (!send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 0, seq, get_vmid, 0).ok() || !receive(link)) {
        bad("VM_GET_VMID (seq %#x): no reply", seq);
        return false;
    }
    const u32 error = reply_error(seq, get_vmid);
    const bool ok = error == GUNYAH_RM_OK && reply_size == GUNYAH_RM_RPC_HDR_SIZE + 8 &&
                    le32(reply + GUNYAH_RM_RPC_HDR_SIZE + 4) == GUNYAH_RM_VMID_HLOS;
    if (verbose || !ok) {
        check(ok, "VM_GET_VMID (seq %#x): error %#x, %zu bytes, vmid %u", seq, error, reply_size,
              reply_size >= 16 ? le32(reply + 12) : 0);
    }
    return ok;
}

// Nothing more arrives within `us`.
bool silent(const Link& link, u64 us)
{
    gunyah::MsgqReceiveResult r{Error::ok, 0, false};
    wait_for([&] { return (r = gunyah::msgqueue_receive(link.rx, reply, sizeof reply)).ok(); }, us);
    return r.error == Error::msgqueue_empty;
}

void rights_and_bad_calls(const Link& link)
{
    u8 buffer[GUNYAH_RM_RPC_FRAGMENT_SIZE] = {};
    check(gunyah::msgqueue_send(link.rx, 8, buffer, 0).error == Error::cspace_insuf_rights,
          "send on the rx cap: CSPACE_INSUF_RIGHTS");
    check(gunyah::msgqueue_receive(link.tx, buffer, sizeof buffer).error == Error::cspace_insuf_rights,
          "receive on the tx cap: CSPACE_INSUF_RIGHTS");
    check(gunyah::msgqueue_send(link.tx, GUNYAH_RM_RPC_FRAGMENT_SIZE + 1, buffer, 0).error == Error::arg_size,
          "a 241-byte send: ARG_SIZE");
    // An IPA outside the VM's RAM and devices (QEMU virt's platform bus).
    const auto* outside = reinterpret_cast<const void*>(0x0c000000ull);
    check(gunyah::msgqueue_send(link.tx, 8, outside, 0).error == Error::addr_inval,
          "a send from an IPA the VM does not have: ADDR_INVAL");
    check(gunyah::msgqueue_receive(link.rx, const_cast<void*>(outside), 240).error == Error::addr_inval ||
              gunyah::msgqueue_receive(link.rx, const_cast<void*>(outside), 240).error == Error::msgqueue_empty,
          "a receive into an IPA the VM does not have: ADDR_INVAL (or empty)");
    check(gunyah::msgqueue_bind_send_virq(link.tx, link.tx, 40) != Error::ok, "binding the tx queue's interrupt: refused");
    check(gunyah::msgqueue_flush(link.tx) != Error::ok, "flushing the RM's queue: refused");
    check(gunyah::msgqueue_configure(link.tx, GUNYAH_MSGQUEUE_CREATE_INFO(1, 16)) != Error::ok,
          "configuring the RM's queue: refused");
    // A stream of random calls on both caps: errors or successes, never a fault.
    u64 x = 0x2545f4914f6cdd1dull;
    for (unsigned i = 0; i < 2000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const CapId cap = (x & 1) != 0 ? link.tx : link.rx;
        switch ((x >> 1) % 4) {
        case 0: (void)gunyah::msgqueue_receive(cap, buffer, (x >> 8) % 300); break;
        case 1: (void)gunyah::msgqueue_bind_receive_virq(cap, x >> 20, (x >> 8) % 1100); break;
        case 2: (void)gunyah::msgqueue_unbind_send_virq(cap); break;
        default: (void)gunyah::msgqueue_configure_send(cap, (x >> 8) % 10, 0); break;
        }
    }
    say("2000 random msgqueue calls on the link's caps returned");
}

}  // namespace

void guest::run(u64 dt_ipa)
{
    Link link;
    if (!open_rm_link(dt_ipa, link)) {
        finish();
    }

    // 2. The simplest request.
    vmid_round_trip(link, true);

    // 3. Unknown and malformed requests get error replies.
    u16 seq = next_seq++;
    check(send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 0, seq, unknown_id, 4).ok() && receive(link) &&
              reply_error(seq, unknown_id) == GUNYAH_RM_ERROR_UNIMPLEMENTED,
          "an unknown message id: UNIMPLEMENTED");
    seq = next_seq++;
    u32 error = not_a_reply;
    if (send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 0, seq, get_vmid, 4).ok() && receive(link)) {
        error = reply_error(seq, get_vmid);
    }
    check(error != GUNYAH_RM_OK && error != not_a_reply, "VM_GET_VMID with 4 payload bytes: error %#x", error);

    // 4. A request in three fragments: 232 + 232 + 36 bytes.
    seq = next_seq++;
    bool sent = send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 2, seq, unknown_id, 232).ok() &&
                send_fragment(link, GUNYAH_RM_RPC_TYPE_CONTINUATION, 2, seq, unknown_id, 232, 1).ok() &&
                send_fragment(link, GUNYAH_RM_RPC_TYPE_CONTINUATION, 2, seq, unknown_id, 36, 2).ok();
    check(sent && receive(link) && reply_error(seq, unknown_id) == GUNYAH_RM_ERROR_UNIMPLEMENTED,
          "a 500-byte request in three fragments: one reply (UNIMPLEMENTED)");

    // 5. Garbage is dropped without a reply.
    u8 fragment[GUNYAH_RM_RPC_HDR_SIZE];
    gunyah_rm_rpc_hdr_write(fragment, GUNYAH_RM_RPC_TYPE_REQUEST, 0, 0x7777, get_vmid);
    fragment[0] = 0x23;  // API version 3
    (void)gunyah::msgqueue_send(link.tx, 8, fragment, GUNYAH_MSGQUEUE_SEND_PUSH);
    (void)send_fragment(link, GUNYAH_RM_RPC_TYPE_CONTINUATION, 1, 0x7778, get_vmid, 16);  // no message in progress
    (void)gunyah::msgqueue_send(link.tx, 5, fragment, GUNYAH_MSGQUEUE_SEND_PUSH);         // shorter than a header
    (void)send_fragment(link, GUNYAH_RM_RPC_TYPE_REPLY, 0, 0x7779, get_vmid, 4);           // a reply, to the RM
    check(silent(link, 200000), "four malformed fragments: no reply");
    // A first fragment that promises a continuation, then a new request: the RM drops the
    // unfinished one and answers the new.
    (void)send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 1, 0x777a, unknown_id, 232);
    vmid_round_trip(link, true);
    check(silent(link, 100000), "the unfinished request got no reply");

    // 6. What the VM may and may not do with the caps it was given.
    rights_and_bad_calls(link);
    vmid_round_trip(link, true);

    // 7. A full queue's worth of requests before reading, then 100 round trips.
    const u16 first = next_seq;
    unsigned queued = 0;
    for (unsigned i = 0; i < GUNYAH_RM_RPC_HLOS_QUEUE_DEPTH; ++i) {
        queued += send_fragment(link, GUNYAH_RM_RPC_TYPE_REQUEST, 0, next_seq++, get_vmid, 0).ok() ? 1 : 0;
    }
    unsigned answered = 0;
    for (unsigned i = 0; i < queued; ++i) {
        answered += receive(link) && reply_error(static_cast<u16>(first + i), get_vmid) == GUNYAH_RM_OK ? 1 : 0;
    }
    check(queued == GUNYAH_RM_RPC_HLOS_QUEUE_DEPTH && answered == queued,
          "%u requests queued at once, %u answered in order", queued, answered);
    const u64 start = counter();
    unsigned round_trips = 0;
    for (unsigned i = 0; i < 100; ++i) {
        round_trips += vmid_round_trip(link, false) ? 1 : 0;
    }
    check(round_trips == 100, "100 VM_GET_VMID round trips (%u ok, %lu us)", round_trips,
          us_from_ticks(counter() - start));
    finish();
}
