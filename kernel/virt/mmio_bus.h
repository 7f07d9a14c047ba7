// A VM's emulated devices by IPA range: the place a data abort on an address with no
// stage-2 mapping looks for someone to emulate it. No allocation: a fixed table per VM,
// small because a VM has a handful of devices (vPL011, vGIC distributor and
// redistributors, later a few more).
//
// Concurrency: add() may run while the VM's vCPUs dispatch on other CPUs: it fills the
// slot first and publishes it by a release store of the count, and dispatch reads the
// count with acquire, so a vCPU sees either the whole entry or none of it. remove() and
// the devices' lifetimes are the owner's business: only while no vCPU of the VM can
// dispatch (VM configuration or teardown). Dispatch calls the device without any bus
// lock held; devices lock themselves.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"

namespace hyp::virt {

struct MmioAccess;

// What a device answers. `abort` is the device refusing the access as a bus error would
// (SLVERR): the guest gets a synchronous external abort, as on hardware.
enum class MmioResult : std::uint8_t { done, abort };

// An emulated device. Offsets are from the device's base; `size` is 1, 2, 4 or 8; the
// bus only calls with accesses that lie entirely inside the device's range.
class MmioDevice {
public:
    [[nodiscard]] virtual MmioResult mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value) = 0;
    [[nodiscard]] virtual MmioResult mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value) = 0;

protected:
    ~MmioDevice() = default;
};

enum class BusResult : std::uint8_t {
    handled,       // a device did the access (for a read, `value` holds its bytes)
    not_claimed,   // no device covers the whole access
    device_abort,  // the device refused it
};

class MmioBus {
public:
    static constexpr std::size_t capacity = 16;

    constexpr MmioBus() = default;
    MmioBus(const MmioBus&) = delete;
    MmioBus& operator=(const MmioBus&) = delete;

    // Claims `range` for `device`. arg_size for an empty range, addr_ovfl for one that
    // wraps the address space, existing_mapping when it overlaps a device already on the
    // bus, noresources when the table is full. Nothing changes on failure.
    [[nodiscard]] Status add(IpaRange range, MmioDevice& device);

    // Takes every range of `device` off the bus; arg_inval when it had none. Not while
    // the VM runs (see the top of this file).
    [[nodiscard]] Status remove(const MmioDevice& device);

    [[nodiscard]] BusResult read(Ipa ipa, unsigned size, std::uint64_t& value);
    [[nodiscard]] BusResult write(Ipa ipa, unsigned size, std::uint64_t value);
    // A decoded access. For a write `value` is what to store (mmio_write_value); for a
    // read it receives the device's bytes.
    [[nodiscard]] BusResult dispatch(const MmioAccess& access, std::uint64_t& value);

    // The device whose range contains `ipa`, or null.
    [[nodiscard]] MmioDevice* find(Ipa ipa) const;

    [[nodiscard]] std::size_t count() const { return __atomic_load_n(&count_, __ATOMIC_ACQUIRE); }

private:
    struct Entry {
        IpaRange range{};
        MmioDevice* device = nullptr;
    };

    // The entry that holds all of [ipa, ipa + size), or null.
    [[nodiscard]] const Entry* lookup(Ipa ipa, unsigned size) const;

    SpinLock lock_;  // serialises add() against add() and remove()
    Entry entries_[capacity] = {};
    std::size_t count_ = 0;
};

}  // namespace hyp::virt
