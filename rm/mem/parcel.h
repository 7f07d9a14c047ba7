// Memory parcels: ranges of a lender VM's RAM that it lends or shares with other VMs
// (MEM_LEND / MEM_SHARE, more ranges with MEM_APPEND), named by a handle. Each range is
// a memextent the RM derives from the lender's RAM extent (memextent_configure_derive),
// with its cap in the RM's cspace; a lend also unmaps the range from the lender. A
// borrower gets the parcel mapped when its VM is built from it (VM_CONFIG_IMAGE +
// VM_INIT) or when it accepts it (MEM_ACCEPT); MEM_RECLAIM gives it back to the lender
// once no borrower has it mapped. A fixed pool (no heap); a slot comes back on reclaim.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

inline constexpr std::size_t max_parcels = 64;           // in all, and per lender
inline constexpr std::size_t parcel_max_ranges = 16;     // after all appends
inline constexpr std::size_t parcel_max_acl = 4;         // borrowers (and the lender, for a share)

struct ParcelRange {
    std::uint64_t ipa = 0;   // in the lender's address space (= physical for the primary VM)
    std::uint64_t size = 0;
    CapId extent = cap_invalid;
};

struct ParcelAccess {
    std::uint16_t vmid = 0;
    std::uint8_t rights = 0;        // GUNYAH_RM_ACL_*
    bool mapped = false;            // in vmid's address space now
    CapId addrspace = cap_invalid;  // ... this one
    std::uint64_t ipa = 0;          // ... from here, the ranges back to back
};

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
    ParcelRange ranges[parcel_max_ranges] = {};
    std::size_t range_count = 0;

    [[nodiscard]] std::uint64_t total_size() const
    {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < range_count; ++i) {
            total += ranges[i].size;
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
};

class ParcelTable {
public:
    constexpr ParcelTable() = default;

    // A free slot with a fresh handle, or null.
    [[nodiscard]] Parcel* allocate(std::uint16_t owner);
    void release(Parcel& parcel) { parcel = Parcel{}; }
    [[nodiscard]] Parcel* find(std::uint32_t handle);
    [[nodiscard]] std::size_t count_owned_by(std::uint16_t owner) const;
    [[nodiscard]] std::size_t free_slots() const;
    // Whether [ipa, ipa + size) of owner's memory overlaps a range of any parcel.
    [[nodiscard]] bool overlaps(std::uint16_t owner, std::uint64_t ipa, std::uint64_t size) const;
    [[nodiscard]] Parcel& at(std::size_t i) { return parcels_[i]; }

private:
    Parcel parcels_[max_parcels];
    std::uint32_t next_handle_ = 1;
};

}  // namespace hyp::rm
