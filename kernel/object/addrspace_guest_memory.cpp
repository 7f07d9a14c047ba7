// A VM's memory through its stage 2 (see addrspace_guest_memory.h).
#include "kernel/object/addrspace_guest_memory.h"

#include <cstring>

#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint64_t page = 4096;

enum class Direction : std::uint8_t { from_guest, to_guest };

// Whether the leaf that maps `ipa` lets the kernel copy in `direction` on the VM's behalf.
[[nodiscard]] bool copyable(const mem::Stage2Mapping& m, Direction direction)
{
    std::uint8_t needed = direction == Direction::from_guest ? mem::stage2_access_r : mem::stage2_access_w;
    return mem::has_right(m.attrs.access, needed) && !mem::is_device(m.attrs.type);
}

// Calls `step(pa, offset, length)` for each piece of [ipa, ipa + size) that stays within
// one page, once every piece has been found copyable. Under the address space's lock.
template <typename Step>
Status for_each_piece(const LockGuard&, const mem::Stage2Table& table, Ipa ipa, std::size_t size, Direction direction,
                      Step step)
{
    if (size == 0) {
        return success();
    }
    const std::uint64_t first = ipa.raw();
    if (!table.ready() || first + (size - 1) < first) {
        return fail(Error::addr_inval);
    }
    // Twice: every page checked, then every page copied, so a refusal copies nothing.
    for (bool copy : {false, true}) {
        for (std::uint64_t done = 0; done < size;) {
            const std::uint64_t at = first + done;
            const std::uint64_t to_page_end = page - (at % page);
            const std::uint64_t length = size - done < to_page_end ? size - done : to_page_end;
            Result<mem::Stage2Mapping> m = table.lookup(Ipa{at});
            if (!m || !copyable(*m, direction)) {
                return fail(Error::addr_inval);  // the first pass stops here; the second never does
            }
            if (copy) {
                step(m->pa, done, length);
            }
            done += length;
        }
    }
    return success();
}

}  // namespace

Status copy_from_guest(const AddrSpace& as, void* kernel, Ipa ipa, std::size_t size)
{
    LockGuard held{as.lock};
    return for_each_piece(held, as.stage2(), ipa, size, Direction::from_guest,
                          [&](PhysAddr pa, std::uint64_t offset, std::uint64_t length) {
                              std::memcpy(static_cast<char*>(kernel) + offset, Partition::to_pointer(pa), length);
                          });
}

Status copy_to_guest(const AddrSpace& as, Ipa ipa, const void* kernel, std::size_t size)
{
    LockGuard held{as.lock};
    return for_each_piece(held, as.stage2(), ipa, size, Direction::to_guest,
                          [&](PhysAddr pa, std::uint64_t offset, std::uint64_t length) {
                              std::memcpy(Partition::to_pointer(pa), static_cast<const char*>(kernel) + offset, length);
                          });
}

bool AddrSpaceGuestMemory::is_executable_ram(Ipa ipa) const
{
    Result<mem::Stage2Mapping> m = as_.translate(ipa);
    return m.ok() && mem::has_right(m->attrs.access, mem::stage2_access_x) && !mem::is_device(m->attrs.type);
}

bool AddrSpaceGuestMemory::is_mapped(Ipa ipa) const
{
    return as_.translate(ipa).ok();
}

}  // namespace hyp
