// Memory parcels: ranges of a lender VM's RAM that it lends or shares with other VMs
// (MEM_LEND / MEM_SHARE, more ranges with MEM_APPEND), named by a handle. Each range is
// a memextent the RM derives from the lender's RAM (parcel_ops.h), with its cap in the
// RM's cspace; a lend also takes the range out of the lender's view. A borrower gets the
// parcel mapped when its VM is built from it (VM_CONFIG_IMAGE + VM_INIT) or when it
// accepts it (MEM_ACCEPT); MEM_RECLAIM gives it back to the lender once no borrower has
// it mapped.
//
// Fixed pools, no heap: max_parcels parcels, and their ranges in one pool shared by all
// of them, in chunks of parcel_range_chunk ranges. A parcel takes whole chunks as it
// grows (LEND, each APPEND) and gives them back when it shrinks (a refused APPEND) or is
// released (RECLAIM), so a parcel of n ranges holds ceil(n / 16) of the 512 chunks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

inline constexpr std::size_t max_parcels = 64;  // in all, and per lender
inline constexpr std::size_t parcel_max_acl = 4;  // borrowers (and the lender, for a share)
// Ranges: a Linux VMM lends a pinned buffer of 128-256 MiB whose pages are physically
// contiguous in 2 MiB pieces at best, so one parcel may need thousands of ranges.
inline constexpr std::size_t parcel_range_chunk = 16;
inline constexpr std::size_t parcel_max_ranges = 2048;   // one parcel, after all appends
inline constexpr std::size_t parcel_pool_ranges = 8192;  // all parcels together
inline constexpr std::size_t parcel_pool_chunks = parcel_pool_ranges / parcel_range_chunk;
inline constexpr std::size_t parcel_max_chunks = parcel_max_ranges / parcel_range_chunk;
static_assert(parcel_max_ranges % parcel_range_chunk == 0 && parcel_pool_ranges % parcel_range_chunk == 0);
static_assert(parcel_pool_chunks <= 0xFFFF, "chunk numbers are u16");
// Chunks a parcel of `ranges` ranges holds.
[[nodiscard]] constexpr std::size_t parcel_chunks_for(std::size_t ranges)
{
    return (ranges + parcel_range_chunk - 1) / parcel_range_chunk;
}

struct ParcelRange {
    std::uint64_t ipa = 0;   // in the lender's address space (= physical for the primary VM)
    std::uint64_t size = 0;
    CapId extent = cap_invalid;
};

// The ranges of every parcel, in chunks.
class RangePool {
public:
    constexpr RangePool() = default;

    // Takes n free chunks, writing their numbers to out; false (taking none) when fewer are free.
    [[nodiscard]] bool take(std::size_t n, std::uint16_t* out);
    void give(std::uint16_t chunk)
    {
        used_[chunk] = false;
        ++free_;
    }
    [[nodiscard]] ParcelRange* chunk(std::uint16_t n) { return ranges_[n]; }
    [[nodiscard]] const ParcelRange* chunk(std::uint16_t n) const { return ranges_[n]; }
    [[nodiscard]] std::size_t free_chunks() const { return free_; }

private:
    ParcelRange ranges_[parcel_pool_chunks][parcel_range_chunk] = {};
    bool used_[parcel_pool_chunks] = {};
    std::size_t free_ = parcel_pool_chunks;
};

struct ParcelAccess {
    std::uint16_t vmid = 0;
    std::uint8_t rights = 0;        // GUNYAH_RM_ACL_*
    bool mapped = false;            // in vmid's address space now
    CapId addrspace = cap_invalid;  // ... this one
    std::uint64_t ipa = 0;          // ... from here, the ranges back to back
};

class ParcelTable;

struct Parcel {
    bool used = false;
    std::uint32_t handle = 0;
    std::uint16_t owner = 0;        // the lender
    std::uint8_t trans_type = 0;    // GUNYAH_RM_MEM_TRANS_*
    std::uint8_t mem_type = 0;
    std::uint32_t label = 0;
    bool complete = false;          // no APPEND outstanding
    std::uint16_t image_of = 0;     // the VM whose VM_CONFIG_IMAGE names it, 0: none
    bool sanitize = false;          // created with GUNYAH_RM_MEM_SHARE_SANITIZE
    bool tag_set = false;           // MEM_NOTIFY SHARED fixed mem_info_tag
    std::uint32_t mem_info_tag = 0;
    ParcelAccess acl[parcel_max_acl] = {};
    std::size_t acl_count = 0;

    // The ranges, in the order the lender gave them (LEND, then each APPEND's).
    [[nodiscard]] std::size_t range_count() const { return range_count_; }
    [[nodiscard]] ParcelRange& range(std::size_t i)
    {
        return pool_->chunk(chunks_[i / parcel_range_chunk])[i % parcel_range_chunk];
    }
    [[nodiscard]] const ParcelRange& range(std::size_t i) const
    {
        return pool_->chunk(chunks_[i / parcel_range_chunk])[i % parcel_range_chunk];
    }
    // Room for `count` ranges, the new ones empty (extent cap_invalid). False, changing
    // nothing, beyond parcel_max_ranges or when the pool has too few free chunks.
    [[nodiscard]] bool grow_to(std::size_t count);
    // Forgets ranges [count, range_count()) (their extents must be gone) and gives back
    // the chunks no longer needed.
    void shrink_to(std::size_t count);
    [[nodiscard]] std::size_t chunk_count() const { return chunk_count_; }

    [[nodiscard]] std::uint64_t total_size() const
    {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < range_count_; ++i) {
            total += range(i).size;
        }
        return total;
    }
    [[nodiscard]] ParcelAccess* access_of(std::uint16_t vmid)
    {
        for (std::size_t i = 0; i < acl_count; ++i) {
            if (acl[i].vmid == vmid) {
                return &acl[i];
            }
        }
        return nullptr;
    }
    [[nodiscard]] bool mapped_anywhere() const
    {
        for (std::size_t i = 0; i < acl_count; ++i) {
            if (acl[i].mapped) {
                return true;
            }
        }
        return false;
    }

private:
    friend class ParcelTable;

    RangePool* pool_ = nullptr;  // the table's, set when the slot is allocated
    std::uint16_t chunks_[parcel_max_chunks] = {};
    std::size_t chunk_count_ = 0;
    std::size_t range_count_ = 0;
};

class ParcelTable {
public:
    constexpr ParcelTable() = default;
    // Its parcels point into its own range pool.
    ParcelTable(const ParcelTable&) = delete;
    ParcelTable& operator=(const ParcelTable&) = delete;

    // A free slot with a fresh handle and no ranges, or null.
    [[nodiscard]] Parcel* allocate(std::uint16_t owner);
    // Gives its ranges' chunks back (their extents must be gone) and frees the slot.
    void release(Parcel& parcel);
    [[nodiscard]] Parcel* find(std::uint32_t handle);
    [[nodiscard]] std::size_t count_owned_by(std::uint16_t owner) const;
    [[nodiscard]] std::size_t free_slots() const;
    [[nodiscard]] std::size_t live() const { return max_parcels - free_slots(); }
    // Bytes in all live parcels' ranges, and how many ranges and chunks they hold.
    [[nodiscard]] std::uint64_t bytes_given() const;
    [[nodiscard]] std::size_t ranges_in_use() const;
    [[nodiscard]] std::size_t free_chunks() const { return pool_.free_chunks(); }
    // Whether [ipa, ipa + size) of owner's memory overlaps a range of any parcel.
    [[nodiscard]] bool overlaps(std::uint16_t owner, std::uint64_t ipa, std::uint64_t size) const;
    [[nodiscard]] Parcel& at(std::size_t i) { return parcels_[i]; }

private:
    Parcel parcels_[max_parcels];
    RangePool pool_;
    std::uint32_t next_handle_ = 1;
};

}  // namespace hyp::rm
