// The mapping calls that edit spans: map, unmap, update_access (see addrspace.h for the
// rules). How spans follow what a family holds, and lookup, are in addrspace_follow.cpp.
//
// An edit of one extent's spans in one address space is worked out on a copy (a
// SpanSet), checked against the free slots, applied to stage 2 (all or nothing, undone
// on failure), and only then written back to the slots.
#include "kernel/core/panic.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

constexpr std::uint64_t page = mem::PageAllocator::page_size;

[[nodiscard]] bool page_aligned(std::uint64_t value) { return (value & (page - 1)) == 0; }

// The spans of one extent in one address space, as values.
struct SpanSet {
    // A map adds one span, a partial unmap splits one, an access change splits two.
    static constexpr std::size_t capacity = MemExtent::max_mappings + 2;
    MappingSpan spans[capacity] = {};
    std::size_t count = 0;

    void add(const MappingSpan& span)
    {
        HYP_ASSERT(count < capacity);
        spans[count++] = span;
    }

    // Sorted by (key, offset); touching neighbours with one key and equal attributes
    // merged, so one set of mappings always has one representation.
    void normalize()
    {
        for (std::size_t i = 1; i < count; ++i) {
            MappingSpan s = spans[i];
            std::size_t j = i;
            for (; j > 0 && (spans[j - 1].key() > s.key() ||
                             (spans[j - 1].key() == s.key() && spans[j - 1].offset > s.offset));
                 --j) {
                spans[j] = spans[j - 1];
            }
            spans[j] = s;
        }
        std::size_t out = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (out > 0) {
                MappingSpan& last = spans[out - 1];
                if (last.key() == spans[i].key() && last.offset_end() == spans[i].offset &&
                    last.attrs == spans[i].attrs) {
                    last.size += spans[i].size;
                    continue;
                }
            }
            spans[out++] = spans[i];
        }
        count = out;
    }

    // Whether spans with `key` cover extent offsets [from, to) without a gap. Needs a
    // normalized set (sorted by offset within a key).
    [[nodiscard]] bool covers(std::uint64_t key, std::uint64_t from, std::uint64_t to) const
    {
        std::uint64_t cursor = from;
        for (std::size_t i = 0; i < count && cursor < to; ++i) {
            const MappingSpan& s = spans[i];
            if (s.key() == key && s.offset <= cursor && s.offset_end() > cursor) {
                cursor = s.offset_end();
            }
        }
        return cursor >= to;
    }

    // Spans with `key` lose offsets [from, to) (cut), or get `access` there (retag).
    void edit(std::uint64_t key, std::uint64_t from, std::uint64_t to, bool cut, mem::Stage2Access access)
    {
        SpanSet out;
        for (std::size_t i = 0; i < count; ++i) {
            const MappingSpan& s = spans[i];
            if (s.key() != key || s.offset_end() <= from || s.offset >= to) {
                out.add(s);
                continue;
            }
            const std::uint64_t a = s.offset > from ? s.offset : from;
            const std::uint64_t b = s.offset_end() < to ? s.offset_end() : to;
            if (s.offset < a) {
                out.add(piece(s, s.offset, a));
            }
            if (!cut) {
                MappingSpan middle = piece(s, a, b);
                middle.attrs.access = access;
                out.add(middle);
            }
            if (b < s.offset_end()) {
                out.add(piece(s, b, s.offset_end()));
            }
        }
        *this = out;
        normalize();
    }

    [[nodiscard]] static MappingSpan piece(const MappingSpan& s, std::uint64_t from, std::uint64_t to)
    {
        return MappingSpan{s.ipa + (from - s.offset), from, to - from, s.attrs};
    }
};

}  // namespace

// ---- Slots -------------------------------------------------------------------------------
// Helpers with both locks held (extent, then address space). A friend of both classes.

struct MappingSlots {
    static SpanSet collect(const MemExtent& extent, const AddrSpace& as)
    {
        SpanSet set;
        for (const Mapping& slot : extent.slots_) {
            if (slot.as == &as) {
                set.add(slot.span);
            }
        }
        set.normalize();
        return set;
    }

    static bool fits(const MemExtent& extent, const AddrSpace& as, const SpanSet& next)
    {
        std::size_t usable = 0;
        for (const Mapping& slot : extent.slots_) {
            usable += (slot.as == nullptr || slot.as == &as) ? 1 : 0;
        }
        return next.count <= usable;
    }

    // Replaces the extent's slots in `as` with `next` (fits() said it can).
    static void commit(MemExtent& extent, AddrSpace& as, const SpanSet& next)
    {
        for (Mapping& slot : extent.slots_) {
            if (slot.as == &as) {
                as.mappings_.remove(slot);
                slot.as = nullptr;
            }
        }
        std::size_t i = 0;
        for (Mapping& slot : extent.slots_) {
            if (i == next.count) {
                break;
            }
            if (slot.as == nullptr) {
                slot.span = next.spans[i++];
                slot.as = &as;
                as.mappings_.push_back(slot);
            }
        }
        HYP_ASSERT(i == next.count);
    }

    // Calls fn(ipa, pa, size) for every run of [offset, offset + size) of `span` that the
    // extent's family holds, in address order, up to physical address `stop`. Stops at
    // the first failure and returns it, with `failed_at` set to where that run began.
    template <typename Fn>
    static Status for_each_shown(const MemExtent& extent, const MappingSpan& span, std::uint64_t stop, Fn fn,
                                 std::uint64_t* failed_at = nullptr)
    {
        const std::uint64_t base = extent.range().base.raw() + span.offset;
        std::uint64_t end = base + span.size;
        end = stop < end ? stop : end;
        for (std::uint64_t cursor = base; cursor < end;) {
            PhysRun run = extent.next_held_run(cursor, end, true);
            if (run.empty()) {
                break;
            }
            if (Status s = fn(span.ipa + (run.base - base), PhysAddr{run.base}, run.size()); !s) {
                if (failed_at != nullptr) {
                    *failed_at = run.base;
                }
                return s;
            }
            cursor = run.end;
        }
        return success();
    }

    // Maps what `span` shows; on failure unmaps what it had mapped.
    static Status show_span(const MemExtent& extent, AddrSpace& as, const MappingSpan& span)
    {
        std::uint64_t failed_at = 0;
        Status s = for_each_shown(
            extent, span, ~std::uint64_t{0},
            [&](Ipa ipa, PhysAddr pa, std::uint64_t size) { return as.map_pages(ipa, pa, size, span.attrs); },
            &failed_at);
        if (!s) {
            (void)for_each_shown(extent, span, failed_at, [&](Ipa ipa, PhysAddr, std::uint64_t size) {
                as.unmap_pages(ipa, size);
                return success();
            });
        }
        return s;
    }

    // Gives what `span` shows the attributes `to`.
    static Status protect_span(const MemExtent& extent, AddrSpace& as, const MappingSpan& span, mem::Stage2Attrs to,
                               std::uint64_t* failed_at)
    {
        return for_each_shown(
            extent, span, ~std::uint64_t{0},
            [&](Ipa ipa, PhysAddr, std::uint64_t size) { return as.protect_pages(ipa, size, to); }, failed_at);
    }

    static void restore_span(const MemExtent& extent, AddrSpace& as, const MappingSpan& span, std::uint64_t stop)
    {
        (void)for_each_shown(extent, span, stop, [&](Ipa ipa, PhysAddr, std::uint64_t size) {
            as.protect_pages_or_panic(ipa, size, span.attrs);
            return success();
        });
    }
};

// ---- The calls ----------------------------------------------------------------------------

namespace {

// The span a request names, with Gunyah's argument checks up to the IPA range.
Result<MappingSpan> requested_span(const AddrSpace& as, const MemExtent& extent, const MappingRequest& request)
{
    const std::uint64_t extent_size = extent.range().size;
    const std::uint64_t offset = request.partial ? request.offset : 0;
    const std::uint64_t size = request.partial ? request.size : extent_size;
    const std::uint64_t vbase = request.vbase.raw();
    if (!page_aligned(vbase) || (request.partial && (!page_aligned(offset) || !page_aligned(size)))) {
        return fail(Error::arg_align);
    }
    if (request.partial && (size == 0 || offset >= extent_size || size > extent_size - offset)) {
        return fail(Error::arg_size);
    }
    if (vbase + (size - 1) < vbase || vbase + size > as.ipa_limit()) {
        return fail(Error::addr_ovfl);
    }
    return MappingSpan{request.vbase, offset, size, mem::Stage2Attrs{}};
}

}  // namespace

Status ExtentMappings::map(AddrSpace& as, MemExtent& extent, const MappingRequest& request, MappingAccess access,
                           std::uint8_t memtype)
{
    Result<MappingSpan> requested = requested_span(as, extent, request);
    if (!requested) {
        return fail(requested.error());
    }
    const auto type = static_cast<mem::Stage2MemType>(memtype);
    if (access.user != access.kernel || !memtype_allows(extent.memtype(), type) ||
        (access.user & ~extent.access()) != 0) {
        return fail(Error::arg_inval);
    }
    MappingSpan span = *requested;
    span.attrs = mem::Stage2Attrs{static_cast<mem::Stage2Access>(access.user), type};

    Locked<MemExtent> locked_extent{extent};
    Locked<AddrSpace> locked_as{as};
    if (as.overlaps(span.ipas())) {
        return fail(Error::existing_mapping);
    }
    SpanSet next = MappingSlots::collect(extent, as);
    next.add(span);
    next.normalize();
    if (!MappingSlots::fits(extent, as, next)) {
        return fail(Error::memextent_mappings_full);
    }
    if (Status s = as.ready_for_edit(); !s) {
        return s;
    }
    if (Status s = MappingSlots::show_span(extent, as, span); !s) {
        return s;
    }
    MappingSlots::commit(extent, as, next);
    return success();
}

Status ExtentMappings::unmap(AddrSpace& as, MemExtent& extent, const MappingRequest& request)
{
    Result<MappingSpan> requested = requested_span(as, extent, request);
    if (!requested) {
        return fail(requested.error());
    }
    const MappingSpan range = *requested;

    Locked<MemExtent> locked_extent{extent};
    Locked<AddrSpace> locked_as{as};
    SpanSet current = MappingSlots::collect(extent, as);
    if (!request.partial) {
        // Every span of the extent at vbase, whatever partial calls left of the mapping.
        SpanSet next;
        bool found = false;
        for (std::size_t i = 0; i < current.count; ++i) {
            if (current.spans[i].key() == range.key()) {
                found = true;
            } else {
                next.add(current.spans[i]);
            }
        }
        if (!found) {
            return fail(Error::addr_inval);
        }
        for (std::size_t i = 0; i < current.count; ++i) {
            if (current.spans[i].key() == range.key()) {
                as.unmap_pages(current.spans[i].ipa, current.spans[i].size);
            }
        }
        MappingSlots::commit(extent, as, next);
        return success();
    }
    if (!current.covers(range.key(), range.offset, range.offset_end())) {
        return fail(Error::addr_inval);
    }
    SpanSet next = current;
    next.edit(range.key(), range.offset, range.offset_end(), true, mem::Stage2Access::none);
    if (!MappingSlots::fits(extent, as, next)) {
        return fail(Error::memextent_mappings_full);
    }
    as.unmap_pages(range.ipa, range.size);  // wholly the extent's: the spans own these IPAs
    MappingSlots::commit(extent, as, next);
    return success();
}

Status ExtentMappings::update_access(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                                     MappingAccess access)
{
    if (access.user != access.kernel || (access.user & ~extent.access()) != 0) {
        return fail(Error::arg_inval);
    }
    Result<MappingSpan> requested = requested_span(as, extent, request);
    if (!requested) {
        return fail(requested.error());
    }
    const MappingSpan range = *requested;
    const auto new_access = static_cast<mem::Stage2Access>(access.user);

    Locked<MemExtent> locked_extent{extent};
    Locked<AddrSpace> locked_as{as};
    SpanSet current = MappingSlots::collect(extent, as);
    bool found = false;
    for (std::size_t i = 0; i < current.count; ++i) {
        found = found || current.spans[i].key() == range.key();
    }
    if (!found || (request.partial && !current.covers(range.key(), range.offset, range.offset_end()))) {
        return fail(Error::addr_inval);
    }
    SpanSet next = current;
    next.edit(range.key(), range.offset, range.offset_end(), false, new_access);
    if (!MappingSlots::fits(extent, as, next)) {
        return fail(Error::memextent_mappings_full);
    }
    if (Status s = as.ready_for_edit(); !s) {
        return s;
    }
    // The parts of the current spans that change, one at a time; on failure every part
    // changed so far goes back to its old attributes.
    SpanSet parts = current;
    parts.edit(range.key(), 0, range.offset, true, mem::Stage2Access::none);
    parts.edit(range.key(), range.offset_end(), ~std::uint64_t{0}, true, mem::Stage2Access::none);
    for (std::size_t i = 0; i < parts.count; ++i) {
        const MappingSpan& part = parts.spans[i];
        if (part.key() != range.key() || part.attrs.access == new_access) {
            continue;
        }
        const mem::Stage2Attrs to{new_access, part.attrs.type};
        std::uint64_t failed_at = 0;
        if (Status s = MappingSlots::protect_span(extent, as, part, to, &failed_at); !s) {
            MappingSlots::restore_span(extent, as, part, failed_at);
            for (std::size_t j = 0; j < i; ++j) {
                const MappingSpan& done = parts.spans[j];
                if (done.key() == range.key() && done.attrs.access != new_access) {
                    MappingSlots::restore_span(extent, as, done, ~std::uint64_t{0});
                }
            }
            return s;
        }
    }
    MappingSlots::commit(extent, as, next);
    return success();
}

Status addrspace_map(AddrSpace& as, MemExtent& extent, const MappingRequest& request, MappingAccess access,
                     std::uint8_t memtype)
{
    return ExtentMappings::map(as, extent, request, access, memtype);
}

Status addrspace_unmap(AddrSpace& as, MemExtent& extent, const MappingRequest& request)
{
    return ExtentMappings::unmap(as, extent, request);
}

Status addrspace_update_access(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                               MappingAccess access)
{
    return ExtentMappings::update_access(as, extent, request, access);
}

}  // namespace hyp
