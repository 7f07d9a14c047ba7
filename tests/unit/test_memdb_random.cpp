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
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "kernel/mem/memdb.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = Memdb::granule;
constexpr std::uint64_t ram = 0x8000'0000;

// The model covers `window` pages from `ram`: [0, 64) hypervisor, [64, 1792) root,
// a hole [1792, 2048), [2048, 4032) root, and [4032, 4096) not RAM.
constexpr std::size_t window = 4096;
constexpr std::size_t partitions = 4;  // the root and three children
constexpr std::size_t extent_slots = 48;
constexpr std::size_t loan_slots = 32;
constexpr std::size_t capacity = 320;  // the world's records hover around 250-350: some splits run out

// Owners in the model: one byte per page.
using Id = std::uint8_t;
constexpr Id untracked = 0;
constexpr Id hyp_id = 1;
constexpr Id root_id = 2;
constexpr Id first_extent = root_id + partitions;
constexpr Id bad_id = 255;  // stands for an invalid owner in malformed requests

enum class Op { create, derive, donate, lend, reclaim, remove, give_back, wild, teardown, count };
constexpr const char* op_names[] = {"create", "derive",    "donate", "lend",    "reclaim",
                                    "delete", "give back", "wild",   "teardown"};
constexpr Error outcomes[] = {Error::ok,        Error::arg_inval,  Error::arg_size, Error::arg_align,
                              Error::addr_ovfl, Error::addr_inval, Error::denied,   Error::nomem};
constexpr std::size_t outcome_count = sizeof(outcomes) / sizeof(outcomes[0]);

std::size_t outcome_index(Error e)
{
    for (std::size_t i = 0; i < outcome_count; ++i) {
        if (outcomes[i] == e) {
            return i;
        }
    }
    return outcome_count;  // "other": always a failure of the test
}

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

PhysRange pages(std::int64_t first, std::uint64_t count)
{
    return PhysRange{PhysAddr{ram + static_cast<std::uint64_t>(first) * page}, count * page};
}

class World {
public:
    explicit World(std::uint64_t seed) : rng_{seed}
    {
        db_.set_self_check(false);  // the test calls check() itself, once per step
        fill(0, 64, hyp_id);
        fill(64, 1792 - 64, root_id);
        fill(2048, 4032 - 2048, root_id);
        start_ = owner_;
        runs_ = run_starts(0, window - 1);
        REQUIRE(db_.insert(pages(0, 64), owner(hyp_id)).ok());
        REQUIRE(db_.insert(pages(64, 1792 - 64), owner(root_id)).ok());
        REQUIRE(db_.insert(pages(2048, 4032 - 2048), owner(root_id)).ok());
        initial_ = snapshot();
        for (Id id = 0; id < first_extent; ++id) {
            initial_bytes_[id] = db_.bytes_owned(owner(id));
        }
    }

    void step()
    {
        ++step_;
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
        verify("after step");
    }

    // Deletes every extent (reclaiming loans first, or forgiving those the borrower
    // gave away), then returns every page to the owner it had at the start. The table
    // moves to bigger storage first: undoing donations may split records for a while.
    void teardown()
    {
        REQUIRE(db_.set_storage(big_.data(), big_.size()).ok());
        capacity_ = big_.size();
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
            while (q < window && owner_[q] == owner_[p] && start_[q] == start_[p]) {
                ++q;
            }
            if (owner_[p] != start_[p]) {
                expect_transfer(Op::teardown, pages(p, q - p), owner_[p], start_[p], Error::ok);
            }
            p = q;
        }
        verify("after teardown");
    }

    [[nodiscard]] bool back_to_start()
    {
        bool same = snapshot() == initial_;
        for (Id id = 0; id < first_extent; ++id) {
            same = same && db_.bytes_owned(owner(id)) == initial_bytes_[id];
        }
        for (std::size_t e = 0; e < extent_slots; ++e) {
            same = same && db_.bytes_owned(owner(static_cast<Id>(first_extent + e))) == 0;
        }
        return same && db_.tracked_bytes() == (4032 - 256) * page;
    }

    [[nodiscard]] const std::string& failure() const { return failure_; }
    [[nodiscard]] std::uint64_t count(Op op, Error e) const
    {
        return stats_[static_cast<std::size_t>(op)][outcome_index(e)];
    }

    [[nodiscard]] std::string stats() const
    {
        std::string out = "memdb random: outcomes per operation (ok arg_inval arg_size arg_align addr_ovfl "
                          "addr_inval denied nomem)\n";
        for (std::size_t op = 0; op < static_cast<std::size_t>(Op::count); ++op) {
            char line[160];
            const auto& s = stats_[op];
            std::snprintf(line, sizeof line, "  %-9s %6llu %5llu %5llu %5llu %5llu %6llu %6llu %5llu\n",
                          op_names[op], ull(s[0]), ull(s[1]), ull(s[2]), ull(s[3]), ull(s[4]), ull(s[5]),
                          ull(s[6]), ull(s[7]));
            out += line;
        }
        return out;
    }

    // The memdb equals the model and passes its own check; records the first failure.
    // check() proves the records sorted and coalesced, so painting them into a page
    // array that then equals the model's proves they are exactly the model's runs.
    bool verify(const char* when)
    {
        if (MemdbCheck c = db_.check(); !c) {
            return failed(when, std::string{"check(): "} + c.problem);
        }
        painted_.fill(untracked);
        bool inside = true;
        db_.for_each([&](const OwnedRange& r) {
            if (r.range.base.raw() < ram || r.range.end().raw() > ram + window * page) {
                inside = false;
                return;
            }
            const std::size_t first = (r.range.base.raw() - ram) / page;
            std::memset(&painted_[first], id_of(r.owner), r.range.size / page);
        });
        if (!inside || painted_ != owner_) {
            return failed(when, "records differ from the model");
        }
        return true;
    }

private:
    static unsigned long long ull(std::uint64_t v) { return v; }

    void fill(std::size_t first, std::size_t n, Id id)
    {
        for (std::size_t p = first; p < first + n; ++p) {
            owner_[p] = id;
        }
    }

    // An owner's identity: the address of its byte in `objects_`, as a kernel object's.
    Owner owner(Id id) const
    {
        if (id == hyp_id) {
            return Owner::hypervisor();
        }
        if (id >= root_id && id < first_extent) {
            return Owner::partition(&objects_[id]);
        }
        if (id >= first_extent && id < first_extent + extent_slots) {
            return Owner::memextent(&objects_[id]);
        }
        return Owner{};
    }

    // The model's id of a memdb owner (the inverse of owner()).
    Id id_of(Owner o) const
    {
        if (o.kind == OwnerKind::hypervisor) {
            return hyp_id;
        }
        return static_cast<Id>(static_cast<const char*>(o.object) - objects_.data());
    }

    std::vector<OwnedRange> snapshot() const
    {
        std::vector<OwnedRange> out;
        snapshot_into(out);
        return out;
    }
    void snapshot_into(std::vector<OwnedRange>& out) const
    {
        out.clear();
        db_.for_each([&](const OwnedRange& r) { out.push_back(r); });
    }

    bool failed(const char* when, const std::string& what)
    {
        if (failure_.empty()) {
            failure_ = "step " + std::to_string(step_) + " " + when + ": " + what;
        }
        return false;
    }

    // What the memdb must answer, from the model alone; on success the model changes.
    Error predict(PhysRange r, Id from, Id to)
    {
        Owner f = owner(from), t = owner(to);
        if (!f.valid() || !t.valid() || f == t) {
            return Error::arg_inval;
        }
        if (r.size == 0) {
            return Error::arg_size;
        }
        if (!r.base.is_aligned(page) || r.size % page != 0) {
            return Error::arg_align;
        }
        if (!r.well_formed() || r.base.raw() + r.size == 0) {
            return Error::addr_ovfl;
        }
        if (r.base.raw() < ram || r.end().raw() > ram + window * page) {
            return Error::addr_inval;  // nothing outside the window is tracked
        }
        const std::size_t first = (r.base.raw() - ram) / page, n = r.size / page;
        for (std::size_t p = first; p < first + n; ++p) {
            if (owner_[p] == untracked) {
                return Error::addr_inval;
            }
        }
        for (std::size_t p = first; p < first + n; ++p) {
            if (owner_[p] != from) {
                return Error::denied;
            }
        }
        // Only run starts in [first, first + n] can change: count them before and after.
        const std::size_t last = first + n < window ? first + n : window - 1;
        const std::size_t before = run_starts(first, last);
        fill(first, n, to);
        const std::size_t after = run_starts(first, last);
        if (runs_ - before + after > capacity_) {
            fill(first, n, from);
            return Error::nomem;
        }
        runs_ = runs_ - before + after;
        return Error::ok;
    }

    // Pages in [lo, hi] that start a run of one owner: the records the model needs.
    std::size_t run_starts(std::size_t lo, std::size_t hi) const
    {
        std::size_t n = 0;
        for (std::size_t p = lo; p <= hi; ++p) {
            n += owner_[p] != untracked && (p == 0 || owner_[p - 1] != owner_[p]);
        }
        return n;
    }

    // Runs one transfer on both the memdb and the model and compares them.
    Error transfer(Op op, PhysRange r, Id from, Id to)
    {
        Error expected = predict(r, from, to);
        snapshot_into(before_);
        Status got = db_.transfer(r, owner(from), owner(to));
        stats_[static_cast<std::size_t>(op)][outcome_index(got.error())]++;
        if (got.error() != expected) {
            char what[200];
            std::snprintf(what, sizeof what, "%s [%#llx, +%#llx) %u -> %u: memdb says %s, model %s",
                          op_names[static_cast<std::size_t>(op)], ull(r.base.raw()), ull(r.size), unsigned{from}, unsigned{to},
                          error_name(got.error()), error_name(expected));
            failed("transfer", what);
        } else if (!got.ok() && (snapshot_into(after_), after_ != before_)) {
            failed("transfer", "a failed transfer changed the records");
        }
        return got.error();
    }

    void expect_transfer(Op op, PhysRange r, Id from, Id to, Error wanted)
    {
        if (Error e = transfer(op, r, from, to); e != wanted) {
            failed("transfer", std::string{"expected "} + error_name(wanted) + ", got " + error_name(e));
        }
    }

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
        for (std::size_t k = 0; k < span && owner_[first] != id; ++k) {
            first = first + 1 < lo + span ? first + 1 : lo;
        }
        std::size_t end = first;
        while (end < lo + span && owner_[end] == id) {
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
            if (owner_[p] != id) {
                ++p;
                continue;
            }
            std::size_t q = p;
            while (q < window && owner_[q] == id) {
                ++q;
            }
            expect_transfer(Op::remove, pages(p, q - p), id, extents_[x].origin, Error::ok);
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
        for (std::size_t k = 0; k < window && owner_[first] != q; ++k) {
            first = (first + 1) % window;
        }
        std::size_t n = 1;  // the whole run the child holds there
        while (first + n < window && owner_[first + n] == q) {
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
    std::array<OwnedRange, capacity> storage_{};
    std::array<OwnedRange, 4096> big_{};
    std::size_t capacity_ = capacity;
    Memdb db_{storage_.data(), storage_.size()};
    std::array<Id, window> owner_{};
    std::array<Id, window> start_{};
    std::array<char, 256> objects_{};
    std::array<Extent, extent_slots> extents_{};
    std::array<Loan, loan_slots> loans_{};
    std::array<Id, window> painted_{};
    std::size_t runs_ = 0;  // records the model needs: runs of one owner
    std::vector<OwnedRange> initial_, before_, after_;
    std::array<std::uint64_t, first_extent> initial_bytes_{};
    std::array<std::array<std::uint64_t, outcome_count + 1>, static_cast<std::size_t>(Op::count)> stats_{};
    std::uint64_t step_ = 0;
    std::string failure_;
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
    REQUIRE(world->verify("at the start"));
    for (std::uint64_t i = 0; i < steps && world->failure().empty(); ++i) {
        world->step();
    }
    INFO(world->failure());
    REQUIRE(world->failure().empty());

    world->teardown();
    INFO(world->failure());
    REQUIRE(world->failure().empty());
    CHECK(world->back_to_start());
    std::printf("%s", world->stats().c_str());

    // The default run must have made every operation succeed and met every refusal.
    if (steps >= 100'000) {
        for (Op op : {Op::create, Op::derive, Op::donate, Op::lend, Op::reclaim, Op::remove}) {
            CHECK(world->count(op, Error::ok) > 0);
        }
        CHECK(world->count(Op::create, Error::denied) > 0);
        CHECK(world->count(Op::create, Error::nomem) > 0);
        CHECK(world->count(Op::reclaim, Error::denied) > 0);
        for (Error e : {Error::arg_inval, Error::arg_size, Error::arg_align, Error::addr_ovfl, Error::addr_inval}) {
            CHECK(world->count(Op::wild, e) > 0);
        }
    }
}
