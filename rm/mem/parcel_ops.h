// What parcels do to address spaces (see parcel.h): derive a memextent per range from
// the lender's RAM extent (and for a lend unmap it from the lender), map a parcel into a
// borrower, unmap it, and give the ranges back. Every function undoes its own partial
// work on failure, so a refused request changes nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/mem/parcel.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

// A lender's RAM as the RM holds it: one extent mapped 1:1 (the primary VM's).
struct LenderMemory {
    CapId ram_extent = cap_invalid;
    CapId addrspace = cap_invalid;
    std::uint64_t ram_base = 0;
    std::uint64_t ram_size = 0;
};

struct ParcelContext {
    Hypervisor* hv = nullptr;
    CapId partition = cap_invalid;
    CapId rm_cspace = cap_invalid;
    LenderMemory lender;
};

// The RM error for a hypervisor error met while handling a parcel.
[[nodiscard]] std::uint32_t rm_error_of(Error e);

// Gives ranges [first, range_count) their extents; on failure undoes them and sets
// range_count back to first.
[[nodiscard]] std::uint32_t derive_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first);
// Deletes the extents of ranges [first, range_count) (mapping them back into the lender
// for a lend) and sets range_count to first. Returns how many calls failed.
std::size_t undo_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first);

// Maps the parcel's ranges back to back from ipa into addrspace with access's rights.
[[nodiscard]] std::uint32_t map_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access, CapId addrspace,
                                       std::uint64_t ipa);
// Unmaps it again (if mapped). Returns how many calls failed.
std::size_t unmap_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access);

}  // namespace hyp::rm
