// Strong address types. A physical address, an intermediate physical address
// (what a VM believes is physical) and a hypervisor virtual address are different
// things; mixing them up is a classic hypervisor bug, so the compiler refuses to.
#pragma once

#include <compare>
#include <cstdint>

namespace hyp {

template <typename Tag>
class Address {
public:
    constexpr Address() = default;
    constexpr explicit Address(std::uint64_t raw) : raw_{raw} {}

    [[nodiscard]] constexpr std::uint64_t raw() const { return raw_; }

    constexpr Address operator+(std::uint64_t offset) const { return Address{raw_ + offset}; }
    constexpr Address operator-(std::uint64_t offset) const { return Address{raw_ - offset}; }
    constexpr std::uint64_t operator-(Address other) const { return raw_ - other.raw_; }
    constexpr Address& operator+=(std::uint64_t offset)
    {
        raw_ += offset;
        return *this;
    }
    constexpr auto operator<=>(const Address&) const = default;

    // `alignment` must be a power of two.
    [[nodiscard]] constexpr bool is_aligned(std::uint64_t alignment) const
    {
        return (raw_ & (alignment - 1)) == 0;
    }
    [[nodiscard]] constexpr Address align_down(std::uint64_t alignment) const
    {
        return Address{raw_ & ~(alignment - 1)};
    }
    // Saturates at the top of the address space rather than wrapping to zero.
    [[nodiscard]] constexpr Address align_up(std::uint64_t alignment) const
    {
        std::uint64_t up = raw_ + (alignment - 1);
        if (up < raw_) {
            return Address{~(alignment - 1)};
        }
        return Address{up & ~(alignment - 1)};
    }

private:
    std::uint64_t raw_ = 0;
};

struct PhysTag;
struct IpaTag;
struct VirtTag;

using PhysAddr = Address<PhysTag>;  // output of the last translation stage
using Ipa = Address<IpaTag>;        // a VM's "physical" address, input to stage 2
using VirtAddr = Address<VirtTag>;  // a hypervisor (EL2 stage 1) virtual address

// A half-open range [base, base + size) of one kind of address.
template <typename A>
struct Range {
    A base{};
    std::uint64_t size = 0;

    [[nodiscard]] constexpr A end() const { return base + size; }
    [[nodiscard]] constexpr bool empty() const { return size == 0; }
    // True when base + size does not wrap around the 64-bit address space.
    [[nodiscard]] constexpr bool well_formed() const
    {
        return size == 0 || base.raw() + (size - 1) >= base.raw();
    }
    [[nodiscard]] constexpr bool contains(A addr) const
    {
        return addr >= base && addr.raw() - base.raw() < size;
    }
    [[nodiscard]] constexpr bool overlaps(const Range& other) const
    {
        if (empty() || other.empty()) {
            return false;
        }
        return base.raw() <= other.base.raw() + (other.size - 1) &&
               other.base.raw() <= base.raw() + (size - 1);
    }
    constexpr bool operator==(const Range&) const = default;
};

using PhysRange = Range<PhysAddr>;
using IpaRange = Range<Ipa>;

}  // namespace hyp
