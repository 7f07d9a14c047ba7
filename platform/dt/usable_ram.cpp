// Usable RAM = memory minus reserved (see usable_ram.h). Works on inclusive last-byte
// addresses throughout so that a range ending at the top of the address space needs no
// special case and nothing overflows.
#include "platform/dt/usable_ram.h"

#include <limits>

namespace hyp::platform {
namespace {

constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();

// The last byte of a non-empty range; a range that wraps (discover() refuses those) is
// treated as reaching the top, which errs on the side of reserving more.
std::uint64_t last_byte(const PhysRange& range)
{
    std::uint64_t base = range.base.raw();
    std::uint64_t span = range.size - 1;
    return span > top - base ? top : base + span;
}

bool covers(const PhysRange& range, std::uint64_t address)
{
    return !range.empty() && address >= range.base.raw() && address <= last_byte(range);
}

std::size_t clamp(std::size_t count, std::size_t capacity) { return count < capacity ? count : capacity; }

}  // namespace

UsableRamWalk::UsableRamWalk(const PlatformInfo& info)
    : info_{info},
      memory_count_{clamp(info.memory_count, max_memory_ranges)},
      reserved_count_{clamp(info.reserved_count, max_reserved_ranges)}
{
}

bool UsableRamWalk::in_memory(std::uint64_t address) const
{
    for (std::size_t i = 0; i < memory_count_; ++i) {
        if (covers(info_.memory[i], address)) {
            return true;
        }
    }
    return false;
}

bool UsableRamWalk::in_reserved(std::uint64_t address) const
{
    for (std::size_t i = 0; i < reserved_count_; ++i) {
        if (covers(info_.reserved[i], address)) {
            return true;
        }
    }
    return false;
}

bool UsableRamWalk::usable(std::uint64_t address) const { return in_memory(address) && !in_reserved(address); }

bool UsableRamWalk::next(PhysRange& range)
{
    if (done_) {
        return false;
    }
    // A usable range starts where memory starts or where a reservation ends.
    bool found = false;
    std::uint64_t start = 0;
    auto consider = [&](std::uint64_t candidate) {
        if (candidate >= cursor_ && (!found || candidate < start) && usable(candidate)) {
            start = candidate;
            found = true;
        }
    };
    consider(cursor_);
    for (std::size_t i = 0; i < memory_count_; ++i) {
        if (!info_.memory[i].empty()) {
            consider(info_.memory[i].base.raw());
        }
    }
    for (std::size_t i = 0; i < reserved_count_; ++i) {
        if (!info_.reserved[i].empty() && last_byte(info_.reserved[i]) != top) {
            consider(last_byte(info_.reserved[i]) + 1);
        }
    }
    if (!found) {
        done_ = true;
        return false;
    }

    // Grow through overlapping and adjacent memory until memory or a reservation stops it.
    std::uint64_t last = start;
    for (;;) {
        std::uint64_t reach = last;
        for (std::size_t i = 0; i < memory_count_; ++i) {
            if (covers(info_.memory[i], last) && last_byte(info_.memory[i]) > reach) {
                reach = last_byte(info_.memory[i]);
            }
        }
        bool cut = false;
        for (std::size_t i = 0; i < reserved_count_; ++i) {
            std::uint64_t base = info_.reserved[i].base.raw();
            if (!info_.reserved[i].empty() && base > last && base <= reach) {
                reach = base - 1;
                cut = true;
            }
        }
        last = reach;
        if (cut || last == top || !usable(last + 1)) {
            break;
        }
        ++last;
    }
    // One PhysRange cannot say "all 2^64 bytes": leave the top byte to the next call.
    if (start == 0 && last == top) {
        --last;
    }
    range = PhysRange{PhysAddr{start}, last - start + 1};
    if (last == top) {
        done_ = true;
    } else {
        cursor_ = last + 1;
    }
    return true;
}

Result<std::size_t> usable_ram(const PlatformInfo& info, PhysRange* out, std::size_t capacity)
{
    UsableRamWalk walk{info};
    std::size_t count = 0;
    PhysRange range;
    while (walk.next(range)) {
        if (count >= capacity) {
            return fail(Error::nomem);
        }
        out[count++] = range;
    }
    return count;
}

}  // namespace hyp::platform
