// The parcel pool and its range pool (see parcel.h).
#include "rm/mem/parcel.h"

namespace hyp::rm {

bool RangePool::take(std::size_t n, std::uint16_t* out)
{
    if (n > free_) {
        return false;
    }
    std::size_t taken = 0;
    for (std::size_t c = 0; c < parcel_pool_chunks && taken < n; ++c) {
        if (!used_[c]) {
            used_[c] = true;
            out[taken++] = static_cast<std::uint16_t>(c);
        }
    }
    free_ -= taken;
    return true;
}

bool Parcel::grow_to(std::size_t count)
{
    if (count > parcel_max_ranges || pool_ == nullptr) {
        return false;
    }
    const std::size_t chunks = parcel_chunks_for(count);
    if (chunks > chunk_count_) {
        if (!pool_->take(chunks - chunk_count_, chunks_ + chunk_count_)) {
            return false;
        }
        chunk_count_ = chunks;
    }
    for (std::size_t i = range_count_; i < count; ++i) {
        range(i) = ParcelRange{};
    }
    if (count > range_count_) {
        range_count_ = count;
    }
    return true;
}

void Parcel::shrink_to(std::size_t count)
{
    if (count >= range_count_) {
        return;
    }
    for (std::size_t i = count; i < range_count_; ++i) {
        range(i) = ParcelRange{};
    }
    range_count_ = count;
    const std::size_t chunks = parcel_chunks_for(count);
    while (chunk_count_ > chunks) {
        pool_->give(chunks_[--chunk_count_]);
    }
}

Parcel* ParcelTable::allocate(std::uint16_t owner)
{
    for (Parcel& p : parcels_) {
        if (!p.used) {
            p = Parcel{};
            p.pool_ = &pool_;
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

void ParcelTable::release(Parcel& parcel)
{
    parcel.shrink_to(0);
    parcel = Parcel{};
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

std::uint64_t ParcelTable::bytes_given() const
{
    std::uint64_t n = 0;
    for (const Parcel& p : parcels_) {
        n += p.used ? p.total_size() : 0;
    }
    return n;
}

std::size_t ParcelTable::ranges_in_use() const
{
    std::size_t n = 0;
    for (const Parcel& p : parcels_) {
        n += p.used ? p.range_count() : 0;
    }
    return n;
}

bool ParcelTable::overlaps(std::uint16_t owner, std::uint64_t ipa, std::uint64_t size) const
{
    for (const Parcel& p : parcels_) {
        if (!p.used || p.owner != owner) {
            continue;
        }
        for (std::size_t i = 0; i < p.range_count(); ++i) {
            const ParcelRange& r = p.range(i);
            if (ipa < r.ipa + r.size && r.ipa < ipa + size) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace hyp::rm
