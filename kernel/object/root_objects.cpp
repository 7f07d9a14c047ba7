// Creating the root objects at cold boot (see root_objects.h).
#include "kernel/object/root_objects.h"

#include <new>

#include "hyp_api/gunyah_rights.h"
#include "support/range_pieces.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"

namespace hyp {
namespace {

// The RM's parcels (rm/mem/parcel.h) hold up to 8192 ranges, each a memextent whose cap
// is in the root cspace and which splits its lender's memdb record in three when it lies
// inside it (two records more per range). The rest of both: RAM banks, the hypervisor's
// pieces, partitions and other extents; the RM's own objects and its VMs' (a few hundred
// caps). 17408 records x 32 bytes = 544 KiB here; 9216 cap slots x 56 bytes = 504 KiB
// from the root partition.
constexpr std::size_t rm_parcel_ranges = 8192;
constexpr std::size_t memdb_records = 1024 + 2 * rm_parcel_ranges;
constexpr std::uint32_t root_cspace_caps = 1024 + rm_parcel_ranges;
static_assert(root_cspace_caps <= max_cspace_slots);
constexpr std::uint64_t page = 4096;
constexpr std::uint64_t mib = 1024 * 1024;

constinit mem::Memdb::Record memdb_storage[memdb_records];
constinit mem::Memdb memdb;
alignas(Partition) constinit unsigned char root_partition_storage[sizeof(Partition)];
constinit RootObjects roots;

// The root partition and cspace live for ever: nothing destroys them.
void never_destroyed(Object& object)
{
    HYP_PANIC("root {} lost its last reference", object_type_name(object.type()));
}

PhysRange page_aligned_inside(PhysRange r)
{
    PhysAddr first = r.base.align_up(page);
    PhysAddr last = r.end().align_down(page);
    return last > first ? PhysRange{first, last - first} : PhysRange{};
}

PhysRange page_aligned_around(PhysRange r)
{
    PhysAddr first = r.base.align_down(page);
    PhysAddr last = r.end().align_up(page);
    return PhysRange{first, last - first};
}

}  // namespace

Result<RootObjects> create_root_objects(const BootRam& boot_ram, const BootDeviceMemory& devices, const PhysRange* kept,
                                        std::size_t kept_count)
{
    if (Result<mem::Memdb::Record*> s = memdb.set_storage(memdb_storage, memdb_records); !s) {
        return fail(s.error());
    }
    // Every byte of RAM starts as the hypervisor's: reserved regions stay so.
    for (std::size_t i = 0; i < boot_ram.ram_count; ++i) {
        PhysRange ram = page_aligned_inside(boot_ram.ram[i]);
        if (Status s = memdb.insert(ram, mem::Owner::hypervisor()); !s) {
            log::error("hyp: memdb: cannot track RAM {:#x} size {:#x}: {}", ram.base, ram.size, s.error());
            return fail(s.error());
        }
    }

    auto* partition = new (root_partition_storage) Partition(memdb, nullptr, never_destroyed);
    partition->retain();
    for (std::size_t i = 0; i < devices.count; ++i) {
        const PhysRange range = devices.ranges[i];
        Status s = memdb.insert(range, mem::Owner::hypervisor());
        if (s) {
            s = partition->add_device_memory(range, mem::Owner::hypervisor());
        }
        if (!s) {
            log::error("hyp: memdb: cannot track device memory {:#x} size {:#x}: {}", range.base, range.size,
                       s.error());
            return fail(s.error());
        }
    }

    PhysRange holes[16];
    std::size_t hole_count = 0;
    for (std::size_t i = 0; i < kept_count && hole_count < 16; ++i) {
        holes[hole_count++] = page_aligned_around(kept[i]);
    }
    // A piece that starts where a kept range ends (the image, the DT, a boot module) keeps
    // its bookkeeping elsewhere, taken from the pieces added first: a boot module given
    // back later then has free pages right after it, and the resource manager can run it
    // in place inside a VM's RAM (one memory extent over the module and its surroundings)
    // instead of copying it. A piece with nowhere else to put it holds its own.
    auto touches_kept = [&](PhysRange piece) {
        for (std::size_t i = 0; i < hole_count; ++i) {
            if (holes[i].end() == piece.base) {
                return true;
            }
        }
        return false;
    };
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t u = 0; u < boot_ram.usable_count; ++u) {
            const PhysRange usable = boot_ram.usable[u];
            Status s = for_each_piece(page_aligned_inside(usable), holes, hole_count, [&](PhysRange piece) -> Status {
                if (piece.size < 2 * page) {
                    return success();  // too small to hold its bookkeeping and a page: stays the hypervisor's
                }
                if (touches_kept(piece) != (pass == 1)) {
                    return success();  // the other pass's
                }
                if (pass == 1 && partition->free_bytes() != 0) {
                    if (partition->add_memory_in_place(piece, mem::Owner::hypervisor())) {
                        return success();
                    }
                }
                return partition->add_memory(piece, mem::Owner::hypervisor());
            });
            if (!s) {
                log::error("hyp: root partition: cannot take RAM at {:#x}: {}", usable.base, s.error());
                return fail(s.error());
            }
        }
    }

    // The root cspace, made from the root partition's memory like any other.
    std::size_t slot_pages = Partition::pages_for(root_cspace_caps * sizeof(CapSlot));
    Result<PhysAddr> slots = partition->allocate_pages(slot_pages);
    if (!slots) {
        return fail(slots.error());
    }
    Result<CSpace*> cspace = partition->create<CSpace>();
    if (!cspace) {
        return fail(cspace.error());
    }
    (*cspace)->retain();
    if (Status s = (*cspace)->configure(root_cspace_caps); !s) {
        return fail(s.error());
    }
    if (Status s = (*cspace)->activate(static_cast<CapSlot*>(Partition::to_pointer(*slots))); !s) {
        return fail(s.error());
    }
    partition->mark_active();

    roots.memdb = &memdb;
    roots.partition = partition;
    roots.cspace = *cspace;
    Result<CapId> pcap = roots.cspace->insert_root(*partition, GUNYAH_RIGHTS_PARTITION_ALL);
    Result<CapId> ccap = roots.cspace->insert_root(*roots.cspace, GUNYAH_RIGHTS_CSPACE_ALL);
    if (!pcap || !ccap) {
        return fail(Error::cspace_full);
    }
    roots.partition_cap = *pcap;
    roots.cspace_cap = *ccap;

    if (mem::MemdbCheck check = memdb.check(); !check) {
        log::error("hyp: memdb inconsistent after boot: {} (record {})", check.problem, check.index);
        return fail(Error::arg_inval);
    }
    log::info("hyp: memdb: {} MiB tracked in {} records; hypervisor keeps {} KiB, root partition owns {} MiB "
              "({} MiB free) and {} MiB of device memory in {} ranges",
              memdb.tracked_bytes() / mib, memdb.records(), memdb.bytes_owned(mem::Owner::hypervisor()) / 1024,
              memdb.bytes_owned(partition->owner()) / mib, partition->free_bytes() / mib,
              memdb.bytes_owned(partition->device_owner()) / mib, devices.count);
    return roots;
}

const RootObjects& root_objects() { return roots; }

}  // namespace hyp
