// The memory ownership database (see memdb.h): a sorted, coalesced array of owned
// ranges. Every change is planned on a copy of the few records it touches, checked
// against the free capacity, and only then written, so a failure changes nothing.
#include "kernel/mem/memdb.h"

#include "kernel/core/panic.h"

namespace hyp::mem {

namespace {

constexpr std::uint64_t end_of(const OwnedRange& r) { return r.range.base.raw() + r.range.size; }

}  // namespace

Memdb::Memdb(Record* storage, std::size_t capacity) : records_{storage}, capacity_{capacity} {}

Result<Memdb::Record*> Memdb::set_storage(Record* storage, std::size_t capacity)
{
    LockGuard held{lock_};
    if (capacity < used_ || (storage == nullptr && capacity != 0)) {
        return fail(Error::arg_size);
    }
    // The two arrays may overlap (a table grown in place): copy in the safe direction.
    if (storage < records_) {
        for (std::size_t i = 0; i < used_; ++i) {
            storage[i] = records_[i];
        }
    } else if (storage > records_) {
        for (std::size_t i = used_; i > 0; --i) {
            storage[i - 1] = records_[i - 1];
        }
    }
    Record* old = records_;
    records_ = storage;
    capacity_ = capacity;
    return old;
}

Status Memdb::validate(PhysRange range)
{
    if (range.size == 0) {
        return fail(Error::arg_size);
    }
    if (!range.base.is_aligned(granule) || (range.size & (granule - 1)) != 0) {
        return fail(Error::arg_align);
    }
    // A range ending exactly at 2^64 is refused too: its end would read as 0 and every
    // comparison would need a special case, for memory that no AArch64 system has.
    std::uint64_t end = 0;
    if (__builtin_add_overflow(range.base.raw(), range.size, &end)) {
        return fail(Error::addr_ovfl);
    }
    return success();
}

std::size_t Memdb::upper_bound_locked(std::uint64_t addr) const
{
    std::size_t lo = 0;
    std::size_t hi = used_;
    while (lo < hi) {
        std::size_t mid = lo + (hi - lo) / 2;
        if (records_[mid].range.base.raw() <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

std::size_t Memdb::find_locked(std::uint64_t addr) const
{
    std::size_t above = upper_bound_locked(addr);
    if (above == 0 || end_of(records_[above - 1]) <= addr) {
        return used_;
    }
    return above - 1;
}

Error Memdb::mismatch_locked(std::uint64_t base, std::uint64_t end) const
{
    // Walk the records over [base, end): a gap anywhere means untracked memory, which
    // is reported in preference to a foreign owner (see transfer() in memdb.h).
    std::size_t i = find_locked(base);
    if (i == used_) {
        return Error::addr_inval;
    }
    std::uint64_t cursor = base;
    for (; i < used_ && cursor < end; ++i) {
        if (records_[i].range.base.raw() > cursor) {
            return Error::addr_inval;
        }
        cursor = end_of(records_[i]);
    }
    return cursor < end ? Error::addr_inval : Error::denied;
}

Status Memdb::splice_locked(std::size_t first, std::size_t count, Record* replacement, std::size_t n)
{
    // Coalesce the replacement in place: drop empty pieces, merge touching pieces that
    // have the same owner. Its neighbours outside the window are never mergeable with
    // it, because callers always include both neighbours of what they change.
    std::size_t out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const Record& r = replacement[i];
        if (r.range.size == 0) {
            continue;
        }
        if (out > 0 && end_of(replacement[out - 1]) == r.range.base.raw() &&
            replacement[out - 1].owner == r.owner) {
            replacement[out - 1].range.size += r.range.size;
            continue;
        }
        replacement[out++] = r;
    }

    std::size_t new_used = used_ - count + out;
    if (new_used > capacity_) {
        return fail(Error::nomem);
    }
    std::size_t tail = first + count;  // first record after the window
    if (out > count) {
        for (std::size_t i = used_; i > tail; --i) {
            records_[i - 1 + (out - count)] = records_[i - 1];
        }
    } else if (out < count) {
        for (std::size_t i = tail; i < used_; ++i) {
            records_[i - (count - out)] = records_[i];
        }
    }
    for (std::size_t i = 0; i < out; ++i) {
        records_[first + i] = replacement[i];
    }
    used_ = new_used;
    return success();
}

Status Memdb::insert(PhysRange range, Owner owner)
{
    if (!owner.valid()) {
        return fail(Error::arg_inval);
    }
    if (Status s = validate(range); !s) {
        return s;
    }
    const std::uint64_t base = range.base.raw();
    const std::uint64_t end = base + range.size;

    LockGuard held{lock_};
    // The new range goes between the last record starting at or below `base` and the
    // first starting above it; it must overlap neither.
    std::size_t above = upper_bound_locked(base);
    if (above > 0 && end_of(records_[above - 1]) > base) {
        return fail(Error::busy);
    }
    if (above < used_ && records_[above].range.base.raw() < end) {
        return fail(Error::busy);
    }

    // Window: the neighbours on each side (if any), so that coalescing sees them.
    Record window[3];
    std::size_t n = 0;
    std::size_t first = above;
    if (above > 0) {
        window[n++] = records_[above - 1];
        first = above - 1;
    }
    window[n++] = Record{range, owner};
    if (above < used_) {
        window[n++] = records_[above];
    }
    std::size_t count = (above < used_ ? 1 : 0) + (above > 0 ? 1 : 0);
    if (Status s = splice_locked(first, count, window, n); !s) {
        return s;
    }
    after_change_locked();
    return success();
}

Status Memdb::transfer(PhysRange range, Owner from, Owner to)
{
    if (!from.valid() || !to.valid() || from == to) {
        return fail(Error::arg_inval);
    }
    if (Status s = validate(range); !s) {
        return s;
    }
    const std::uint64_t base = range.base.raw();
    const std::uint64_t end = base + range.size;

    LockGuard held{lock_};
    // Records are coalesced, so memory wholly owned by `from` lies inside one record.
    std::size_t i = find_locked(base);
    if (i == used_ || records_[i].owner != from || end_of(records_[i]) < end) {
        return fail(mismatch_locked(base, end));
    }

    const Record hit = records_[i];
    Record window[5];
    std::size_t n = 0;
    std::size_t first = i;
    std::size_t count = 1;
    if (i > 0) {
        window[n++] = records_[i - 1];
        first = i - 1;
        ++count;
    }
    window[n++] = Record{PhysRange{hit.range.base, base - hit.range.base.raw()}, from};
    window[n++] = Record{range, to};
    window[n++] = Record{PhysRange{PhysAddr{end}, end_of(hit) - end}, from};
    if (i + 1 < used_) {
        window[n++] = records_[i + 1];
        ++count;
    }
    if (Status s = splice_locked(first, count, window, n); !s) {
        return s;
    }
    after_change_locked();
    return success();
}

Result<OwnedRange> Memdb::lookup(PhysAddr addr) const
{
    LockGuard held{lock_};
    std::size_t i = find_locked(addr.raw());
    if (i == used_) {
        return fail(Error::addr_inval);
    }
    return records_[i];
}

Result<Owner> Memdb::owner_of_range(PhysRange range) const
{
    if (Status s = validate(range); !s) {
        return fail(s.error());
    }
    const std::uint64_t base = range.base.raw();
    const std::uint64_t end = base + range.size;

    LockGuard held{lock_};
    std::size_t i = find_locked(base);
    if (i == used_ || end_of(records_[i]) < end) {
        return fail(mismatch_locked(base, end));
    }
    return records_[i].owner;
}

std::uint64_t Memdb::bytes_owned(Owner owner) const
{
    LockGuard held{lock_};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < used_; ++i) {
        if (records_[i].owner == owner) {
            total += records_[i].range.size;
        }
    }
    return total;
}

std::uint64_t Memdb::tracked_bytes() const
{
    LockGuard held{lock_};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < used_; ++i) {
        total += records_[i].range.size;
    }
    return total;
}

std::size_t Memdb::records() const
{
    LockGuard held{lock_};
    return used_;
}

std::size_t Memdb::capacity() const
{
    LockGuard held{lock_};
    return capacity_;
}

MemdbCheck Memdb::check() const
{
    LockGuard held{lock_};
    return check_locked();
}

MemdbCheck Memdb::check_locked() const
{
    if (used_ > capacity_) {
        return {"more records than capacity", used_};
    }
    for (std::size_t i = 0; i < used_; ++i) {
        const Record& r = records_[i];
        if (r.range.size == 0) {
            return {"empty record", i};
        }
        if (!r.range.base.is_aligned(granule) || (r.range.size & (granule - 1)) != 0) {
            return {"record not granule-aligned", i};
        }
        std::uint64_t end = 0;
        if (__builtin_add_overflow(r.range.base.raw(), r.range.size, &end)) {
            return {"record wraps the address space", i};
        }
        if (!r.owner.valid()) {
            return {"record without a valid owner", i};
        }
        if (i == 0) {
            continue;
        }
        const Record& prev = records_[i - 1];
        if (prev.range.base >= r.range.base) {
            return {"records out of order", i};
        }
        if (end_of(prev) > r.range.base.raw()) {
            return {"records overlap", i};
        }
        if (end_of(prev) == r.range.base.raw() && prev.owner == r.owner) {
            return {"touching records with one owner not coalesced", i};
        }
    }
    return {};
}

void Memdb::after_change_locked() const
{
    if (!self_check_) {
        return;
    }
    // A broken memdb means memory may be handed to two owners: nothing can continue.
    MemdbCheck result = check_locked();
    if (!result) {
        HYP_PANIC("memdb inconsistent at record {}: {}", result.index, result.problem);
    }
}

}  // namespace hyp::mem
