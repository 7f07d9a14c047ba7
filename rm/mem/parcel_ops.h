// What parcels do to address spaces (see parcel.h): give each range a memextent (and for
// a lend take it out of the lender's view), map a parcel into a borrower, unmap it, and
// give the ranges back. Every function undoes its own partial work on failure, so a
// refused request changes nothing.
//
// A lend keeps the lender out by donation, not by unmapping: the lender's RAM is a
// child extent (ram_extent, the one mapped into the lender) of a root extent only the RM
// holds (ram_root), so for each range the RM
//   1. makes the range's extent, derived from ram_root over the range;
//   2. memextent_donate(TO_PARENT, ram_extent -> ram_root, range): the lender's mapping
//      stops showing it at once (its span keeps the IPAs, showing nothing there);
//   3. activates the range's extent, which takes the range from ram_root.
// Reclaim deletes the range's extent (the range goes back to ram_root) and donates it
// TO_CHILD again: the lender's mapping shows it by itself. Unlike a partial unmap of the
// lender's mapping, which splits its span and so takes one of the extent's 8 mapping
// slots per hole (the kernel's MemExtent::max_mappings), this costs no slot: a lender can
// have thousands of ranges lent. A share derives from ram_extent and touches nothing of
// the lender's (a parent's mappings keep showing its children's pages).
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/mem/parcel.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

// A lender's RAM as the RM holds it (the primary VM's, mapped 1:1 into it).
struct LenderMemory {
    CapId ram_extent = cap_invalid;  // mapped into the lender: what a share derives from
    CapId addrspace = cap_invalid;
    std::uint64_t ram_base = 0;
    std::uint64_t ram_size = 0;
    CapId ram_root = cap_invalid;    // ram_extent's parent, the RM's own: what a lend derives from
};

struct ParcelContext {
    Hypervisor* hv = nullptr;
    CapId partition = cap_invalid;
    CapId rm_cspace = cap_invalid;
    LenderMemory lender;
};

// The RM error for a hypervisor error met while handling a parcel.
[[nodiscard]] std::uint32_t rm_error_of(Error e);

// Gives ranges [first, range_count()) their extents; on failure undoes them and shrinks
// the parcel back to `first` ranges.
[[nodiscard]] std::uint32_t derive_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first);
// Deletes the extents of ranges [first, range_count()) (giving a lend's back to the
// lender) and shrinks the parcel to `first` ranges. Returns how many calls failed.
std::size_t undo_ranges(const ParcelContext& ctx, Parcel& parcel, std::size_t first);

// Maps the parcel's ranges back to back from ipa into addrspace with access's rights.
[[nodiscard]] std::uint32_t map_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access, CapId addrspace,
                                       std::uint64_t ipa);
// Unmaps it again (if mapped), range by range. Returns how many calls failed.
std::size_t unmap_parcel(Hypervisor& hv, Parcel& parcel, ParcelAccess& access);

}  // namespace hyp::rm
