// Usable RAM: the memory ranges of a PlatformInfo minus its reserved ranges, as sorted,
// non-overlapping, maximal ranges. This is what the hypervisor may hand out; everything
// else belongs to firmware (or is not RAM).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "platform/platform_info.h"

namespace hyp::platform {

// Yields the usable ranges in ascending order, one per next(), with no storage of its
// own. Memory and reserved ranges may arrive unsorted and overlapping, as device trees
// give them. Adjacent memory ranges that are both usable come out as one range.
class UsableRamWalk {
public:
    explicit UsableRamWalk(const PlatformInfo& info);

    // False when there are no more ranges.
    [[nodiscard]] bool next(PhysRange& range);

private:
    [[nodiscard]] bool usable(std::uint64_t address) const;
    [[nodiscard]] bool in_memory(std::uint64_t address) const;
    [[nodiscard]] bool in_reserved(std::uint64_t address) const;

    const PlatformInfo& info_;
    std::size_t memory_count_;
    std::size_t reserved_count_;
    std::uint64_t cursor_ = 0;  // everything below has been yielded or is not usable
    bool done_ = false;
};

// Writes the usable ranges into `out` (capacity entries) and returns how many there are;
// Error::nomem when they do not fit, with `out` then holding the first `capacity`.
[[nodiscard]] Result<std::size_t> usable_ram(const PlatformInfo& info, PhysRange* out, std::size_t capacity);

}  // namespace hyp::platform
