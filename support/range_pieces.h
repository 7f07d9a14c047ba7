// The parts of a range that none of a set of holes cover, in ascending order: used at
// boot to hand out RAM around the image, the device tree and the boot modules.
#pragma once

#include <cstddef>

#include "support/addr.h"
#include "support/result.h"

namespace hyp {

// Calls `fn(piece)` (returning Status) for each part of `range` outside every hole; stops
// at the first failure and returns it. Holes may overlap each other, be unsorted, or
// lie partly or wholly outside the range.
template <typename Fn>
[[nodiscard]] Status for_each_piece(PhysRange range, const PhysRange* holes, std::size_t hole_count, Fn&& fn)
{
    if (range.empty()) {
        return success();
    }
    if (hole_count == 0) {
        return fn(range);
    }
    const PhysRange& hole = holes[0];
    if (!range.overlaps(hole)) {
        return for_each_piece(range, holes + 1, hole_count - 1, fn);
    }
    PhysRange below{range.base, hole.base > range.base ? hole.base - range.base : 0};
    PhysRange above{hole.end(), range.end() > hole.end() ? range.end() - hole.end() : 0};
    if (Status s = for_each_piece(below, holes + 1, hole_count - 1, fn); !s) {
        return s;
    }
    return for_each_piece(above, holes + 1, hole_count - 1, fn);
}

}  // namespace hyp
