// The reference model and harness for the randomized memdb test (test_memdb_random.cpp):
// PageModel keeps one owner byte per page over a small window of RAM and works out,
// page by page, the answer the memdb must give to any transfer; Lockstep drives a memdb
// and the model together and reports the first disagreement. Deliberately naive, so
// that it is obviously right.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/mem/memdb.h"

namespace memdb_test {

using hyp::Error;
using hyp::error_name;
using hyp::Status;
using hyp::PhysAddr;
using hyp::PhysRange;
using hyp::mem::Memdb;
using hyp::mem::MemdbCheck;
using hyp::mem::OwnedRange;
using hyp::mem::Owner;
using hyp::mem::OwnerKind;

constexpr std::uint64_t page = Memdb::granule;
constexpr std::uint64_t ram = 0x8000'0000;
constexpr std::size_t window = 4096;   // pages the model covers, from `ram`
constexpr std::size_t partitions = 4;  // the root and three children
constexpr std::size_t extent_slots = 48;

// Owners in the model: small numbers, one byte per page.
using Id = std::uint8_t;
constexpr Id untracked = 0;
constexpr Id hyp_id = 1;
constexpr Id root_id = 2;
constexpr Id first_extent = root_id + partitions;
constexpr Id bad_id = 255;  // stands for an invalid owner in malformed requests

// Pages [first, first + count) from `ram`; `first` may be negative (below RAM).
inline PhysRange pages(std::int64_t first, std::uint64_t count)
{
    return PhysRange{PhysAddr{ram + static_cast<std::uint64_t>(first) * page}, count * page};
}

class PageModel {
public:
    using Pages = std::array<Id, window>;

    explicit PageModel(std::size_t capacity) : capacity_{capacity} {}

    // Boot: pages enter the model (and must enter the memdb) with their first owner.
    void insert(std::size_t first, std::size_t n, Id id)
    {
        fill(first, n, id);
        runs_ = run_starts(0, window - 1);
    }
    void set_capacity(std::size_t capacity) { capacity_ = capacity; }

    [[nodiscard]] Id operator[](std::size_t p) const { return owner_[p]; }
    [[nodiscard]] const Pages& owners() const { return owner_; }

    // An owner's identity: the address of its byte in `objects_`, as a kernel object's.
    [[nodiscard]] Owner owner(Id id) const
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

    // The inverse of owner(), for owners the model handed out.
    [[nodiscard]] Id id_of(Owner o) const
    {
        if (o.kind == OwnerKind::hypervisor) {
            return hyp_id;
        }
        return static_cast<Id>(static_cast<const char*>(o.object) - objects_.data());
    }

    // What the memdb must answer to transfer(r, from, to), in the order memdb.h
    // documents; on success the model makes the change.
    Error transfer(PhysRange r, Id from, Id to)
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

    // Whether `db` holds exactly the model's runs; if not, `why`. check() proves the
    // records sorted and coalesced, so painting them into a page array that then
    // equals the model's proves they are the model's runs, one record per run.
    bool matches(const Memdb& db, std::string& why)
    {
        if (MemdbCheck c = db.check(); !c) {
            why = std::string{"check(): "} + c.problem + " at record " + std::to_string(c.index);
            return false;
        }
        painted_.fill(untracked);
        bool inside = true;
        db.for_each([&](const OwnedRange& r) {
            if (r.range.base.raw() < ram || r.range.end().raw() > ram + window * page) {
                inside = false;
                return;
            }
            const std::size_t first = (r.range.base.raw() - ram) / page;
            std::memset(&painted_[first], id_of(r.owner), r.range.size / page);
        });
        if (!inside || painted_ != owner_) {
            why = "records differ from the model";
            return false;
        }
        return true;
    }

private:
    void fill(std::size_t first, std::size_t n, Id id)
    {
        for (std::size_t p = first; p < first + n; ++p) {
            owner_[p] = id;
        }
    }

    // Pages in [lo, hi] that start a run of one owner: each needs a record.
    [[nodiscard]] std::size_t run_starts(std::size_t lo, std::size_t hi) const
    {
        std::size_t n = 0;
        for (std::size_t p = lo; p <= hi; ++p) {
            n += owner_[p] != untracked && (p == 0 || owner_[p - 1] != owner_[p]);
        }
        return n;
    }

    std::size_t capacity_;
    std::size_t runs_ = 0;
    Pages owner_{};
    Pages painted_{};
    std::array<char, 256> objects_{};
};

// The operations of the simulated world, for the statistics.
enum class Op { create, derive, donate, lend, reclaim, remove, give_back, wild, teardown, count };
inline constexpr const char* op_names[] = {"create", "derive",    "donate", "lend",    "reclaim",
                                           "delete", "give back", "wild",   "teardown"};
inline constexpr Error outcomes[] = {Error::ok,        Error::arg_inval,  Error::arg_size, Error::arg_align,
                                     Error::addr_ovfl, Error::addr_inval, Error::denied,   Error::nomem};
inline constexpr std::size_t outcome_count = sizeof(outcomes) / sizeof(outcomes[0]);

// A memdb and its model driven together: every transfer goes to both and the answers
// must agree, a refused transfer must leave the records as they were, and verify()
// compares the whole table. The first disagreement is kept in failure().
class Lockstep {
public:
    explicit Lockstep(std::size_t capacity) : storage_(capacity), model_{capacity}
    {
        (void)db_.set_storage(storage_.data(), storage_.size());
        db_.set_self_check(false);  // verify() calls check() itself, once per step
    }

    // Boot: RAM enters both with its first owner.
    [[nodiscard]] bool insert(std::size_t first, std::size_t n, Id id)
    {
        model_.insert(first, n, id);
        return db_.insert(pages(static_cast<std::int64_t>(first), n), model_.owner(id)).ok();
    }

    // Moves the memdb to storage for `capacity` records (as its owner would when full).
    [[nodiscard]] bool grow(std::size_t capacity)
    {
        std::vector<OwnedRange> bigger(capacity);
        if (!db_.set_storage(bigger.data(), bigger.size()).ok()) {
            return false;
        }
        storage_.swap(bigger);
        model_.set_capacity(capacity);
        return true;
    }

    // One transfer on both; returns the memdb's answer.
    Error transfer(Op op, PhysRange r, Id from, Id to)
    {
        Error expected = model_.transfer(r, from, to);
        snapshot_into(before_);
        Status got = db_.transfer(r, model_.owner(from), model_.owner(to));
        std::size_t outcome = 0;
        while (outcome < outcome_count && outcomes[outcome] != got.error()) {
            ++outcome;
        }
        stats_[static_cast<std::size_t>(op)][outcome]++;
        if (got.error() != expected) {
            char what[200];
            std::snprintf(what, sizeof what, "%s [%#llx, +%#llx) %u -> %u: memdb says %s, model %s",
                          op_names[static_cast<std::size_t>(op)], ull(r.base.raw()), ull(r.size), unsigned{from},
                          unsigned{to}, error_name(got.error()), error_name(expected));
            failed("transfer", what);
        } else if (!got.ok() && (snapshot_into(after_), after_ != before_)) {
            failed("transfer", "a failed transfer changed the records");
        }
        return got.error();
    }

    void expect(Op op, PhysRange r, Id from, Id to, Error wanted)
    {
        if (Error e = transfer(op, r, from, to); e != wanted) {
            failed("transfer", std::string{"expected "} + error_name(wanted) + ", got " + error_name(e));
        }
    }

    // The memdb equals the model and passes its own check.
    bool verify(const char* when)
    {
        std::string why;
        return model_.matches(db_, why) || failed(when, why);
    }

    bool failed(const char* when, const std::string& what)
    {
        if (failure_.empty()) {
            failure_ = "step " + std::to_string(step_) + " " + when + ": " + what;
        }
        return false;
    }

    void next_step() { ++step_; }
    [[nodiscard]] const std::string& failure() const { return failure_; }
    [[nodiscard]] const PageModel& model() const { return model_; }
    [[nodiscard]] const Memdb& db() const { return db_; }

    [[nodiscard]] std::vector<OwnedRange> snapshot() const
    {
        std::vector<OwnedRange> out;
        snapshot_into(out);
        return out;
    }

    [[nodiscard]] std::uint64_t count(Op op, Error e) const
    {
        for (std::size_t i = 0; i < outcome_count; ++i) {
            if (outcomes[i] == e) {
                return stats_[static_cast<std::size_t>(op)][i];
            }
        }
        return 0;
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

private:
    static unsigned long long ull(std::uint64_t v) { return v; }

    void snapshot_into(std::vector<OwnedRange>& out) const
    {
        out.clear();
        db_.for_each([&](const OwnedRange& r) { out.push_back(r); });
    }

    std::vector<OwnedRange> storage_;
    Memdb db_;
    PageModel model_;
    std::vector<OwnedRange> before_, after_;
    // Per operation, a count per outcome; the last column is "anything else".
    std::array<std::array<std::uint64_t, outcome_count + 1>, static_cast<std::size_t>(Op::count)> stats_{};
    std::uint64_t step_ = 0;
    std::string failure_;
};

}  // namespace memdb_test
