// How an extent's mappings follow what its family holds (remove_all, show, hide: the
// memextent code calls these), and addrspace_lookup. See addrspace.h for the rules.
#include "kernel/object/addrspace.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint64_t page = mem::PageAllocator::page_size;

[[nodiscard]] bool page_aligned(std::uint64_t value) { return (value & (page - 1)) == 0; }

// Part of `span` over physical [run.base, run.end) (clipped to the span), as the span
// shows it: the IPA where it starts and its size. Empty when they do not meet.
struct Window {
    Ipa ipa{};
    PhysAddr pa{};
    std::uint64_t size = 0;
};

Window window(const MemExtent& extent, const MappingSpan& span, PhysRun run)
{
    const std::uint64_t base = extent.range().base.raw() + span.offset;
    const std::uint64_t end = base + span.size;
    const std::uint64_t a = run.base > base ? run.base : base;
    const std::uint64_t b = run.end < end ? run.end : end;
    if (a >= b) {
        return Window{};
    }
    return Window{span.ipa + (a - base), PhysAddr{a}, b - a};
}

}  // namespace

// ---- Following the family -----------------------------------------------------------------

void ExtentMappings::remove_all(MemExtent& extent)
{
    for (Mapping& slot : extent.slots_) {
        if (slot.as == nullptr) {
            continue;
        }
        Locked<AddrSpace> as{*slot.as};
        as->unmap_pages(slot.span.ipa, slot.span.size);  // holes included: the span owns them
        as->mappings_.remove(slot);
        slot.as = nullptr;
    }
}

Status ExtentMappings::show(MemExtent& extent, PhysRun run)
{
    for (std::size_t i = 0; i < MemExtent::max_mappings; ++i) {
        Mapping& slot = extent.slots_[i];
        if (slot.as == nullptr) {
            continue;
        }
        Window w = window(extent, slot.span, run);
        if (w.size == 0) {
            continue;
        }
        Status s = success();
        {
            Locked<AddrSpace> as{*slot.as};
            s = as->ready_for_edit();
            if (s) {
                s = as->map_pages(w.ipa, w.pa, w.size, slot.span.attrs);
            }
        }
        if (!s) {
            for (std::size_t j = 0; j < i; ++j) {  // undo the slots before this one
                Mapping& done = extent.slots_[j];
                Window d = done.as != nullptr ? window(extent, done.span, run) : Window{};
                if (d.size != 0) {
                    Locked<AddrSpace> as{*done.as};
                    as->unmap_pages(d.ipa, d.size);
                }
            }
            return s;
        }
    }
    return success();
}

void ExtentMappings::hide(MemExtent& extent, PhysRun run)
{
    for (Mapping& slot : extent.slots_) {
        if (slot.as == nullptr) {
            continue;
        }
        Window w = window(extent, slot.span, run);
        if (w.size != 0) {
            Locked<AddrSpace> as{*slot.as};
            as->unmap_pages(w.ipa, w.size);
        }
    }
}

// ---- Lookup --------------------------------------------------------------------------------

Result<LookupResult> ExtentMappings::lookup(const AddrSpace& as, const MemExtent& extent, Ipa vbase,
                                            std::uint64_t size)
{
    const std::uint64_t base = vbase.raw();
    if (size == 0) {
        return fail(Error::arg_size);
    }
    if (base + (size - 1) < base) {
        return fail(Error::addr_ovfl);
    }
    if (!page_aligned(base) || !page_aligned(size)) {
        return fail(Error::arg_align);
    }
    LockGuard held{as.lock};
    Result<mem::Stage2Mapping> first = as.table_.lookup(vbase);
    if (!first) {
        return fail(Error::addr_inval);  // unmapped, or beyond the IPA size
    }
    const std::uint64_t pa = first->pa.raw();
    const PhysRange bounds = extent.range();
    if (!bounds.contains(first->pa)) {
        return fail(Error::memdb_not_owner);
    }
    PhysRun held_run = extent.next_held_run(pa, bounds.end().raw(), true);
    if (held_run.empty() || held_run.base != pa) {
        return fail(Error::memdb_not_owner);
    }
    const std::uint64_t limit = size < held_run.end - pa ? size : held_run.end - pa;
    std::uint64_t length = first->ipa_base.raw() + first->size - base;
    while (length < limit) {
        Result<mem::Stage2Mapping> next = as.table_.lookup(vbase + length);
        if (!next || next->pa.raw() != pa + length || !(next->attrs == first->attrs)) {
            break;
        }
        length += next->ipa_base.raw() + next->size - (base + length);
    }
    LookupResult result;
    result.offset = pa - bounds.base.raw();
    result.size = length < limit ? length : limit;
    result.attrs = first->attrs;
    return result;
}

Result<LookupResult> addrspace_lookup(const AddrSpace& as, const MemExtent& extent, Ipa vbase, std::uint64_t size)
{
    return ExtentMappings::lookup(as, extent, vbase, size);
}

}  // namespace hyp
