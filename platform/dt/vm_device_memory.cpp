// Device memory for VMs (see vm_device_memory.h): a sweep from address 0 to the top of
// RAM that steps over every hole. O(holes^2) per range, with at most 128 holes, once at
// boot; no recursion and no sorting storage on the cold-boot stack.
#include "platform/dt/vm_device_memory.h"

#include <cstdint>

namespace hyp::platform {
namespace {

constexpr std::uint64_t page = 4096;

class Holes {
public:
    explicit Holes(const PlatformInfo& info) : info_(info) {}

    // Calls fn(base, end) for each hole, widened to whole pages.
    template <typename Fn>
    void for_each(Fn&& fn) const
    {
        auto widened = [&](const PhysRange& r) {
            if (!r.empty()) {
                fn(r.base.raw() & ~(page - 1), (r.end().raw() + page - 1) & ~(page - 1));
            }
        };
        for (std::size_t i = 0; i < info_.memory_count; ++i) {
            widened(info_.memory[i]);
        }
        for (std::size_t i = 0; i < info_.reserved_count; ++i) {
            widened(info_.reserved[i]);
        }
        for (std::size_t i = 0; i < info_.kept_device_count; ++i) {
            widened(info_.kept_devices[i]);
        }
    }

    // The end of the hole run that covers `address` (address itself when none does).
    [[nodiscard]] std::uint64_t skip(std::uint64_t address) const
    {
        for (bool moved = true; moved;) {
            moved = false;
            for_each([&](std::uint64_t base, std::uint64_t end) {
                if (base <= address && address < end) {
                    address = end;
                    moved = true;
                }
            });
        }
        return address;
    }

    // The lowest hole start above `address`, or `limit` when none is below it.
    [[nodiscard]] std::uint64_t next_start(std::uint64_t address, std::uint64_t limit) const
    {
        for_each([&](std::uint64_t base, std::uint64_t) {
            if (base > address && base < limit) {
                limit = base;
            }
        });
        return limit;
    }

private:
    const PlatformInfo& info_;
};

}  // namespace

Result<std::size_t> vm_device_memory(const PlatformInfo& info, PhysRange* out, std::size_t capacity)
{
    std::uint64_t top = 0;
    for (std::size_t i = 0; i < info.memory_count; ++i) {
        top = info.memory[i].end().raw() > top ? info.memory[i].end().raw() : top;
    }
    top &= ~(page - 1);
    const Holes holes{info};
    std::size_t count = 0;
    for (std::uint64_t cursor = holes.skip(0); cursor < top; cursor = holes.skip(cursor)) {
        const std::uint64_t end = holes.next_start(cursor, top);
        if (count == capacity) {
            return fail(Error::nomem);
        }
        out[count++] = PhysRange{PhysAddr{cursor}, end - cursor};
        cursor = end;
    }
    return count;
}

}  // namespace hyp::platform
