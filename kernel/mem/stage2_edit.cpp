// The stage-2 edit engine (see stage2_edit.h for the two phases, stage2_table.h for the
// policy). prepare() and apply() walk the range the same way; each case in count_entry()
// mirrors one in edit_entry(), and the count is exact, so apply() never runs dry.
#include "kernel/mem/stage2_edit.h"

#include "kernel/core/panic.h"
#include "kernel/mem/stage2_descriptor.h"

namespace hyp::mem {

namespace pte = arch::pte;
namespace d = s2desc;

namespace {

// Calls f(index, ipa, size) for each entry of a table at `level` that [ipa, ipa + size)
// touches, with the part of the range that falls in that entry.
template <typename F>
void for_each_entry(const Stage2Geometry& g, unsigned level, std::uint64_t ipa, std::uint64_t size, F&& f)
{
    const std::uint64_t entry_size = pte::level_size(level);
    while (size > 0) {
        std::uint64_t chunk = (ipa | (entry_size - 1)) - ipa + 1;  // up to the entry's end
        if (chunk > size) {
            chunk = size;
        }
        f(d::index_at(g, ipa, level), ipa, chunk);
        ipa += chunk;
        size -= chunk;
    }
}

// Entry `index` of the table that replaces `parent` at `level`: invalid below an invalid
// entry, and below a leaf the same translation cut one level finer.
std::uint64_t derived_entry(std::uint64_t parent, unsigned level, std::uint64_t index)
{
    if (!d::is_valid(parent)) {
        return 0;
    }
    std::uint64_t oa = d::output_address(parent) + index * pte::level_size(level + 1);
    return d::leaf(level + 1, oa, d::leaf_attrs(parent));
}

bool whole_entry(unsigned level, std::uint64_t size) { return size == pte::level_size(level); }

}  // namespace

Stage2Editor::Stage2Editor(Stage2Table& table, const EditRequest& request) : table_{table}, request_{request} {}

Stage2Editor::~Stage2Editor()
{
    while (reserve_.count > 0) {
        TableAllocator::Pages page = reserve_.head;
        if (--reserve_.count > 0) {
            PhysAddr next{page.table[0]};
            reserve_.head = {table_.allocator_->table_at(next), next};
        }
        table_.allocator_->free_page(page);
    }
}

std::uint64_t* Stage2Editor::table_of(std::uint64_t descriptor) const
{
    return table_.allocator_->table_at(PhysAddr{d::output_address(descriptor)});
}

// ---- prepare ----

Status Stage2Editor::prepare()
{
    std::size_t needed = count_table(table_.root_.table, table_.geometry_.start_level, request_.ipa, request_.size);
    if (conflict_) {
        return fail(request_.kind == EditKind::map ? Error::existing_mapping : Error::addr_inval);
    }
    for (std::size_t i = 0; i < needed; ++i) {
        TableAllocator::Pages page = table_.allocator_->allocate_page();
        if (!page.valid()) {
            return fail(Error::nomem);  // the destructor gives back what was taken
        }
        page.table[0] = reserve_.head.phys.raw();
        reserve_.head = page;
        ++reserve_.count;
    }
    return success();
}

std::size_t Stage2Editor::count_table(const std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t size)
{
    std::size_t needed = 0;
    for_each_entry(table_.geometry_, level, ipa, size, [&](std::uint64_t index, std::uint64_t at, std::uint64_t chunk) {
        if (!conflict_) {
            needed += count_entry(table[index], level, at, chunk);
        }
    });
    return needed;
}

std::size_t Stage2Editor::count_virtual(std::uint64_t parent, unsigned level, std::uint64_t ipa, std::uint64_t size)
{
    if (request_.kind == EditKind::map && !d::is_valid(parent) && level + 1 == d::last_level) {
        return 0;  // pages into a new last-level table: no table below them (the common case)
    }
    std::size_t needed = 0;
    for_each_entry(table_.geometry_, level + 1, ipa, size, [&](std::uint64_t index, std::uint64_t at, std::uint64_t chunk) {
        if (!conflict_) {
            needed += count_entry(derived_entry(parent, level, index), level + 1, at, chunk);
        }
    });
    return needed;
}

std::size_t Stage2Editor::count_entry(std::uint64_t entry, unsigned level, std::uint64_t ipa, std::uint64_t size)
{
    const bool whole = whole_entry(level, size);
    const bool table = d::is_table(entry, level);
    switch (request_.kind) {
    case EditKind::map:
        if (table) {
            return count_table(table_of(entry), level + 1, ipa, size);
        }
        if (d::is_valid(entry)) {
            conflict_ = true;
            return 0;
        }
        if (whole && table_.leaf_allowed(level) && (pa_of(ipa) & (size - 1)) == 0) {
            return 0;
        }
        return 1 + count_virtual(0, level, ipa, size);
    case EditKind::unmap:
        if (!d::is_valid(entry) || whole) {
            return 0;
        }
        return table ? count_table(table_of(entry), level + 1, ipa, size) : 1 + count_virtual(entry, level, ipa, size);
    case EditKind::protect:
        if (!d::is_valid(entry)) {
            conflict_ = true;
            return 0;
        }
        if (table) {
            return count_table(table_of(entry), level + 1, ipa, size);
        }
        if (whole || d::leaf_attrs(entry) == request_.attrs) {
            return 0;
        }
        return 1 + count_virtual(entry, level, ipa, size);
    }
    return 0;
}

// ---- apply ----

void Stage2Editor::apply()
{
    edit_table(table_.root_.table, table_.geometry_.start_level, request_.ipa, request_.size, true);
    flush();
    if (unpublished_) {
        arch::tlb_publish_tables();
        unpublished_ = false;
    }
}

void Stage2Editor::edit_table(std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live)
{
    if (level == d::last_level && request_.kind == EditKind::map) {
        // Pages into empty entries (prepare() refused overlaps), one table's worth at
        // most: what edit_entry() does for each, without the walk (RAM mapped page by
        // page is most of what this engine writes on a board without blocks).
        std::uint64_t index = d::index_at(table_.geometry_, ipa, level);
        for (std::uint64_t done = 0; done < size; done += pte::page_size, ++index) {
            HYP_ASSERT(!d::is_valid(table[index]));
            write(&table[index], d::leaf(level, pa_of(ipa + done), request_.attrs), live);
        }
        return;
    }
    for_each_entry(table_.geometry_, level, ipa, size, [&](std::uint64_t index, std::uint64_t at, std::uint64_t chunk) {
        edit_entry(&table[index], level, at, chunk, live);
    });
}

void Stage2Editor::edit_entry(std::uint64_t* entry, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live)
{
    const std::uint64_t old = *entry;
    const std::uint64_t base = ipa & ~(pte::level_size(level) - 1);
    const bool whole = whole_entry(level, size);
    if (d::is_table(old, level) && !(whole && request_.kind == EditKind::unmap)) {
        edit_table(table_of(old), level + 1, ipa, size, live);
        collapse(entry, level, base, live);
        return;
    }
    switch (request_.kind) {
    case EditKind::map:
        HYP_ASSERT(!d::is_valid(old));  // prepare() refused overlaps
        if (whole && table_.leaf_allowed(level) && (pa_of(ipa) & (size - 1)) == 0) {
            write(entry, d::leaf(level, pa_of(ipa), request_.attrs), live);
        } else {
            // A fresh table cannot be collapsible: it is either partly empty or maps an
            // output that is not aligned for a block here.
            TableAllocator::Pages fresh = build_table(0, level);
            edit_table(fresh.table, level + 1, ipa, size, false);
            write(entry, d::table(fresh.phys.raw()), live);
        }
        return;
    case EditKind::unmap:
        if (!d::is_valid(old)) {
            return;
        }
        if (whole) {
            remove(entry, level, base, live);
        } else {
            split(entry, level, ipa, size, live);
        }
        return;
    case EditKind::protect:
        HYP_ASSERT(d::is_valid(old));  // prepare() refused holes
        if (d::leaf_attrs(old) == request_.attrs) {
            return;
        }
        if (whole) {
            rewrite(entry, d::leaf(level, d::output_address(old), request_.attrs), level, base, live);
        } else {
            split(entry, level, ipa, size, live);
        }
        return;
    }
}

// Part of a leaf changes: build the finer-grained equivalent off to the side, edit it
// there (no walker sees it yet), and swap it in. A split leaves a table that is partly
// different from the rest, so it never collapses straight back.
void Stage2Editor::split(std::uint64_t* entry, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live)
{
    TableAllocator::Pages finer = build_table(*entry, level);
    edit_table(finer.table, level + 1, ipa, size, false);
    std::uint64_t replacement = d::table(finer.phys.raw());
    if (live) {
        break_before_make(entry, replacement, level, ipa & ~(pte::level_size(level) - 1));
    } else {
        *entry = replacement;
    }
}

void Stage2Editor::remove(std::uint64_t* entry, unsigned level, std::uint64_t base, bool live)
{
    const std::uint64_t old = *entry;
    const bool table = d::is_table(old, level);
    if (!live) {
        *entry = 0;
        if (table) {
            table_.free_subtree(old, level);
        }
        return;
    }
    write(entry, 0, true);
    if (table) {
        free_later(old, level);
        batch_.whole_vm = true;  // every leaf below may be cached
    } else {
        invalidate_later(base, level);
    }
}

void Stage2Editor::rewrite(std::uint64_t* entry, std::uint64_t replacement, unsigned level, std::uint64_t base,
                           bool live)
{
    if (!live) {
        *entry = replacement;
        return;
    }
    if (((*entry ^ replacement) & ~pte::s2::permission_mask) == 0) {
        write(entry, replacement, true);
        invalidate_later(base, level);
    } else {
        break_before_make(entry, replacement, level, base);
    }
}

// After an edit below `entry` (a table at `level`): free the table if it is empty, or
// replace it with one block if it maps one aligned, contiguous range with one set of
// attributes. Such entries form an arithmetic progression, which is all there is to check.
void Stage2Editor::collapse(std::uint64_t* entry, unsigned level, std::uint64_t base, bool live)
{
    const std::uint64_t old = *entry;
    if (!d::is_table(old, level)) {
        return;
    }
    const std::uint64_t* child = table_of(old);
    const std::uint64_t first = child[0];
    const unsigned last = pte::entries_per_table - 1;
    if (!d::is_valid(first)) {
        // Tables fill and empty mostly in address order: looking at the far end first
        // turns the common "not yet" into one read instead of a scan.
        if (d::is_valid(child[last])) {
            return;
        }
        for (unsigned i = 1; i < last; ++i) {
            if (d::is_valid(child[i])) {
                return;
            }
        }
        if (live) {
            write(entry, 0, true);
            free_later(old, level);
            invalidate_later(base, arch::tlb_level_unknown);  // walk caches may hold `old`
        } else {
            *entry = 0;
            table_.free_subtree(old, level);
        }
        return;
    }
    if (!table_.leaf_allowed(level) || !d::is_leaf(first, level + 1) ||
        (d::output_address(first) & (pte::level_size(level) - 1)) != 0) {
        return;
    }
    const std::uint64_t step = pte::level_size(level + 1);
    if (child[last] != first + last * step) {
        return;
    }
    for (unsigned i = 1; i < last; ++i) {
        if (child[i] != first + i * step) {
            return;
        }
    }
    std::uint64_t block = d::leaf(level, d::output_address(first), d::leaf_attrs(first));
    if (live) {
        break_before_make(entry, block, level, base);
    } else {
        *entry = block;
    }
    table_.free_subtree(old, level);  // the invalidation above made it unreachable
}

// ---- new tables ----

TableAllocator::Pages Stage2Editor::build_table(std::uint64_t parent, unsigned level)
{
    HYP_ASSERT(reserve_.count > 0);  // prepare() counted this page
    TableAllocator::Pages page = reserve_.head;
    if (--reserve_.count > 0) {
        PhysAddr next{page.table[0]};
        reserve_.head = {table_.allocator_->table_at(next), next};
    } else {
        reserve_.head = {};
    }
    ++table_.table_pages_;
    if (!d::is_valid(parent)) {
        for (unsigned i = 0; i < pte::entries_per_table; ++i) {
            page.table[i] = 0;
        }
        return page;
    }
    for (unsigned i = 0; i < pte::entries_per_table; ++i) {
        page.table[i] = derived_entry(parent, level, i);
    }
    return page;
}

}  // namespace hyp::mem
