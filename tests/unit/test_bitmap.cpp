// Bitmap<N>: single-owner operations (also at compile time), searches that stop at N,
// and atomic operations that several threads use at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "support/bitmap.h"

using hyp::Bitmap;

namespace {

constexpr Bitmap<100> with_bits(std::size_t a, std::size_t b)
{
    Bitmap<100> map;
    map.set(a);
    map.set(b);
    return map;
}

// The whole non-atomic interface works in constant expressions.
static_assert(with_bits(3, 70).count() == 2);
static_assert(with_bits(3, 70).test(70));
static_assert(with_bits(3, 70).find_first_set(4) == 70);
static_assert(with_bits(3, 70).find_first_set(71) == 100);
static_assert(Bitmap<100>{}.none());
static_assert(sizeof(Bitmap<64>) == 8 && sizeof(Bitmap<65>) == 16);

}  // namespace

TEST_CASE("a new bitmap has no bits set", "[bitmap]")
{
    Bitmap<130> map;
    REQUIRE(map.none());
    REQUIRE_FALSE(map.any());
    REQUIRE(map.count() == 0);
    REQUIRE(map.find_first_set() == 130);
    REQUIRE(map.find_first_clear() == 0);
}

TEST_CASE("set, clear and test touch only the named bit, across word boundaries", "[bitmap]")
{
    Bitmap<130> map;
    for (std::size_t i : {0u, 63u, 64u, 127u, 128u, 129u}) {
        map.set(i);
        REQUIRE(map.test(i));
        REQUIRE(map.count() == 1);
        map.clear(i);
        REQUIRE_FALSE(map.test(i));
        REQUIRE(map.none());
    }
    map.assign(5, true);
    REQUIRE(map.test(5));
    map.assign(5, false);
    REQUIRE_FALSE(map.test(5));
}

TEST_CASE("find_first_set starts at the given index and returns N when none remain", "[bitmap]")
{
    Bitmap<200> map;
    map.set(5);
    map.set(64);
    map.set(199);
    REQUIRE(map.find_first_set() == 5);
    REQUIRE(map.find_first_set(5) == 5);
    REQUIRE(map.find_first_set(6) == 64);
    REQUIRE(map.find_first_set(65) == 199);
    REQUIRE(map.find_first_set(200) == 200);
    REQUIRE(map.find_first_set(1000) == 200);
}

TEST_CASE("walking with find_first_set visits every set bit once, in order", "[bitmap]")
{
    Bitmap<300> map;
    const std::vector<std::size_t> bits{0, 1, 63, 64, 65, 190, 255, 256, 299};
    for (std::size_t b : bits) {
        map.set(b);
    }
    std::vector<std::size_t> seen;
    for (std::size_t i = map.find_first_set(); i < map.size(); i = map.find_first_set(i + 1)) {
        seen.push_back(i);
    }
    REQUIRE(seen == bits);
}

TEST_CASE("find_first_clear ignores the unused tail of the last word", "[bitmap]")
{
    Bitmap<70> map;
    for (std::size_t i = 0; i < 70; ++i) {
        map.set(i);
    }
    REQUIRE(map.count() == 70);
    REQUIRE(map.find_first_clear() == 70);  // bits 70..127 of storage are not in the map
    map.clear(66);
    REQUIRE(map.find_first_clear() == 66);
    REQUIRE(map.find_first_clear(67) == 70);
}

TEST_CASE("count, any and none agree", "[bitmap]")
{
    Bitmap<64> map;
    REQUIRE(map.none());
    map.set(63);
    REQUIRE(map.any());
    REQUIRE_FALSE(map.none());
    REQUIRE(map.count() == 1);
    map.set(0);
    REQUIRE(map.count() == 2);
    map.clear_all();
    REQUIRE(map.none());
    REQUIRE(map == Bitmap<64>{});
}

TEST_CASE("atomic test_and_set and test_and_clear report the previous value", "[bitmap]")
{
    Bitmap<100> map;
    REQUIRE_FALSE(map.atomic_test_and_set(70));
    REQUIRE(map.atomic_test_and_set(70));
    REQUIRE(map.atomic_test(70));
    REQUIRE(map.test(70));
    REQUIRE(map.atomic_test_and_clear(70));
    REQUIRE_FALSE(map.atomic_test_and_clear(70));
    map.atomic_set(3);
    REQUIRE(map.atomic_test(3));
    map.atomic_clear(3);
    REQUIRE_FALSE(map.atomic_test(3));
}

TEST_CASE("threads setting bits in shared words lose none of them", "[bitmap]")
{
    constexpr std::size_t threads = 4;
    Bitmap<256> map;
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        // Interleaved indices: every word is written by every thread.
        workers.emplace_back([&map, t] {
            for (std::size_t i = t; i < 256; i += threads) {
                map.atomic_set(i);
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    REQUIRE(map.count() == 256);
}

TEST_CASE("each bit is claimed by exactly one of several racing threads", "[bitmap]")
{
    constexpr int threads = 4;
    Bitmap<512> map;
    std::atomic<int> claims[threads] = {};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&map, &claims, t] {
            for (std::size_t i = 0; i < 512; ++i) {
                if (!map.atomic_test_and_set(i)) {
                    claims[t].fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    int total = 0;
    for (const std::atomic<int>& c : claims) {
        total += c.load();
    }
    REQUIRE(total == 512);
    REQUIRE(map.count() == 512);
}
