// Partitions own memory and the objects made from it. A partition's RAM is listed in
// the memdb as owned by it; its page allocator says which of those pages are in use
// (for objects, cspace slots, page tables). Objects created in a partition are freed
// back to it when their last reference goes.
//
//   memdb:     [ partition P owns 0x4100_0000 .. 0x8000_0000 ]
//   allocator:  [meta][obj][obj][ free ........................ ]
//
// Physical memory is reached through identity addresses: the EL2 map is VA = PA, and
// the host tests give partitions memory from an arena at its own address.
#pragma once

#include <cstddef>
#include <new>
#include <utility>

#include "support/addr.h"
#include "support/list.h"
#include "support/result.h"
#include "kernel/mem/memdb.h"
#include "kernel/mem/page_allocator.h"
#include "kernel/object/object.h"

namespace hyp {

class Partition final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::partition;

    // `memdb` is the system's ownership database; `parent` null only for the root.
    Partition(mem::Memdb& memdb, Partition* parent, ObjectDestroyer destroyer);
    // A child partition's memory goes back to its parent. Nothing of it can be in use:
    // every object made in it holds a reference on it.
    ~Partition();

    [[nodiscard]] Partition* parent() const { return parent_; }
    [[nodiscard]] mem::Owner owner() const { return mem::Owner::partition(this); }

    // Takes `range` from `from` in the memdb and makes its pages allocatable. The first
    // pages of the range hold the allocator's bookkeeping for it. All or nothing.
    [[nodiscard]] Status add_memory(PhysRange range, mem::Owner from);
    // As add_memory, but the range's contents are kept: its bookkeeping is allocated from
    // the partition's other memory, so every page of the range becomes allocatable as
    // it is. For boot modules, which the root partition takes over with what the boot
    // loader put in them (a memory extent over the range claims them next). Root
    // partition only (denied otherwise): a child's ranges go back to its parent whole.
    [[nodiscard]] Status add_memory_in_place(PhysRange range, mem::Owner from);

    // Device memory (MMIO) the partition holds: in the memdb under device_owner(), never
    // in the allocator, so no object is ever made of it; only memory extents of memtype
    // device take it. Root partition only (denied otherwise): the device ranges boot
    // code found (platform/dt/vm_device_memory.h), page aligned.
    [[nodiscard]] mem::Owner device_owner() const { return mem::Owner::partition_devices(this); }
    [[nodiscard]] Status add_device_memory(PhysRange range, mem::Owner from);

    // What give() moved: RAM (claimed in the allocator) or device memory.
    enum class Given : bool { ram, device };
    // Moves `range` of the partition's memory to `to` (a memory extent). It must all be
    // one kind: free RAM, which is claimed in the allocator, or device memory when
    // `device_ok`. Errors: memdb_not_owner (not all held by the partition as one kind,
    // or device memory without `device_ok`), busy (RAM in it allocated), and the memdb's
    // own (addr_inval for untracked addresses).
    [[nodiscard]] Result<Given> give(PhysRange range, mem::Owner to, bool device_ok);
    // The reverse: `range`, which `from` holds whole, back as what it was given as.
    // Cannot fail (the memdb transfer only merges records).
    void take_back(PhysRange range, mem::Owner from, Given kind);

    [[nodiscard]] Result<PhysAddr> allocate_pages(std::size_t pages, std::uint64_t alignment = 4096);
    void free_pages(PhysAddr base, std::size_t pages);

    [[nodiscard]] std::uint64_t free_bytes() const { return allocator_.free_bytes(); }
    [[nodiscard]] std::uint64_t total_bytes() const { return allocator_.total_bytes(); }
    [[nodiscard]] mem::PageAllocator& allocator() { return allocator_; }
    [[nodiscard]] mem::Memdb& memdb() { return memdb_; }

    // Allocates and constructs a T from this partition's memory: T(args..., destroyer),
    // where the destroyer returns the memory to this partition.
    template <typename T, typename... Args>
    [[nodiscard]] Result<T*> create(Args&&... args)
    {
        Result<PhysAddr> memory = allocate_pages(pages_for(sizeof(T)));
        if (!memory) {
            return fail(memory.error());
        }
        retain();  // an object keeps its partition alive
        T* object = new (to_pointer(*memory)) T(std::forward<Args>(args)..., &destroy_object<T>);
        object->set_home(this);
        return object;
    }

    [[nodiscard]] static constexpr std::size_t pages_for(std::size_t bytes) { return (bytes + 4095) / 4096; }
    [[nodiscard]] static void* to_pointer(PhysAddr pa) { return reinterpret_cast<void*>(static_cast<std::uintptr_t>(pa.raw())); }
    [[nodiscard]] static PhysAddr to_phys(const void* p) { return PhysAddr{reinterpret_cast<std::uintptr_t>(p)}; }

    // The partition an object created by create() lives in.
    [[nodiscard]] static Partition* of(const Object& object) { return static_cast<Partition*>(object.home()); }

    // Moves `pages` of this partition's free memory to `child` (a partition created in
    // this one), where they become allocatable.
    [[nodiscard]] Status give_to_child(Partition& child, std::size_t pages);

    // Gives every range back to the parent (the memdb and the parent's allocator). Only
    // when nothing is allocated from it any more: its objects hold references on it, so
    // its destroyer runs only then.
    [[nodiscard]] Status return_memory_to_parent();

private:
    template <typename T>
    static void destroy_object(Object& object)
    {
        Partition* home = of(object);
        T* typed = static_cast<T*>(&object);
        typed->~T();
        home->free_pages(to_phys(typed), pages_for(sizeof(T)));
        home->put();
    }

    // Written at the start of each range given to the partition: the allocator's record
    // of it and the whole range, so that it can be handed back.
    struct RangeHeader {
        ListNode node;
        PhysRange whole;
        mem::PageAllocator::Region region;
    };

    // Makes a range this partition already owns in the memdb allocatable.
    [[nodiscard]] Status adopt(PhysRange range);
    [[nodiscard]] static std::uint64_t* header_bits(RangeHeader& header);

    mem::Memdb& memdb_;
    Partition* parent_;
    mem::PageAllocator allocator_;
    IntrusiveList<RangeHeader, &RangeHeader::node> ranges_;
};

}  // namespace hyp
