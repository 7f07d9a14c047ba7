// Virtual-MMIO ranges of an address space (see vmmio_ranges.h).
#include "kernel/virt/vmmio_ranges.h"

namespace hyp::virt {
namespace {

Status check(std::uint64_t base, std::uint64_t size)
{
    if (size == 0) {
        return fail(Error::arg_size);
    }
    if (base + size < base) {
        return fail(Error::addr_ovfl);
    }
    return success();
}

}  // namespace

Status VmmioRanges::add(std::uint64_t base, std::uint64_t size)
{
    if (Status s = check(base, size); !s) {
        return s;
    }
    LockGuard held{lock_};
    if (count_ == capacity) {
        return fail(Error::noresources);
    }
    for (unsigned i = 0; i < count_; ++i) {
        const Range& r = ranges_[i];
        if (base < r.base + r.size && r.base < base + size) {
            return fail(Error::arg_inval);
        }
    }
    ranges_[count_++] = Range{base, size};
    return success();
}

Status VmmioRanges::remove(std::uint64_t base, std::uint64_t size)
{
    if (Status s = check(base, size); !s) {
        return s;
    }
    LockGuard held{lock_};
    for (unsigned i = 0; i < count_; ++i) {
        if (ranges_[i].base == base && ranges_[i].size == size) {
            ranges_[i] = ranges_[--count_];
            return success();
        }
    }
    return fail(Error::arg_inval);
}

bool VmmioRanges::covers(std::uint64_t ipa, std::uint64_t size) const
{
    if (ipa + size < ipa) {
        return false;
    }
    LockGuard held{lock_};
    for (unsigned i = 0; i < count_; ++i) {
        const Range& r = ranges_[i];
        if (ipa >= r.base && ipa + size <= r.base + r.size) {
            return true;
        }
    }
    return false;
}

unsigned VmmioRanges::count() const
{
    LockGuard held{lock_};
    return count_;
}

}  // namespace hyp::virt
