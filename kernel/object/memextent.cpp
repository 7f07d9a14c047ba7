// Memory extents: configuration, activation, deletion and memextent_modify's range
// operations (see memextent.h). Donation is in memextent_donate.cpp, the mappings in
// addrspace_mappings.cpp and addrspace_follow.cpp.
#include "kernel/object/memextent.h"

#include <arch/cache.h>

#include "hyp_api/gunyah_memory.h"
#include "kernel/core/panic.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint64_t page = mem::PageAllocator::page_size;

[[nodiscard]] bool page_aligned(std::uint64_t value) { return (value & (page - 1)) == 0; }

}  // namespace

// Gunyah's memdb errors for "not RAM" and "someone else's".
Error memdb_error(Error e)
{
    switch (e) {
    case Error::addr_inval: return Error::memdb_empty;
    case Error::denied: return Error::memdb_not_owner;
    default: return e;
    }
}

Result<ExtentAttrs> decode_extent_attrs(std::uint64_t word)
{
    if ((word & ~std::uint64_t{GUNYAH_MEMEXTENT_ATTRS_VALID_MASK}) != 0 ||
        (word & GUNYAH_MEMEXTENT_ATTRS_APPEND) != 0) {
        return fail(Error::arg_inval);
    }
    const auto type = static_cast<std::uint32_t>((word & GUNYAH_MEMEXTENT_ATTRS_TYPE_MASK) >>
                                                 GUNYAH_MEMEXTENT_ATTRS_TYPE_SHIFT);
    if (type == GUNYAH_MEMEXTENT_TYPE_SPARSE) {
        return fail(Error::memextent_type);
    }
    if (type != GUNYAH_MEMEXTENT_TYPE_BASIC) {
        return fail(Error::arg_inval);
    }
    ExtentAttrs attrs;
    attrs.access = static_cast<std::uint8_t>(word & GUNYAH_MEMEXTENT_ATTRS_ACCESS_MASK);
    attrs.memtype = static_cast<ExtentMemType>((word & GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_MASK) >>
                                               GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_SHIFT);
    if (attrs.access == 0) {
        return fail(Error::arg_inval);
    }
    return attrs;
}

bool memtype_allows(ExtentMemType memtype, mem::Stage2MemType type)
{
    if (!mem::is_valid(type)) {
        return false;
    }
    const auto raw = static_cast<unsigned>(type);
    switch (memtype) {
    case ExtentMemType::any: return true;
    case ExtentMemType::device: return mem::is_device(type);
    case ExtentMemType::uncached: return mem::is_device(type) || type == mem::Stage2MemType::normal_nc;
    case ExtentMemType::cached:
        // Normal, outer [3:2] and inner [1:0] both write-through (0b10) or write-back (0b11).
        return !mem::is_device(type) && (raw >> 2) >= 2 && (raw & 3) >= 2;
    }
    return false;
}

MemExtent::MemExtent(ObjectDestroyer destroyer) : Object{ObjectType::memextent, destroyer}
{
    for (Mapping& slot : slots_) {
        slot.extent = this;
    }
}

MemExtent::~MemExtent()
{
    // No caps and no children are left (children hold references), so nothing can find
    // this extent but the address spaces its slots name; they synchronise on `lock`.
    if (activated_) {
        if (parent_ != nullptr) {
            Locked<MemExtent> parent{*parent_};
            {
                Locked<MemExtent> self{*this};
                ExtentMappings::remove_all(*this);
                return_memory();
            }
            --parent->children_;
        } else {
            Locked<MemExtent> self{*this};
            ExtentMappings::remove_all(*this);
            return_memory();
        }
    }
    if (parent_ != nullptr) {
        parent_->put();
    }
}

mem::Memdb& MemExtent::memdb() const { return Partition::of(*this)->memdb(); }

Status MemExtent::configure(std::uint64_t phys_base, std::uint64_t size, std::uint64_t attrs)
{
    MemExtent* old_parent = nullptr;
    {
        LockGuard held{lock};
        if (state() != ObjectState::init) {
            return fail(Error::object_state);
        }
        if (size == 0 || phys_base + (size - 1) < phys_base) {
            return fail(Error::arg_inval);
        }
        if (!page_aligned(phys_base) || !page_aligned(size)) {
            return fail(Error::arg_align);
        }
        Result<ExtentAttrs> decoded = decode_extent_attrs(attrs);
        if (!decoded) {
            return fail(decoded.error());
        }
        range_ = PhysRange{PhysAddr{phys_base}, size};
        access_ = decoded->access;
        memtype_ = decoded->memtype;
        old_parent = parent_;
        parent_ = nullptr;
    }
    if (old_parent != nullptr) {
        old_parent->put();  // outside our lock: it may be the last reference
    }
    return success();
}

Status MemExtent::configure_derive(MemExtent& parent, std::uint64_t offset, std::uint64_t size,
                                   std::uint64_t attrs)
{
    // Active is final until the last reference goes, and the caller holds one. An extent
    // in init (this one, for instance) can be no one's parent.
    if (parent.state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    // Nor can an active extent be its own (and locking it twice would deadlock).
    if (&parent == this) {
        return fail(Error::arg_inval);
    }
    MemExtent* old_parent = nullptr;
    {
        Locked<MemExtent> locked_parent{parent};
        LockGuard held{lock};
        if (state() != ObjectState::init) {
            return fail(Error::object_state);
        }
        if (size == 0 || offset + (size - 1) < offset) {
            return fail(Error::arg_inval);
        }
        if (offset >= parent.range_.size || size > parent.range_.size - offset) {
            return fail(Error::addr_inval);
        }
        if (!page_aligned(offset) || !page_aligned(size)) {
            return fail(Error::arg_align);
        }
        Result<ExtentAttrs> decoded = decode_extent_attrs(attrs);
        if (!decoded) {
            return fail(decoded.error());
        }
        if ((decoded->access & ~parent.access_) != 0) {
            return fail(Error::arg_inval);
        }
        if (parent.memtype_ != ExtentMemType::any && parent.memtype_ != decoded->memtype) {
            return fail(Error::arg_inval);
        }
        parent.retain();
        old_parent = parent_;
        parent_ = &parent;
        range_ = PhysRange{parent.range_.base + offset, size};
        access_ = decoded->access;
        memtype_ = decoded->memtype;
    }
    if (old_parent != nullptr) {
        old_parent->put();
    }
    return success();
}

Status MemExtent::activate()
{
    // The parent is locked before the child. parent_ can change only in init, under our
    // lock, so it is read, the parent locked, and the choice checked again.
    for (;;) {
        MemExtent* parent = nullptr;
        {
            LockGuard held{lock};
            if (state() != ObjectState::init) {
                return fail(Error::object_state);
            }
            if (!configured()) {
                return fail(Error::object_config);
            }
            parent = parent_;
            if (parent != nullptr) {
                parent->retain();  // keeps it while we are not holding our lock
            }
        }
        Status result = success();
        bool settled = true;
        if (parent != nullptr) {
            Locked<MemExtent> locked_parent{*parent};
            LockGuard held{lock};
            if (parent_ != parent || state() != ObjectState::init) {
                settled = false;  // reconfigured meanwhile: look again
            } else if (Status s = memdb().transfer(range_, parent->owner(), owner()); !s) {
                result = fail(memdb_error(s.error()));
            } else {
                ++parent->children_;
                activated_ = true;
                mark_active();
            }
        } else {
            LockGuard held{lock};
            if (parent_ != nullptr || state() != ObjectState::init) {
                settled = false;
            } else {
                // Device memory only for an extent that maps it as such: a Normal
                // mapping of MMIO would let the CPU read devices speculatively.
                Partition& home = *Partition::of(*this);
                Result<Partition::Given> given = home.give(range_, owner(), memtype_ == ExtentMemType::device);
                if (!given) {
                    result = fail(memdb_error(given.error()));
                } else {
                    device_memory_ = *given == Partition::Given::device;
                    activated_ = true;
                    mark_active();
                }
            }
        }
        if (parent != nullptr) {
            parent->put();  // our own reference (parent_'s stays)
        }
        if (settled) {
            return result;
        }
    }
}

std::size_t MemExtent::children() const
{
    LockGuard held{lock};
    return children_;
}

std::size_t MemExtent::mapping_count() const
{
    LockGuard held{lock};
    std::size_t n = 0;
    for (const Mapping& slot : slots_) {
        n += slot.as != nullptr ? 1 : 0;
    }
    return n;
}

bool MemExtent::in_family(const MemExtent* holder) const
{
    for (; holder != nullptr; holder = holder->parent_) {
        if (holder == this) {
            return true;
        }
    }
    return false;
}

PhysRun MemExtent::next_held_run(std::uint64_t from, std::uint64_t end, bool family) const
{
    PhysRun run{from, from};
    bool done = false;
    // The ancestry walk happens inside the memdb's lock: a holder found there still holds
    // memory, so its destructor (which gives the memory back first) has not finished,
    // and each extent holds a reference on its parent, so the whole chain is alive.
    memdb().for_each([&](const mem::OwnedRange& record) {
        const std::uint64_t base = record.range.base.raw();
        const std::uint64_t record_end = record.range.end().raw();
        if (done || record_end <= from) {
            return;
        }
        if (base >= end) {
            done = true;
            return;
        }
        const bool held = record.owner.kind == mem::OwnerKind::memextent &&
                          (record.owner.object == this ||
                           (family && in_family(static_cast<const MemExtent*>(record.owner.object))));
        if (run.empty()) {
            if (held) {
                run.base = base > from ? base : from;
                run.end = record_end < end ? record_end : end;
            }
        } else if (held && base == run.end) {
            run.end = record_end < end ? record_end : end;
        } else {
            done = true;
        }
    });
    return run;
}

std::uint64_t MemExtent::bytes_held() const
{
    std::uint64_t bytes = 0;
    const std::uint64_t end = range_.end().raw();
    for (std::uint64_t cursor = range_.base.raw(); cursor < end;) {
        PhysRun run = next_held_run(cursor, end, false);
        if (run.empty()) {
            break;
        }
        bytes += run.size();
        cursor = run.end;
    }
    return bytes;
}

void MemExtent::return_memory()
{
    Partition& home = *Partition::of(*this);
    const std::uint64_t end = range_.end().raw();
    for (std::uint64_t cursor = range_.base.raw(); cursor < end;) {
        PhysRun run = next_held_run(cursor, end, false);
        if (run.empty()) {
            break;
        }
        // A whole record of ours (we hold nothing outside our bounds) moving to one
        // owner only merges records, so this cannot run out of room.
        PhysRange range{PhysAddr{run.base}, run.size()};
        if (parent_ == nullptr) {
            home.take_back(range, owner(), device_memory_ ? Partition::Given::device : Partition::Given::ram);
        } else {
            HYP_ASSERT(memdb().transfer(range, owner(), parent_->owner()).ok());
        }
        cursor = run.end;
    }
}

void MemExtent::unmap_all()
{
    Locked<MemExtent> self{*this};
    ExtentMappings::remove_all(*this);
}

Status MemExtent::zero_range(std::uint64_t offset, std::uint64_t size) { return maintain_range(offset, size, Op::zero); }

Status MemExtent::cache_clean_range(std::uint64_t offset, std::uint64_t size)
{
    return maintain_range(offset, size, Op::clean);
}

Status MemExtent::cache_flush_range(std::uint64_t offset, std::uint64_t size)
{
    return maintain_range(offset, size, Op::flush);
}

Status MemExtent::maintain_range(std::uint64_t offset, std::uint64_t size, Op op)
{
    if (memtype_ == ExtentMemType::device || (access_ & GUNYAH_ACCESS_W) == 0) {
        return fail(Error::denied);
    }
    if (!page_aligned(offset) || !page_aligned(size)) {
        return fail(Error::arg_align);
    }
    const std::uint64_t base = range_.base.raw();
    if (base + offset < base) {
        return fail(Error::arg_inval);
    }
    const std::uint64_t phys = base + offset;
    if (size == 0 || phys + (size - 1) < phys) {
        return fail(Error::arg_size);
    }
    if (offset >= range_.size || size > range_.size - offset) {
        return fail(Error::arg_inval);
    }
    // Our lock keeps what we hold still: donations and derivations take it.
    LockGuard held{lock};
    const std::uint64_t end = phys + size;
    for (std::uint64_t cursor = phys; cursor < end;) {
        PhysRun run = next_held_run(cursor, end, false);
        if (run.empty()) {
            break;
        }
        void* p = Partition::to_pointer(PhysAddr{run.base});
        switch (op) {
        case Op::zero:
            __builtin_memset(p, 0, run.size());
            arch::cache_clean_range(p, run.size());
            break;
        case Op::clean: arch::cache_clean_range(p, run.size()); break;
        case Op::flush: arch::cache_flush_range(p, run.size()); break;
        }
        cursor = run.end;
    }
    return success();
}

}  // namespace hyp
