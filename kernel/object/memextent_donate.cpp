// memextent_donate (see memextent.h): held memory moving between a parent (extent or
// partition) and a child, or between two children of one parent, with the mappings
// following the family it joins and leaves.
//
// Every donation runs in the same order, so that it is all or nothing:
//   1. the memdb transfer (and, with a partition, the allocator): checks ownership;
//      undone by the reverse transfer, which only merges records and so cannot fail;
//   2. the receiver's mappings show the pages: can fail (table pages), undone by unmaps;
//   3. the giver's mappings stop showing them: unmaps, which never fail.
#include "kernel/core/panic.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"

namespace hyp {

struct ExtentDonation {
    static constexpr std::uint64_t page = mem::PageAllocator::page_size;

    // The checks every kind shares (Gunyah's order), relative to extent `e`.
    static Result<PhysRun> range_in(const MemExtent& e, std::uint64_t offset, std::uint64_t size)
    {
        if ((offset & (page - 1)) != 0 || (size & (page - 1)) != 0) {
            return fail(Error::arg_align);
        }
        const std::uint64_t base = e.range_.base.raw();
        if (base + offset < base) {
            return fail(Error::arg_inval);
        }
        const std::uint64_t phys = base + offset;
        if (size == 0 || phys + (size - 1) < phys) {
            return fail(Error::arg_size);
        }
        if (offset >= e.range_.size || size > e.range_.size - offset) {
            return fail(Error::arg_inval);
        }
        return PhysRun{phys, phys + size};
    }

    [[nodiscard]] static PhysRange range_of(PhysRun run) { return PhysRange{PhysAddr{run.base}, run.size()}; }

    // Partition -> root extent; the extent's lock is held.
    static Status from_partition(Partition& partition, MemExtent& child, PhysRun run)
    {
        const PhysRange range = range_of(run);
        Result<Partition::Given> given = partition.give(range, child.owner(), child.device_memory_);
        if (!given) {
            return fail(memdb_error(given.error()));
        }
        if (Status s = ExtentMappings::show(child, run); !s) {
            partition.take_back(range, child.owner(), *given);
            return s;
        }
        return success();
    }

    // Root extent -> partition; the extent's lock is held.
    static Status to_partition(MemExtent& child, Partition& partition, PhysRun run)
    {
        const PhysRange range = range_of(run);
        const bool device = child.device_memory_;
        if (Status s = partition.memdb().transfer(range, child.owner(),
                                                  device ? partition.device_owner() : partition.owner());
            !s) {
            return fail(memdb_error(s.error()));
        }
        // Still allocated in the partition until it is unmapped: nobody can take it yet.
        ExtentMappings::hide(child, run);
        if (!device) {
            HYP_ASSERT(partition.allocator().free(range.base, range.size / page).ok());
        }
        return success();
    }

    // Extent -> extent; both locks are held. `show`: the receiver's family gains the
    // pages (not when it is the giver's parent); `hide`: the giver's family loses them
    // (not when the receiver is the giver's child).
    static Status move(MemExtent& giver, MemExtent& receiver, PhysRun run, bool show, bool hide)
    {
        const PhysRange range = range_of(run);
        mem::Memdb& memdb = giver.memdb();
        if (Status s = memdb.transfer(range, giver.owner(), receiver.owner()); !s) {
            return fail(memdb_error(s.error()));
        }
        if (show) {
            if (Status s = ExtentMappings::show(receiver, run); !s) {
                HYP_ASSERT(memdb.transfer(range, receiver.owner(), giver.owner()).ok());
                return s;
            }
        }
        if (hide) {
            ExtentMappings::hide(giver, run);
        }
        return success();
    }

    static Status donate(Object& parent, MemExtent& child, std::uint64_t offset, std::uint64_t size, bool to_parent)
    {
        if (child.state() != ObjectState::active) {
            return fail(Error::object_state);
        }
        // Active: parent_ is final.
        if (child.parent_ != nullptr) {
            MemExtent* extent = object_as<MemExtent>(&parent);
            if (extent != child.parent_) {
                return fail(Error::arg_inval);
            }
            Result<PhysRun> run = range_in(child, offset, size);
            if (!run) {
                return fail(run.error());
            }
            Locked<MemExtent> locked_parent{*extent};
            Locked<MemExtent> locked_child{child};
            return to_parent ? move(child, *extent, *run, false, true) : move(*extent, child, *run, true, false);
        }
        Partition* partition = object_as<Partition>(&parent);
        if (partition == nullptr || partition != Partition::of(child)) {
            return fail(Error::arg_inval);
        }
        Result<PhysRun> run = range_in(child, offset, size);
        if (!run) {
            return fail(run.error());
        }
        Locked<MemExtent> locked_child{child};
        return to_parent ? to_partition(child, *partition, *run) : from_partition(*partition, child, *run);
    }

    static Status sibling(MemExtent& from, MemExtent& to, std::uint64_t offset, std::uint64_t size)
    {
        if (from.state() != ObjectState::active || to.state() != ObjectState::active) {
            return fail(Error::object_state);
        }
        if (&from == &to || from.parent_ == nullptr || from.parent_ != to.parent_) {
            return fail(Error::arg_inval);
        }
        Result<PhysRun> run = range_in(from, offset, size);
        if (!run) {
            return fail(run.error());
        }
        if (run->base < to.range_.base.raw() || run->end > to.range_.end().raw()) {
            return fail(Error::arg_inval);
        }
        MemExtent& first = &from < &to ? from : to;
        MemExtent& second = &from < &to ? to : from;
        Locked<MemExtent> locked_first{first};
        Locked<MemExtent> locked_second{second};
        return move(from, to, *run, true, true);
    }
};

Status donate_to_child(Object& parent, MemExtent& child, std::uint64_t offset, std::uint64_t size)
{
    return ExtentDonation::donate(parent, child, offset, size, false);
}

Status donate_to_parent(MemExtent& child, Object& parent, std::uint64_t offset, std::uint64_t size)
{
    return ExtentDonation::donate(parent, child, offset, size, true);
}

Status donate_to_sibling(MemExtent& from, MemExtent& to, std::uint64_t offset, std::uint64_t size)
{
    return ExtentDonation::sibling(from, to, offset, size);
}

}  // namespace hyp
