// Randomized test of the page allocator against a reference model: a page-by-page
// "allocated" array and a naive first-fit search that must pick exactly the address
// the allocator picks. Ranges come and go; after every step free + used == total and
// both equal the model's counts. HYP_ALLOC_SEED and HYP_ALLOC_STEPS override the seed
// and the number of steps.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernel/mem/page_allocator.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = PageAllocator::page_size;
constexpr std::uint64_t ram = 0x8000'0000;

// Candidate ranges, in pages from `ram`; some start off any large alignment.
struct Slot {
    std::uint64_t first, count;
};
constexpr std::array<Slot, 6> slots{{{0, 512}, {512, 300}, {1000, 1}, {1003, 997}, {2048, 2048}, {5000, 77}}};
constexpr std::uint64_t model_pages = 5077;

struct Rng {  // xorshift64*
    std::uint64_t state;
    std::uint64_t next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545f4914f6cdd1d;
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct Allocation {
    std::uint64_t first, count;
};

std::uint64_t env_or(const char* name, std::uint64_t fallback)
{
    const char* text = std::getenv(name);
    return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 0) : fallback;
}

}  // namespace

TEST_CASE("random allocate/free/add/remove matches a naive first-fit model and accounts exactly")
{
    const std::uint64_t seed = env_or("HYP_ALLOC_SEED", 0x616c6c6f63);  // "alloc"
    const std::uint64_t steps = env_or("HYP_ALLOC_STEPS", 50'000);
    std::printf("page allocator random: seed %#llx, %llu steps (set HYP_ALLOC_SEED / HYP_ALLOC_STEPS to change)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(steps));
    INFO("seed " << seed);
    Rng rng{seed | 1};

    PageAllocator alloc;
    std::array<PageAllocator::Region, slots.size()> regions;
    std::array<std::vector<std::uint64_t>, slots.size()> bitmaps;
    std::array<bool, slots.size()> present{};
    std::vector<bool> allocated(model_pages, false);
    std::vector<Allocation> live;
    std::uint64_t model_total = 0, model_free = 0;
    std::uint64_t allocs = 0, nomems = 0, frees = 0, refused_frees = 0, adds = 0, removes = 0, busy = 0;

    // Naive first fit: every suitably aligned start in every present range, in address
    // order, checked page by page (skipping past an allocated page is the only shortcut).
    auto model_allocate = [&](std::uint64_t n, std::uint64_t align) -> std::int64_t {
        for (std::size_t s = 0; s < slots.size(); ++s) {
            if (!present[s]) {
                continue;
            }
            const std::uint64_t end = slots[s].first + slots[s].count;
            for (std::uint64_t p = slots[s].first; p + n <= end;) {
                if ((ram + p * page) % align != 0) {
                    ++p;
                    continue;
                }
                std::uint64_t k = p;
                while (k < p + n && !allocated[k]) {
                    ++k;
                }
                if (k == p + n) {
                    return static_cast<std::int64_t>(p);
                }
                p = k + 1;  // no start at or before an allocated page can fit
            }
        }
        return -1;
    };

    for (std::uint64_t step = 0; step < steps; ++step) {
        INFO("step " << step);
        std::uint64_t roll = rng.below(100);
        if (roll < 4) {
            // Add a missing range, or try to remove a present one (busy unless all free).
            std::size_t s = rng.below(slots.size());
            PhysRange range{PhysAddr{ram + slots[s].first * page}, slots[s].count * page};
            if (!present[s]) {
                bitmaps[s].assign(PageAllocator::bitmap_words(range.size), rng.next());
                REQUIRE(alloc.add_range(range, regions[s], bitmaps[s].data(), bitmaps[s].size()).ok());
                present[s] = true;
                model_total += slots[s].count;
                model_free += slots[s].count;
                ++adds;
            } else {
                bool all_free = true;
                for (std::uint64_t k = slots[s].first; k < slots[s].first + slots[s].count; ++k) {
                    all_free = all_free && !allocated[k];
                }
                Result<PageAllocator::Region*> r = alloc.remove_range(range);
                REQUIRE(r.ok() == all_free);
                if (all_free) {
                    REQUIRE(*r == &regions[s]);
                    present[s] = false;
                    model_total -= slots[s].count;
                    model_free -= slots[s].count;
                    ++removes;
                } else {
                    REQUIRE(r.error() == Error::busy);
                    ++busy;
                }
            }
        } else if (roll < 55) {
            // Mostly small, sometimes large; alignments from a page to 4 MiB.
            std::uint64_t n = rng.below(8) == 0 ? 1 + rng.below(600) : 1 + rng.below(16);
            std::uint64_t align = page << (rng.below(4) == 0 ? rng.below(11) : 0);
            std::int64_t expected = model_allocate(n, align);
            Result<PhysAddr> got = alloc.allocate(n, align);
            if (expected < 0) {
                REQUIRE(got.error() == Error::nomem);
                ++nomems;
            } else {
                REQUIRE(got.ok());
                REQUIRE(got->raw() == ram + static_cast<std::uint64_t>(expected) * page);
                for (std::uint64_t k = 0; k < n; ++k) {
                    allocated[static_cast<std::uint64_t>(expected) + k] = true;
                }
                live.push_back({static_cast<std::uint64_t>(expected), n});
                model_free -= n;
                ++allocs;
            }
        } else if (roll < 95 && !live.empty()) {
            // Free a live allocation: whole, or (sometimes) just part of it.
            std::size_t i = rng.below(live.size());
            Allocation a = live[i];
            if (a.count > 1 && rng.below(4) == 0) {
                std::uint64_t cut = 1 + rng.below(a.count - 1);
                REQUIRE(alloc.free(PhysAddr{ram + a.first * page}, cut).ok());
                live[i] = {a.first + cut, a.count - cut};
                a.count = cut;
            } else {
                REQUIRE(alloc.free(PhysAddr{ram + a.first * page}, a.count).ok());
                live[i] = live.back();
                live.pop_back();
            }
            for (std::uint64_t k = a.first; k < a.first + a.count; ++k) {
                allocated[k] = false;
            }
            model_free += a.count;
            ++frees;
        } else {
            // A bogus free somewhere: double, foreign or straddling. It must be refused
            // exactly when the model says so, with the error the model predicts.
            std::uint64_t first = rng.below(model_pages + 64);
            std::uint64_t n = 1 + rng.below(8);
            // Inside present ranges (ranges that follow one another with no gap count as
            // one): denied if a page is free, else fine; anywhere else addr_inval.
            bool covered = true;
            for (std::uint64_t k = first; k < first + n && covered; ++k) {
                bool in_some = false;
                for (std::size_t s = 0; s < slots.size(); ++s) {
                    in_some = in_some || (present[s] && k >= slots[s].first && k < slots[s].first + slots[s].count);
                }
                covered = in_some;
            }
            Error expected = covered ? Error::ok : Error::addr_inval;
            for (std::uint64_t k = first; k < first + n && covered; ++k) {
                expected = allocated[k] ? expected : Error::denied;
            }
            if (expected == Error::ok) {
                continue;  // a valid free of random pages would desynchronise `live`
            }
            REQUIRE(alloc.free(PhysAddr{ram + first * page}, n).error() == expected);
            ++refused_frees;
        }
        REQUIRE(alloc.total_bytes() == model_total * page);
        REQUIRE(alloc.free_bytes() == model_free * page);
        std::uint64_t used = 0;
        for (const Allocation& a : live) {
            used += a.count;
        }
        REQUIRE(alloc.free_bytes() + used * page == alloc.total_bytes());
    }
    std::printf("page allocator random: %llu allocations, %llu nomem, %llu frees, %llu refused frees, "
                "%llu ranges added, %llu removed, %llu removals refused as busy\n",
                static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(nomems),
                static_cast<unsigned long long>(frees), static_cast<unsigned long long>(refused_frees),
                static_cast<unsigned long long>(adds), static_cast<unsigned long long>(removes),
                static_cast<unsigned long long>(busy));
    CHECK(allocs > 0);
    CHECK(nomems > 0);
    CHECK(refused_frees > 0);
    CHECK(removes > 0);
    CHECK(busy > 0);
}
