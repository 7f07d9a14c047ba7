// Message queues (partition_create_msgqueue): a bounded FIFO of messages from one VM to
// another, with an interrupt for each side. Gunyah's semantics (hyp/ipc/msgqueue):
//
//   create -> init: configure (depth, max message size) -> activate (the buffer is
//   allocated from the queue's partition) -> active: send, receive, flush, thresholds,
//   interrupt binding
//
// - Limits: depth 1..256 messages, messages of 0..max_size bytes, max_size 1..1024 (the
//   reference's "depth <= 256, size <= 1024"; Gunyah's source stops one short of each).
//   The RM's queues use 240. The buffer is depth * max_size bytes, in whole pages.
// - send copies `size` bytes from the sender's memory, receive copies the oldest message
//   to the receiver's (addrspace_guest_memory.h: by IPA through the caller's stage 2).
// - The receive interrupt (the receiver's vic) is raised when a send makes the count
//   reach the not-empty threshold (default 1), or on every send with the push flag.
//   The send interrupt (the sender's vic) is raised when a receive or a flush makes the
//   count drop to the not-full threshold (default depth - 1) or below from above it: the
//   queue "stops being full". A threshold change raises its interrupt when it makes the
//   condition (count >= not-empty / count <= not-full) true where it was false. Each is
//   one edge (VirqSource): raised once per such event, never for a count that stays on
//   the same side. Raises are not taken back (Gunyah clears a pending receive interrupt
//   on flush): a receiver may find the queue empty, and must stop at MSGQUEUE_EMPTY.
// - Holdoff delays are not implemented: configure_send / configure_receive accept only
//   0 (no delay, what happens anyway) and GUNYAH_MSGQUEUE_DELAY_UNCHANGED, and answer
//   UNIMPLEMENTED to any other delay, as Gunyah does, changing nothing.
//
// LOCKING: `lock` guards the queue and both sources. Under it: the caller's address
// space lock during a copy (released before any raise), the vic's lock (bind, unbind) and
// the vGIC's (raise): addrspace.h and vic.h. A send and a receive on different CPUs
// serialise on it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/object/vic.h"

namespace hyp {

class AddrSpace;

class MsgQueue final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::msgqueue;
    static constexpr std::uint32_t max_depth = 256;
    static constexpr std::uint32_t max_message_size = 1024;

    explicit MsgQueue(ObjectDestroyer destroyer);
    // Unbinds both interrupts and gives the buffer back to the partition.
    ~MsgQueue();

    // ---- init only (object_state otherwise) -------------------------------------------
    // msgqueue_configure's create_info: bits 15:0 depth, 31:16 max message size, the rest
    // zero. arg_inval for a depth or size of 0 or beyond the limits, or upper bits set.
    // A later configure replaces an earlier one.
    [[nodiscard]] Status configure(std::uint64_t create_info);
    // object_config unless configured; nomem when the buffer does not fit.
    [[nodiscard]] Status activate();

    // ---- active only: object_state otherwise, checked first; nothing changes on error ---
    // Vic::bind_source's errors.
    [[nodiscard]] Status bind_send(Vic& vic, std::uint64_t virq);
    [[nodiscard]] Status bind_receive(Vic& vic, std::uint64_t virq);
    // irq_unbound when not bound.
    [[nodiscard]] Status unbind_send();
    [[nodiscard]] Status unbind_receive();

    // Queues `size` bytes from `from`'s memory at `buffer`; `flags` is msgqueue_send's
    // (GUNYAH_MSGQUEUE_SEND_PUSH). Errors in this order: arg_inval (undefined flag bits),
    // arg_size (size > max message size), msgqueue_full, addr_inval (no address space, or
    // copy_from_guest refused the buffer). Returns not_full: room for another message.
    [[nodiscard]] Result<bool> send(const AddrSpace* from, std::uint64_t size, Ipa buffer, std::uint64_t flags);
    struct Received {
        std::uint64_t size;
        bool not_empty;  // more messages wait
    };
    // Takes the oldest message into `to`'s memory at `buffer` (at most buffer_size
    // bytes). Errors: msgqueue_empty, arg_size (the message is larger than buffer_size;
    // it stays queued), addr_inval (as send).
    [[nodiscard]] Result<Received> receive(const AddrSpace* to, Ipa buffer, std::uint64_t buffer_size);
    // Drops every message.
    [[nodiscard]] Status flush();
    // Thresholds and holdoffs as the registers carry them (u32 values, -1 / -2 either
    // zero- or sign-extended). In this order: arg_inval for a value that is not a u32;
    // unimplemented for a holdoff other than 0 and DELAY_UNCHANGED; arg_inval for a
    // not-full threshold >= depth, a not-empty threshold 0 or > depth (MAXIMUM means
    // depth; MAXIMUM is arg_inval as a not-full threshold). THRESHOLD_UNCHANGED keeps it.
    [[nodiscard]] Status configure_send(std::uint64_t not_full_threshold, std::uint64_t holdoff);
    [[nodiscard]] Status configure_receive(std::uint64_t not_empty_threshold, std::uint64_t holdoff);

    // A snapshot, for tests and diagnostics.
    struct View {
        std::uint32_t depth;
        std::uint32_t max_size;
        std::uint32_t count;
        std::uint32_t not_full_threshold;
        std::uint32_t not_empty_threshold;
        bool send_bound;
        bool receive_bound;
        std::uint64_t send_raised;
        std::uint64_t receive_raised;
        bool operator==(const View&) const = default;
    };
    [[nodiscard]] View view() const;

    mutable SpinLock lock;

private:
    [[nodiscard]] std::uint8_t* slot(std::uint32_t index) const { return buffer_ + std::size_t{index} * max_size_; }
    [[nodiscard]] std::size_t buffer_pages() const;

    std::uint8_t* buffer_ = nullptr;  // depth_ slots of max_size_ bytes, from the home partition
    std::uint16_t sizes_[max_depth] = {};
    std::uint32_t depth_ = 0;
    std::uint32_t max_size_ = 0;
    std::uint32_t head_ = 0;  // the oldest message's slot
    std::uint32_t count_ = 0;
    std::uint32_t not_full_threshold_ = 0;
    std::uint32_t not_empty_threshold_ = 1;
    VirqSource send_source_;     // the sender's: "not full"
    VirqSource receive_source_;  // the receiver's: "not empty"
};

}  // namespace hyp
