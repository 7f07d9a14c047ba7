// Message queues (see msgqueue.h).
#include "kernel/ipc/msgqueue.h"

#include "hyp_api/gunyah_objects.h"
#include "kernel/object/addrspace_guest_memory.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint64_t create_info_valid = GUNYAH_MSGQUEUE_CREATE_DEPTH_MASK | GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_MASK;
constexpr std::uint64_t send_flags_valid = GUNYAH_MSGQUEUE_SEND_PUSH;
constexpr std::uint64_t sign_extension = 0xFFFF'FFFF'0000'0000ull;

// A u32 argument as a register carries it: zero-extended, or sign-extended (a client that
// passes -1 as a 64-bit value). Anything else is not a u32.
[[nodiscard]] bool as_u32(std::uint64_t value, std::uint32_t& out)
{
    const std::uint64_t upper = value & sign_extension;
    const bool negative = (value & 0x8000'0000ull) != 0;
    if (upper != 0 && !(upper == sign_extension && negative)) {
        return false;
    }
    out = static_cast<std::uint32_t>(value);
    return true;
}

// configure_send / _receive's threshold and holdoff as the registers carry them: arg_inval
// for a value that is no u32; unimplemented for a delay, since no holdoff is implemented
// ("none" and "unchanged" are the only delays there are).
[[nodiscard]] Result<std::uint32_t> threshold_argument(std::uint64_t threshold, std::uint64_t holdoff)
{
    std::uint32_t value = 0;
    std::uint32_t delay = 0;
    if (!as_u32(threshold, value) || !as_u32(holdoff, delay)) {
        return fail(Error::arg_inval);
    }
    if (delay != 0 && delay != GUNYAH_MSGQUEUE_DELAY_UNCHANGED) {
        return fail(Error::unimplemented);
    }
    return value;
}

}  // namespace

MsgQueue::MsgQueue(ObjectDestroyer destroyer) : Object(ObjectType::msgqueue, destroyer) {}

MsgQueue::~MsgQueue()
{
    // The last reference is gone: nobody else can reach the queue, so no lock.
    release_source(send_source_);
    release_source(receive_source_);
    if (buffer_ != nullptr) {
        Partition::of(*this)->free_pages(Partition::to_phys(buffer_), buffer_pages());
    }
}

std::size_t MsgQueue::buffer_pages() const { return Partition::pages_for(std::size_t{depth_} * max_size_); }

// ---- lifecycle ------------------------------------------------------------------------

Status MsgQueue::configure(std::uint64_t create_info)
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    const auto depth = static_cast<std::uint32_t>((create_info & GUNYAH_MSGQUEUE_CREATE_DEPTH_MASK) >>
                                                  GUNYAH_MSGQUEUE_CREATE_DEPTH_SHIFT);
    const auto size = static_cast<std::uint32_t>((create_info & GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_MASK) >>
                                                 GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_SHIFT);
    if ((create_info & ~create_info_valid) != 0 || depth == 0 || depth > max_depth || size == 0 ||
        size > max_message_size) {
        return fail(Error::arg_inval);
    }
    depth_ = depth;
    max_size_ = size;
    return success();
}

Status MsgQueue::activate()
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (depth_ == 0) {
        return fail(Error::object_config);
    }
    Result<PhysAddr> pages = Partition::of(*this)->allocate_pages(buffer_pages());
    if (!pages) {
        return fail(pages.error());
    }
    buffer_ = static_cast<std::uint8_t*>(Partition::to_pointer(*pages));
    head_ = 0;
    count_ = 0;
    not_full_threshold_ = depth_ - 1;
    not_empty_threshold_ = 1;
    mark_active();
    return success();
}

// ---- interrupts -----------------------------------------------------------------------

Status MsgQueue::bind_send(Vic& vic, std::uint64_t virq) { return bind_owned_source(*this, send_source_, vic, virq); }

Status MsgQueue::bind_receive(Vic& vic, std::uint64_t virq)
{
    return bind_owned_source(*this, receive_source_, vic, virq);
}

Status MsgQueue::unbind_send() { return unbind_owned_source(*this, send_source_); }
Status MsgQueue::unbind_receive() { return unbind_owned_source(*this, receive_source_); }

// ---- messages -------------------------------------------------------------------------

Result<bool> MsgQueue::send(const AddrSpace* from, std::uint64_t size, Ipa buffer, std::uint64_t flags)
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if ((flags & ~send_flags_valid) != 0) {
        return fail(Error::arg_inval);
    }
    const bool push = (flags & GUNYAH_MSGQUEUE_SEND_PUSH) != 0;
    if (size > max_size_) {
        return fail(Error::arg_size);
    }
    if (count_ == depth_) {
        return fail(Error::msgqueue_full);
    }
    if (from == nullptr) {
        return fail(Error::addr_inval);
    }
    const std::uint32_t tail = (head_ + count_) % depth_;
    // Into the free slot: nothing is committed until the copy has succeeded.
    if (Status s = copy_from_guest(*from, slot(tail), buffer, size); !s) {
        return fail(s.error());
    }
    sizes_[tail] = static_cast<std::uint16_t>(size);
    ++count_;
    if (push || count_ == not_empty_threshold_) {
        receive_source_.raise();
    }
    return count_ < depth_;
}

Result<MsgQueue::Received> MsgQueue::receive(const AddrSpace* to, Ipa buffer, std::uint64_t buffer_size)
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (count_ == 0) {
        return fail(Error::msgqueue_empty);
    }
    const std::uint64_t size = sizes_[head_];
    if (size > buffer_size) {
        return fail(Error::arg_size);
    }
    if (to == nullptr) {
        return fail(Error::addr_inval);
    }
    if (Status s = copy_to_guest(*to, buffer, slot(head_), size); !s) {
        return fail(s.error());
    }
    head_ = (head_ + 1) % depth_;
    --count_;
    if (count_ == not_full_threshold_) {
        send_source_.raise();
    }
    return Received{size, count_ != 0};
}

Status MsgQueue::flush()
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    const bool was_above = count_ > not_full_threshold_;
    head_ = 0;
    count_ = 0;
    if (was_above) {
        send_source_.raise();
    }
    return success();
}

// ---- thresholds -----------------------------------------------------------------------

Status MsgQueue::configure_send(std::uint64_t not_full_threshold, std::uint64_t holdoff)
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    Result<std::uint32_t> threshold = threshold_argument(not_full_threshold, holdoff);
    if (!threshold) {
        return fail(threshold.error());
    }
    if (*threshold == GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED) {
        return success();
    }
    if (*threshold >= depth_) {
        return fail(Error::arg_inval);
    }
    const bool was_not_full = count_ <= not_full_threshold_;
    not_full_threshold_ = *threshold;
    if (!was_not_full && count_ <= not_full_threshold_) {
        send_source_.raise();
    }
    return success();
}

Status MsgQueue::configure_receive(std::uint64_t not_empty_threshold, std::uint64_t holdoff)
{
    Locked<MsgQueue> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    Result<std::uint32_t> threshold = threshold_argument(not_empty_threshold, holdoff);
    if (!threshold) {
        return fail(threshold.error());
    }
    if (*threshold == GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED) {
        return success();
    }
    const std::uint32_t wanted = *threshold == GUNYAH_MSGQUEUE_THRESHOLD_MAXIMUM ? depth_ : *threshold;
    if (wanted == 0 || wanted > depth_) {
        return fail(Error::arg_inval);
    }
    const bool was_not_empty = count_ >= not_empty_threshold_;
    not_empty_threshold_ = wanted;
    if (!was_not_empty && count_ >= not_empty_threshold_) {
        receive_source_.raise();
    }
    return success();
}

MsgQueue::View MsgQueue::view() const
{
    LockGuard held{lock};
    return View{depth_,
                max_size_,
                count_,
                not_full_threshold_,
                not_empty_threshold_,
                send_source_.bound(),
                receive_source_.bound(),
                send_source_.raised(),
                receive_source_.raised()};
}

}  // namespace hyp
