// Fixed-size bitmap: CPU sets, VMID and IRQ allocation, pending flags.
//
// Plain operations are constexpr and for bitmaps that one CPU owns (or that a lock
// protects). The atomic_* operations may run concurrently on different CPUs; do not
// mix the two kinds on the same bitmap while another CPU can touch it.
//
// An index at or past N is a bug in the caller (indices from a guest are checked before
// they get here), so it traps rather than touch memory outside the bitmap; in a
// constant expression it fails to compile. find_* take any start and return N for "none".
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hyp {

template <std::size_t N>
class Bitmap {
    static_assert(N > 0, "an empty bitmap is a bug");

public:
    constexpr Bitmap() = default;

    [[nodiscard]] static constexpr std::size_t size() { return N; }

    constexpr void set(std::size_t i) { words_[word(i)] |= mask(i); }
    constexpr void clear(std::size_t i) { words_[word(i)] &= ~mask(i); }
    constexpr void assign(std::size_t i, bool value) { value ? set(i) : clear(i); }
    [[nodiscard]] constexpr bool test(std::size_t i) const
    {
        return (words_[word(i)] & mask(i)) != 0;
    }
    constexpr void clear_all()
    {
        for (std::uint64_t& w : words_) {
            w = 0;
        }
    }

    // The first set (clear) bit at or after `from`, or N if there is none.
    [[nodiscard]] constexpr std::size_t find_first_set(std::size_t from = 0) const
    {
        return find(from, 0);
    }
    // The same, looking only below `end` (<= N): N if none is set in [from, end). Reads
    // no word beyond the one holding bit end - 1, for maps used only in part.
    [[nodiscard]] constexpr std::size_t find_first_set(std::size_t from, std::size_t end) const
    {
        return find(from, 0, end);
    }
    [[nodiscard]] constexpr std::size_t find_first_clear(std::size_t from = 0) const
    {
        return find(from, ~std::uint64_t{0});
    }

    [[nodiscard]] constexpr std::size_t count() const
    {
        std::size_t n = 0;
        for (std::uint64_t w : words_) {
            n += static_cast<std::size_t>(std::popcount(w));
        }
        return n;
    }
    [[nodiscard]] constexpr bool any() const { return find_first_set() != N; }
    [[nodiscard]] constexpr bool none() const { return !any(); }

    constexpr bool operator==(const Bitmap&) const = default;

    // Cross-CPU operations. set/clear are release and test is acquire, so data written
    // before raising a flag is visible to whoever sees the flag; the read-modify-writes
    // are acq_rel, so claiming a bit (test_and_set returned false) orders like a lock.
    void atomic_set(std::size_t i) { __atomic_fetch_or(&words_[word(i)], mask(i), __ATOMIC_RELEASE); }
    void atomic_clear(std::size_t i)
    {
        __atomic_fetch_and(&words_[word(i)], ~mask(i), __ATOMIC_RELEASE);
    }
    [[nodiscard]] bool atomic_test(std::size_t i) const
    {
        return (__atomic_load_n(&words_[word(i)], __ATOMIC_ACQUIRE) & mask(i)) != 0;
    }
    // Each returns the bit's previous value.
    bool atomic_test_and_set(std::size_t i)
    {
        return (__atomic_fetch_or(&words_[word(i)], mask(i), __ATOMIC_ACQ_REL) & mask(i)) != 0;
    }
    bool atomic_test_and_clear(std::size_t i)
    {
        return (__atomic_fetch_and(&words_[word(i)], ~mask(i), __ATOMIC_ACQ_REL) & mask(i)) != 0;
    }

private:
    static constexpr std::size_t bits = 64;
    static constexpr std::size_t nwords = (N + bits - 1) / bits;

    static constexpr std::size_t word(std::size_t i)
    {
        if (i >= N) {
            __builtin_trap();
        }
        return i / bits;
    }
    static constexpr std::uint64_t mask(std::size_t i) { return std::uint64_t{1} << (i % bits); }

    // `invert` is 0 to look for set bits and all-ones to look for clear ones.
    constexpr std::size_t find(std::size_t from, std::uint64_t invert, std::size_t end = N) const
    {
        end = end < N ? end : N;
        if (from >= end) {
            return N;
        }
        std::size_t w = from / bits;
        const std::size_t words = (end + bits - 1) / bits;
        // Ignore the bits below `from` in its word.
        std::uint64_t candidates = (words_[w] ^ invert) & (~std::uint64_t{0} << (from % bits));
        while (candidates == 0) {
            if (++w == words) {
                return N;
            }
            candidates = words_[w] ^ invert;
        }
        std::size_t found = w * bits + static_cast<std::size_t>(std::countr_zero(candidates));
        // The tail of the last word looked at is not part of the range (for the whole map,
        // the unused tail reads as clear).
        return found < end ? found : N;
    }

    std::uint64_t words_[nwords] = {};
};

}  // namespace hyp
