// The fragments waiting to go to one client while its queue is full (docs/rpc.md,
// "Sending"): a fixed ring of bytes holding whole fragments in the order they are to be
// sent, each stored as a 2-byte record head (size, flags) and its bytes, so a short
// notification takes 18 bytes rather than a 240-byte slot. No heap: the ring is part of
// the channel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/rpc/fragment.h"

namespace hyp::rm::rpc {

class FragmentFifo {
public:
    // 32 KiB: room for the largest reply (63 full fragments, 15,246 bytes as records)
    // beside another 17 KiB of notifications, e.g. several hundred VM_STATUS ones.
    static constexpr std::size_t capacity = 32 * 1024;
    static constexpr std::size_t record_head = 2;

    // Flags kept with each fragment.
    static constexpr std::uint8_t flag_last = 1u << 0;          // the last of its message
    static constexpr std::uint8_t flag_notification = 1u << 1;  // part of a notification

    [[nodiscard]] static constexpr std::size_t record_size(std::size_t fragment_bytes)
    {
        return record_head + fragment_bytes;
    }

    constexpr FragmentFifo() = default;

    [[nodiscard]] bool empty() const { return used_ == 0; }
    [[nodiscard]] std::size_t free_bytes() const { return capacity - used_; }
    [[nodiscard]] std::size_t fragments() const { return count_; }

    // Appends one fragment of 1..fragment_size bytes; false (and nothing changed) when it
    // does not fit or its size is out of range.
    [[nodiscard]] bool push(const std::uint8_t* bytes, std::size_t size, std::uint8_t flags);

    struct Front {
        std::size_t size;  // 0 when the FIFO is empty
        std::uint8_t flags;
    };
    // Copies the oldest fragment into out (room for fragment_size bytes), leaving it queued.
    [[nodiscard]] Front front(std::uint8_t* out) const;
    // Removes the oldest fragment.
    void pop();
    void clear();

private:
    void put(std::size_t at, const std::uint8_t* bytes, std::size_t size);
    void get(std::size_t at, std::uint8_t* out, std::size_t size) const;

    std::uint8_t ring_[capacity] = {};
    std::size_t head_ = 0;  // offset of the oldest record
    std::size_t used_ = 0;  // bytes in records
    std::size_t count_ = 0;
};

}  // namespace hyp::rm::rpc
