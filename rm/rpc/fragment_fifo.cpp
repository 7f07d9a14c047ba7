// The ring of waiting fragments (see fragment_fifo.h). A record may wrap around the end
// of the ring; put() and get() copy it in at most two pieces.
#include "rm/rpc/fragment_fifo.h"

namespace hyp::rm::rpc {

static_assert(fragment_size <= 0xFF, "a record keeps its size in one byte");

bool FragmentFifo::push(const std::uint8_t* bytes, std::size_t size, std::uint8_t flags)
{
    if (size == 0 || size > fragment_size || record_size(size) > free_bytes()) {
        return false;
    }
    const std::uint8_t head[record_head] = {static_cast<std::uint8_t>(size), flags};
    const std::size_t tail = (head_ + used_) % capacity;
    put(tail, head, record_head);
    put((tail + record_head) % capacity, bytes, size);
    used_ += record_size(size);
    ++count_;
    return true;
}

FragmentFifo::Front FragmentFifo::front(std::uint8_t* out) const
{
    if (empty()) {
        return Front{0, 0};
    }
    std::uint8_t head[record_head];
    get(head_, head, record_head);
    get((head_ + record_head) % capacity, out, head[0]);
    return Front{head[0], head[1]};
}

void FragmentFifo::pop()
{
    if (empty()) {
        return;
    }
    std::uint8_t size = 0;
    get(head_, &size, 1);
    head_ = (head_ + record_size(size)) % capacity;
    used_ -= record_size(size);
    --count_;
    if (used_ == 0) {
        head_ = 0;  // an idle ring starts over at 0, so fewer records wrap
    }
}

void FragmentFifo::clear()
{
    head_ = 0;
    used_ = 0;
    count_ = 0;
}

void FragmentFifo::put(std::size_t at, const std::uint8_t* bytes, std::size_t size)
{
    const std::size_t first = size < capacity - at ? size : capacity - at;
    __builtin_memcpy(ring_ + at, bytes, first);
    if (first < size) {
        __builtin_memcpy(ring_, bytes + first, size - first);
    }
}

void FragmentFifo::get(std::size_t at, std::uint8_t* out, std::size_t size) const
{
    const std::size_t first = size < capacity - at ? size : capacity - at;
    __builtin_memcpy(out, ring_ + at, first);
    if (first < size) {
        __builtin_memcpy(out + first, ring_, size - first);
    }
}

}  // namespace hyp::rm::rpc
