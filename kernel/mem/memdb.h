// The memory ownership database: which owner holds each page of RAM and of device
// memory (MMIO VMs may be given).
//
// Every byte of RAM the device tree describes, and every range of device memory boot
// code found, is inserted once at boot and from then on has exactly one owner: the
// hypervisor, a partition (RAM: its page allocator; device memory: held beside it), or
// a memory extent. Memory moves between owners only through transfer(), which is atomic:
// it either moves the whole range from the owner the caller expected, or changes
// nothing. That is what stops a VM from being given memory that someone else still
// holds: a stale or forged request fails here even if a check elsewhere was missed.
//
// The memdb knows owners only by identity (a kind plus an object pointer); it never
// dereferences them. Records are kept sorted by address and coalesced (neighbouring
// ranges with the same owner are one record), in storage the caller provides: no heap.
//
// Locking: one SpinLock inside the memdb serialises every operation, so each public call
// is atomic with respect to the others. It is a leaf lock: the memdb never calls out
// while holding it (except into the for_each callback, which must not re-enter the
// memdb), so any other lock (partition, allocator, extent) may be held when calling in.
// The lock does not mask interrupts; the memdb is not for use from interrupt handlers.
//
// Costs, with n records: lookup and owner_of_range O(log n); transfer and insert
// O(log n) to find the record plus O(n) to shift the sorted array when the record count
// changes (n: RAM banks, live extents, and two per range a VM has lent: up to about
// 17,000 with the RM's 8192-range pool, so a shift moves at most ~0.5 MiB, once per
// lend or reclaim of a range); check, for_each and bytes_owned O(n).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"

namespace hyp::mem {

// What kind of object holds memory. Values past memextent are free for later kinds
// (e.g. a trace buffer or a device's fixed carve-out); the memdb treats all alike.
enum class OwnerKind : std::uint8_t {
    none = 0,  // not an owner: the "no owner" value, refused by every operation
    hypervisor = 1,
    partition = 2,
    memextent = 3,
    partition_devices = 4,  // a partition's device memory (MMIO): never in its allocator
};

// An owner's identity. Two owners are the same when kind and object both match.
struct Owner {
    OwnerKind kind = OwnerKind::none;
    const void* object = nullptr;  // identity only, never dereferenced

    [[nodiscard]] static constexpr Owner hypervisor() { return Owner{OwnerKind::hypervisor, nullptr}; }
    [[nodiscard]] static constexpr Owner partition(const void* p) { return Owner{OwnerKind::partition, p}; }
    [[nodiscard]] static constexpr Owner memextent(const void* e) { return Owner{OwnerKind::memextent, e}; }
    [[nodiscard]] static constexpr Owner partition_devices(const void* p)
    {
        return Owner{OwnerKind::partition_devices, p};
    }

    // The hypervisor is one owner and needs no object; every other kind names one.
    [[nodiscard]] constexpr bool valid() const
    {
        return kind != OwnerKind::none && (kind == OwnerKind::hypervisor || object != nullptr);
    }
    constexpr bool operator==(const Owner&) const = default;
};

// A range and its owner: one memdb record, and what lookups return.
struct OwnedRange {
    PhysRange range;
    Owner owner;
    constexpr bool operator==(const OwnedRange&) const = default;
};

// Why check() found the memdb inconsistent: a description and the record it is about.
struct MemdbCheck {
    const char* problem = nullptr;  // null when consistent
    std::size_t index = 0;

    [[nodiscard]] constexpr bool ok() const { return problem == nullptr; }
    [[nodiscard]] constexpr explicit operator bool() const { return ok(); }
};

class Memdb {
public:
    // The unit of ownership: every range handed in must be aligned to it.
    static constexpr std::uint64_t granule = 4096;

    using Record = OwnedRange;

    // An empty memdb with no storage; every insert fails with nomem until set_storage().
    constexpr Memdb() = default;
    // `storage` holds up to `capacity` records and must outlive the memdb (or be replaced
    // with set_storage()). Its previous contents are ignored.
    Memdb(Record* storage, std::size_t capacity);
    Memdb(const Memdb&) = delete;
    Memdb& operator=(const Memdb&) = delete;

    // Moves the records into new storage (e.g. pages from the hypervisor's allocator
    // when the table is nearly full) and returns the old storage for the caller to free.
    // arg_size, changing nothing, if the records do not fit in `capacity`.
    [[nodiscard]] Result<Record*> set_storage(Record* storage, std::size_t capacity);

    // --- Changes. Every one validates its arguments first, in this order, and on any
    // failure leaves the memdb exactly as it was:
    //   arg_inval  an invalid owner (kind none, or no object for a non-hypervisor kind)
    //   arg_size   an empty range
    //   arg_align  base or size not a multiple of `granule`
    //   addr_ovfl  base + size wraps past, or ends exactly at, 2^64 (no RAM is up there,
    //              and a 64-bit end address stays meaningful)
    //   nomem      the change needs more records than the storage has free

    // Starts tracking `range` as owned by `owner`: boot-time registration of RAM.
    // busy if any part of the range is already tracked.
    [[nodiscard]] Status insert(PhysRange range, Owner owner);

    // Moves the whole of `range` from `from` to `to`, or nothing at all.
    //   addr_inval  some part of the range is not tracked (not RAM, or never inserted)
    //   denied      all of it is tracked, but some part is not owned by `from`
    //   arg_inval   also when from == to: a transfer to oneself is a caller bug
    // addr_inval wins over denied when both apply. (Gunyah's ABI has MEMDB_EMPTY and
    // MEMDB_NOT_OWNER for these two cases; a hypercall that wants them translates.)
    [[nodiscard]] Status transfer(PhysRange range, Owner from, Owner to);

    // --- Queries.

    // The owner of `addr` and the whole contiguous run of memory that owner holds around
    // it (records are coalesced, so the run is maximal). addr_inval if not tracked.
    [[nodiscard]] Result<OwnedRange> lookup(PhysAddr addr) const;

    // The single owner of all of `range`. Validates like a change (arg_size, arg_align,
    // addr_ovfl); then addr_inval if any part is untracked, denied if owners differ.
    [[nodiscard]] Result<Owner> owner_of_range(PhysRange range) const;

    // Bytes held by `owner` / tracked in all. O(n); for accounting and tests.
    [[nodiscard]] std::uint64_t bytes_owned(Owner owner) const;
    [[nodiscard]] std::uint64_t tracked_bytes() const;

    [[nodiscard]] std::size_t records() const;
    [[nodiscard]] std::size_t capacity() const;

    // Calls fn(const OwnedRange&) for every record in address order, with the lock held:
    // `fn` must not call back into this memdb.
    template <typename Fn>
    void for_each(Fn&& fn) const
    {
        LockGuard held{lock_};
        for (std::size_t i = 0; i < used_; ++i) {
            fn(static_cast<const Record&>(records_[i]));
        }
    }

    // --- Consistency.

    // Walks every record: well-formed, granule-aligned, non-empty, valid owner, sorted,
    // non-overlapping and coalesced. Tests call it after every step.
    [[nodiscard]] MemdbCheck check() const;

    // Whether every successful change is followed by check(), panicking if it fails.
    // On by default in debug builds (no NDEBUG): host tests get it for free; benchmarks
    // and release images turn it off.
    void set_self_check(bool enabled) { self_check_ = enabled; }
    [[nodiscard]] bool self_check() const { return self_check_; }

private:
    // Argument checks shared by every operation (see the list above).
    [[nodiscard]] static Status validate(PhysRange range);
    // The index of the record containing `addr`, or used_ if none does.
    [[nodiscard]] std::size_t find_locked(std::uint64_t addr) const;
    // The first record whose base is above `addr` (upper bound), 0..used_.
    [[nodiscard]] std::size_t upper_bound_locked(std::uint64_t addr) const;
    // Why [base, end) is not wholly owned by one owner: addr_inval or denied.
    [[nodiscard]] Error mismatch_locked(std::uint64_t base, std::uint64_t end) const;
    // Replaces records [first, first + count) with `replacement` (sorted; coalesced here),
    // or fails with nomem changing nothing.
    [[nodiscard]] Status splice_locked(std::size_t first, std::size_t count, Record* replacement,
                                       std::size_t n);
    [[nodiscard]] MemdbCheck check_locked() const;
    void after_change_locked() const;

    mutable SpinLock lock_;
    Record* records_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t used_ = 0;
#ifdef NDEBUG
    bool self_check_ = false;
#else
    bool self_check_ = true;
#endif
};

}  // namespace hyp::mem
