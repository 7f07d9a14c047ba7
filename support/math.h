// Integer helpers for sizes and counts that come from outside (hypercall arguments,
// RM messages, device trees): alignment and addition that report overflow instead of
// wrapping. Addresses have their own, in addr.h.
#pragma once

#include <concepts>
#include <type_traits>

namespace hyp {

template <typename T>
concept UnsignedInt = std::unsigned_integral<T> && !std::same_as<T, bool>;

template <UnsignedInt T>
[[nodiscard]] constexpr bool is_power_of_two(T x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

// `alignment` must be a power of two, as everywhere below.
template <UnsignedInt T>
[[nodiscard]] constexpr bool is_aligned(T x, std::type_identity_t<T> alignment)
{
    return (x & (alignment - 1)) == 0;
}

template <UnsignedInt T>
[[nodiscard]] constexpr T align_down(T x, std::type_identity_t<T> alignment)
{
    return static_cast<T>(x & static_cast<T>(~(alignment - 1)));
}

// Rounds x up to `alignment` into `out`. False, leaving `out` alone, when the result
// does not fit in T or `alignment` is not a power of two.
template <UnsignedInt T>
[[nodiscard]] constexpr bool align_up(T x, std::type_identity_t<T> alignment, T& out)
{
    T up{};
    if (!is_power_of_two(alignment) || __builtin_add_overflow(x, alignment - 1, &up)) {
        return false;
    }
    out = align_down(up, alignment);
    return true;
}

// a + b into `out`; false, leaving `out` alone, on overflow.
template <UnsignedInt T>
[[nodiscard]] constexpr bool checked_add(T a, std::type_identity_t<T> b, T& out)
{
    T sum{};
    if (__builtin_add_overflow(a, b, &sum)) {
        return false;
    }
    out = sum;
    return true;
}

}  // namespace hyp
