// The per-VM MMIO device table (see mmio_bus.h).
#include "kernel/virt/mmio_bus.h"

#include "kernel/virt/mmio_decode.h"

namespace hyp::virt {
namespace {

constexpr bool valid_size(unsigned size) { return size == 1 || size == 2 || size == 4 || size == 8; }

}  // namespace

Status MmioBus::add(IpaRange range, MmioDevice& device)
{
    if (range.empty()) {
        return fail(Error::arg_size);
    }
    if (!range.well_formed()) {
        return fail(Error::addr_ovfl);
    }
    LockGuard guard(lock_);
    std::size_t n = count_;
    for (std::size_t i = 0; i < n; ++i) {
        if (entries_[i].range.overlaps(range)) {
            return fail(Error::existing_mapping);
        }
    }
    if (n == capacity) {
        return fail(Error::noresources);
    }
    entries_[n] = Entry{range, &device};
    // Publish: a dispatching vCPU that sees the new count sees the entry too.
    __atomic_store_n(&count_, n + 1, __ATOMIC_RELEASE);
    return success();
}

Status MmioBus::remove(const MmioDevice& device)
{
    LockGuard guard(lock_);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        if (entries_[i].device != &device) {
            entries_[kept++] = entries_[i];
        }
    }
    if (kept == count_) {
        return fail(Error::arg_inval);
    }
    for (std::size_t i = kept; i < count_; ++i) {
        entries_[i] = Entry{};
    }
    __atomic_store_n(&count_, kept, __ATOMIC_RELEASE);
    return success();
}

const MmioBus::Entry* MmioBus::lookup(Ipa ipa, unsigned size) const
{
    std::size_t n = count();
    for (std::size_t i = 0; i < n; ++i) {
        const Entry& e = entries_[i];
        if (!e.range.contains(ipa)) {
            continue;
        }
        // The last byte must be inside too: an access that runs off the end of a device
        // (possible for Normal-memory unaligned accesses) belongs to nobody.
        std::uint64_t offset = ipa - e.range.base;
        return e.range.size - offset >= size ? &e : nullptr;
    }
    return nullptr;
}

MmioDevice* MmioBus::find(Ipa ipa) const
{
    const Entry* e = lookup(ipa, 1);
    return e != nullptr ? e->device : nullptr;
}

BusResult MmioBus::read(Ipa ipa, unsigned size, std::uint64_t& value)
{
    value = 0;
    const Entry* e = valid_size(size) ? lookup(ipa, size) : nullptr;
    if (e == nullptr) {
        return BusResult::not_claimed;
    }
    if (e->device->mmio_read(ipa - e->range.base, size, value) != MmioResult::done) {
        value = 0;
        return BusResult::device_abort;
    }
    return BusResult::handled;
}

BusResult MmioBus::write(Ipa ipa, unsigned size, std::uint64_t value)
{
    const Entry* e = valid_size(size) ? lookup(ipa, size) : nullptr;
    if (e == nullptr) {
        return BusResult::not_claimed;
    }
    if (e->device->mmio_write(ipa - e->range.base, size, value) != MmioResult::done) {
        return BusResult::device_abort;
    }
    return BusResult::handled;
}

BusResult MmioBus::dispatch(const MmioAccess& access, std::uint64_t& value)
{
    if (access.write) {
        return write(access.ipa, access.size, value);
    }
    return read(access.ipa, access.size, value);
}

}  // namespace hyp::virt
