// Randomized test of the memdb against a reference model. A small simulated world (a
// root partition, child partitions, memory extents created, derived, donated, lent,
// reclaimed and deleted, plus random malformed requests) drives the memdb; after every
// step its records must equal the runs of a page-by-page owner array, check() must
// pass, and a failed operation must have changed nothing. At the end every extent is
// deleted, the partitions' memory goes back where it started, and the records and the
// bytes per owner must equal those at the start.
//
// HYP_MEMDB_SEED and HYP_MEMDB_STEPS override the seed and the number of steps.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/test_memdb_model.h"

using namespace memdb_test;

namespace {

constexpr std::size_t loan_slots = 32;
constexpr std::size_t capacity = 320;  // the world's records hover around 250-350: some splits run out

struct Rng {  // splitmix64: small, fast, and the same everywhere
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    bool percent(unsigned p) { return below(100) < p; }
};

struct Extent {
    bool live = false;
    std::size_t first = 0, count = 0;  // the pages it was made from
    Id origin = untracked;             // partition or parent extent: where delete returns it
    int children = 0, loans = 0;
};

struct Loan {
    bool live = false;
    std::size_t first = 0, count = 0;
    Id lender = untracked, borrower = untracked;
};

class World {
public:
    explicit World(std::uint64_t seed) : rng_{seed}
    {
        // RAM: [0, 64) hypervisor, [64, 1792) root, a hole [1792, 2048), [2048, 4032)
        // root, and [4032, 4096) not RAM.
        REQUIRE(ls_.insert(0, 64, hyp_id));
        REQUIRE(ls_.insert(64, 1792 - 64, root_id));
        REQUIRE(ls_.insert(2048, 4032 - 2048, root_id));
        start_ = model().owners();
        initial_ = ls_.snapshot();
        for (Id id = 0; id < first_extent; ++id) {
            initial_bytes_[id] = ls_.db().bytes_owned(model().owner(id));
        }
    }

    void step()
    {
        ls_.next_step();
        unsigned roll = static_cast<unsigned>(rng_.below(100));
        if (roll < 30) {
            create();
        } else if (roll < 45) {
            derive();
        } else if (roll < 53) {
            donate();
        } else if (roll < 63) {
            lend();
        } else if (roll < 73) {
            reclaim(pick_loan(), false);
        } else if (roll < 87) {
            remove(pick_extent(true));
        } else if (roll < 90) {
            give_back();
        } else {
            wild();
        }
        ls_.verify("after step");
    }

    // Deletes every extent (reclaiming loans first, or forgiving those the borrower
    // gave away), then returns every page to the owner it had at the start. The table
    // moves to bigger storage first: undoing donations may split records for a while.
    void teardown()
    {
        REQUIRE(ls_.grow(4096));
        for (int round = 0; live_extents() > 0; ++round) {
            REQUIRE(round < 100);
            for (std::size_t l = 0; l < loan_slots; ++l) {
                reclaim(l, true);
            }
            for (std::size_t e = 0; e < extent_slots; ++e) {
                remove(e);
            }
        }
        for (std::size_t p = 0; p < window;) {
            std::size_t q = p;
            while (q < window && model()[q] == model()[p] && start_[q] == start_[p]) {
                ++q;
            }
            if (model()[p] != start_[p]) {
                ls_.expect(Op::teardown, pages(p, q - p), model()[p], start_[p], Error::ok);
            }
            p = q;
        }
        ls_.verify("after teardown");
    }

    [[nodiscard]] bool back_to_start()
    {
        const Memdb& db = ls_.db();
        bool same = ls_.snapshot() == initial_;
        for (Id id = 0; id < first_extent; ++id) {
            same = same && db.bytes_owned(model().owner(id)) == initial_bytes_[id];
        }
        for (std::size_t e = 0; e < extent_slots; ++e) {
            same = same && db.bytes_owned(model().owner(extent_id(e))) == 0;
        }
        return same && db.tracked_bytes() == (4032 - 256) * page;
    }

    [[nodiscard]] bool verify_start() { return ls_.verify("at the start"); }
    [[nodiscard]] const Lockstep& lockstep() const { return ls_; }

private:
    const PageModel& model() const { return ls_.model(); }
    Error transfer(Op op, PhysRange r, Id from, Id to) { return ls_.transfer(op, r, from, to); }

    bool on_loan(std::size_t first, std::size_t n) const
    {
        for (const Loan& loan : loans_) {
            if (loan.live && first < loan.first + loan.count && loan.first < first + n) {
                return true;
            }
        }
        return false;
    }

    Id random_partition() { return static_cast<Id>(root_id + rng_.below(partitions)); }
    // The root half of the time: it holds most of the memory.
    Id busy_partition() { return rng_.percent(50) ? root_id : random_partition(); }
    static Id extent_id(std::size_t slot) { return static_cast<Id>(first_extent + slot); }

    std::size_t free_slot() const
    {
        for (std::size_t e = 0; e < extent_slots; ++e) {
            if (!extents_[e].live) {
                return e;
            }
        }
        return extent_slots;
    }

    // A random live extent (a leaf with no loans, if `leaf`), or extent_slots if none.
    std::size_t pick_extent(bool leaf)
    {
        for (int tries = 0; tries < 8; ++tries) {
            std::size_t e = rng_.below(extent_slots);
            if (extents_[e].live && (!leaf || (extents_[e].children == 0 && extents_[e].loans == 0))) {
                return e;
            }
        }
        return extent_slots;
    }

    std::size_t pick_loan()
    {
        std::size_t l = rng_.below(loan_slots);
        return loans_[l].live ? l : loan_slots;
    }

    std::size_t live_extents() const
    {
        std::size_t n = 0;
        for (const Extent& e : extents_) {
            n += e.live;
        }
        return n;
    }

    // Pages [first, first + n) inside [lo, lo + span) for an operation by `id`: usually
    // within one run that `id` still holds (so it should succeed), otherwise of random
    // placement and length (so it usually straddles something and is refused).
    void pick_pages(Id id, std::size_t lo, std::size_t span, std::size_t max_len, std::size_t& first,
                    std::size_t& n)
    {
        first = lo + rng_.below(span);
        n = 1 + rng_.below(max_len);
        if (!rng_.percent(85)) {
            return;
        }
        for (std::size_t k = 0; k < span && model()[first] != id; ++k) {
            first = first + 1 < lo + span ? first + 1 : lo;
        }
        std::size_t end = first;
        while (end < lo + span && model()[end] == id) {
            ++end;
        }
        // At most half of what is left when there is more than a page, so that
        // extents keep some memory to derive, lend and donate from.
        std::size_t avail = end - first < max_len ? end - first : max_len;
        if (avail > 1) {
            avail /= 2;
        }
        if (avail > 0) {
            n = 1 + rng_.below(avail);
        }
    }

    // Part of extent x: [first, first + n).
    void sub_range(const Extent& x, std::size_t& first, std::size_t& n)
    {
        pick_pages(extent_id(static_cast<std::size_t>(&x - extents_.data())), x.first, x.count, x.count, first, n);
    }

    // A partition makes an extent from (usually) its own memory.
    void create()
    {
        std::size_t slot = free_slot();
        if (slot == extent_slots) {
            return remove(pick_extent(true));
        }
        Id p = busy_partition();
        std::size_t first = 0, n = 0;
        pick_pages(p, 0, window, 128, first, n);
        // Borrowed memory is not the borrower's to build on; now and then it tries.
        if (on_loan(first, n) && !rng_.percent(5)) {
            return;
        }
        if (transfer(Op::create, pages(first, n), p, extent_id(slot)) == Error::ok) {
            extents_[slot] = Extent{true, first, n, p, 0, 0};
        }
    }

    // An extent is derived from part of another.
    void derive()
    {
        std::size_t x = pick_extent(false), slot = free_slot();
        if (x == extent_slots || slot == extent_slots) {
            return;
        }
        std::size_t first = 0, n = 0;
        sub_range(extents_[x], first, n);
        if (transfer(Op::derive, pages(first, n), extent_id(x), extent_id(slot)) == Error::ok) {
            extents_[slot] = Extent{true, first, n, extent_id(x), 0, 0};
            extents_[x].children++;
        }
    }

    // Part of an extent is given to a partition for good.
    void donate()
    {
        std::size_t x = pick_extent(false);
        if (x == extent_slots) {
            return;
        }
        std::size_t first = 0, n = 0;
        sub_range(extents_[x], first, n);
        (void)transfer(Op::donate, pages(first, n), extent_id(x), random_partition());
    }

    // Part of an extent is lent to a partition, to be reclaimed later.
    void lend()
    {
        std::size_t x = pick_extent(false), l = 0;
        while (l < loan_slots && loans_[l].live) {
            ++l;
        }
        if (x == extent_slots || l == loan_slots) {
            return;
        }
        std::size_t first = 0, n = 0;
        sub_range(extents_[x], first, n);
        Id borrower = random_partition();
        if (transfer(Op::lend, pages(first, n), extent_id(x), borrower) == Error::ok) {
            loans_[l] = Loan{true, first, n, extent_id(x), borrower};
            extents_[x].loans++;
        }
    }

    // The lender takes a loan back; denied while the borrower has passed it on. At
    // teardown (`forgive`) a loan that cannot come back is written off.
    void reclaim(std::size_t l, bool forgive)
    {
        if (l >= loan_slots || !loans_[l].live) {
            return;
        }
        Loan& loan = loans_[l];
        Error e = transfer(Op::reclaim, pages(loan.first, loan.count), loan.borrower, loan.lender);
        if (e == Error::ok || forgive) {
            loan.live = false;
            extents_[loan.lender - first_extent].loans--;
        }
    }

    // A leaf extent with no loans out is deleted: whatever it still holds returns to
    // the partition or extent it came from, run by run.
    void remove(std::size_t x)
    {
        if (x >= extent_slots || !extents_[x].live || extents_[x].children != 0 || extents_[x].loans != 0) {
            return;
        }
        const Id id = extent_id(x);
        for (std::size_t p = 0; p < window;) {
            if (model()[p] != id) {
                ++p;
                continue;
            }
            std::size_t q = p;
            while (q < window && model()[q] == id) {
                ++q;
            }
            ls_.expect(Op::remove, pages(p, q - p), id, extents_[x].origin, Error::ok);
            p = q;
        }
        if (extents_[x].origin >= first_extent) {
            extents_[extents_[x].origin - first_extent].children--;
        }
        extents_[x] = Extent{};
    }

    // A child partition returns memory (donated to it earlier) to the root, as when it
    // is destroyed; this keeps donations from fragmenting the world for ever. Pages out
    // on loan to it are left alone, so that their lender can still reclaim them.
    void give_back()
    {
        Id q = static_cast<Id>(root_id + 1 + rng_.below(partitions - 1));
        std::size_t first = rng_.below(window);
        for (std::size_t k = 0; k < window && model()[first] != q; ++k) {
            first = (first + 1) % window;
        }
        std::size_t n = 1;  // the whole run the child holds there
        while (first + n < window && model()[first + n] == q) {
            ++n;
        }
        if (on_loan(first, n)) {
            return;
        }
        (void)transfer(Op::give_back, pages(first, n), q, root_id);
    }

    // A malformed or mistaken request: random range, random (even invalid) owners.
    void wild()
    {
        auto any_owner = [&] {
            std::uint64_t pick = rng_.below(first_extent + extent_slots + 1);
            return pick == first_extent + extent_slots ? bad_id : static_cast<Id>(pick < hyp_id ? hyp_id : pick);
        };
        std::int64_t first = static_cast<std::int64_t>(rng_.below(window + 16)) - 8;
        PhysRange r = pages(first, rng_.below(40));
        if (rng_.percent(5)) {
            r.base += page / 2;
        }
        if (rng_.percent(5)) {
            r.size += 1;
        }
        if (rng_.percent(3)) {
            r.base = PhysAddr{0 - 4 * page};  // into (or past) the top of the address space
        }
        (void)transfer(Op::wild, r, any_owner(), any_owner());
    }

    Rng rng_;
    Lockstep ls_{capacity};
    PageModel::Pages start_{};
    std::array<Extent, extent_slots> extents_{};
    std::array<Loan, loan_slots> loans_{};
    std::vector<OwnedRange> initial_;
    std::array<std::uint64_t, first_extent> initial_bytes_{};
};

std::uint64_t env_or(const char* name, std::uint64_t fallback)
{
    const char* text = std::getenv(name);
    return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 0) : fallback;
}

}  // namespace

TEST_CASE("random create/derive/donate/lend/reclaim/delete keeps the memdb equal to a page model")
{
    const std::uint64_t seed = env_or("HYP_MEMDB_SEED", 0x6d656d6462);  // "memdb"
    const std::uint64_t steps = env_or("HYP_MEMDB_STEPS", 100'000);
    std::printf("memdb random: seed %#llx, %llu steps (set HYP_MEMDB_SEED / HYP_MEMDB_STEPS to change)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(steps));
    INFO("seed " << seed);

    auto world = std::make_unique<World>(seed);
    REQUIRE(world->verify_start());
    for (std::uint64_t i = 0; i < steps && world->lockstep().failure().empty(); ++i) {
        world->step();
    }
    INFO(world->lockstep().failure());
    REQUIRE(world->lockstep().failure().empty());

    world->teardown();
    INFO(world->lockstep().failure());
    REQUIRE(world->lockstep().failure().empty());
    CHECK(world->back_to_start());
    std::printf("%s", world->lockstep().stats().c_str());

    // The default run must have made every operation succeed and met every refusal.
    if (steps >= 100'000) {
        for (Op op : {Op::create, Op::derive, Op::donate, Op::lend, Op::reclaim, Op::remove}) {
            CHECK(world->lockstep().count(op, Error::ok) > 0);
        }
        CHECK(world->lockstep().count(Op::create, Error::denied) > 0);
        CHECK(world->lockstep().count(Op::create, Error::nomem) > 0);
        CHECK(world->lockstep().count(Op::reclaim, Error::denied) > 0);
        for (Error e : {Error::arg_inval, Error::arg_size, Error::arg_align, Error::addr_ovfl, Error::addr_inval}) {
            CHECK(world->lockstep().count(Op::wild, e) > 0);
        }
    }
}
