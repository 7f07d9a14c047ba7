// The parcel pool (see parcel.h).
#include "rm/mem/parcel.h"

namespace hyp::rm {

Parcel* ParcelTable::allocate(std::uint16_t owner)
{
    for (Parcel& p : parcels_) {
        if (!p.used) {
            p = Parcel{};
            p.used = true;
            p.owner = owner;
            // Handles are not reused soon: 0 and all ones are never given out.
            p.handle = next_handle_++;
            if (next_handle_ == 0xFFFFFFFFu) {
                next_handle_ = 1;
            }
            return &p;
        }
    }
    return nullptr;
}

Parcel* ParcelTable::find(std::uint32_t handle)
{
    for (Parcel& p : parcels_) {
        if (p.used && p.handle == handle) {
            return &p;
        }
    }
    return nullptr;
}

std::size_t ParcelTable::count_owned_by(std::uint16_t owner) const
{
    std::size_t n = 0;
    for (const Parcel& p : parcels_) {
        n += (p.used && p.owner == owner) ? 1 : 0;
    }
    return n;
}

std::size_t ParcelTable::free_slots() const
{
    std::size_t n = 0;
    for (const Parcel& p : parcels_) {
        n += p.used ? 0 : 1;
    }
    return n;
}

bool ParcelTable::overlaps(std::uint16_t owner, std::uint64_t ipa, std::uint64_t size) const
{
    for (const Parcel& p : parcels_) {
        if (!p.used || p.owner != owner) {
            continue;
        }
        for (std::size_t i = 0; i < p.range_count; ++i) {
            const ParcelRange& r = p.ranges[i];
            if (ipa < r.ipa + r.size && r.ipa < ipa + size) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace hyp::rm
