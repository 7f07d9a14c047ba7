// Stage2Table: setup, teardown, argument checks and lookup. The edits themselves are in
// stage2_edit.cpp.
#include "kernel/mem/stage2_table.h"

#include <arch/tlb.h>

#include "kernel/core/panic.h"
#include "kernel/mem/stage2_descriptor.h"
#include "kernel/mem/stage2_edit.h"

namespace hyp::mem {

namespace pte = arch::pte;
namespace d = s2desc;

namespace {

constexpr unsigned min_pa_bits = 32;
constexpr unsigned max_pa_bits = 48;

Status run(Stage2Table& table, const EditRequest& request)
{
    Stage2Editor editor{table, request};
    Status prepared = editor.prepare();
    if (!prepared) {
        return prepared;
    }
    editor.apply();
    return success();
}

}  // namespace

Status Stage2Table::init(TableAllocator& allocator, const Stage2Config& config)
{
    if (ready()) {
        return fail(Error::object_state);
    }
    Result<Stage2Geometry> geometry = stage2_geometry(config.ipa_bits);
    if (!geometry || config.pa_bits < min_pa_bits || config.pa_bits > max_pa_bits || config.vmid == 0) {
        return fail(Error::arg_inval);
    }
    TableAllocator::Pages root = allocator.allocate_pages(geometry->root_tables);
    if (!root.valid()) {
        return fail(Error::nomem);
    }
    // VTTBR_EL2.BADDR must be aligned to the size of the (concatenated) root.
    if (!root.phys.is_aligned(geometry->root_tables * pte::page_size)) {
        allocator.free_pages(root, geometry->root_tables);
        return fail(Error::arg_align);
    }
    for (std::uint64_t i = 0; i < geometry->root_tables * std::uint64_t{pte::entries_per_table}; ++i) {
        root.table[i] = 0;
    }
    allocator_ = &allocator;
    root_ = root;
    geometry_ = *geometry;
    pa_bits_ = config.pa_bits;
    vmid_ = config.vmid;
    blocks_ = config.blocks;
    table_pages_ = geometry->root_tables;
    arch::tlb_publish_tables();  // the empty root, before anyone loads VTTBR_EL2 with it
    return success();
}

void Stage2Table::destroy()
{
    if (!ready()) {
        return;
    }
    // While the tables are intact: afterwards the VMID may go to another VM, and nothing
    // cached may point into pages about to be reused.
    arch::tlb_invalidate_vmid(arch::TlbVm{vttbr()});
    for (std::uint64_t i = 0; i < geometry_.root_entries(); ++i) {
        if (d::is_table(root_.table[i], geometry_.start_level)) {
            free_subtree(root_.table[i], geometry_.start_level);
        }
    }
    allocator_->free_pages(root_, geometry_.root_tables);
    table_pages_ -= geometry_.root_tables;
    HYP_ASSERT(table_pages_ == 0);
    allocator_ = nullptr;
    root_ = {};
    geometry_ = {};
    pa_bits_ = 0;
    vmid_ = 0;
}

void Stage2Table::free_subtree(std::uint64_t table_descriptor, unsigned level)
{
    PhysAddr phys{d::output_address(table_descriptor)};
    std::uint64_t* table = allocator_->table_at(phys);
    if (level + 1 < d::last_level) {
        for (unsigned i = 0; i < pte::entries_per_table; ++i) {
            if (d::is_table(table[i], level + 1)) {
                free_subtree(table[i], level + 1);
            }
        }
    }
    allocator_->free_page({table, phys});
    --table_pages_;
}

Status Stage2Table::check_range(Ipa ipa, std::uint64_t size) const
{
    if (!ready()) {
        return fail(Error::object_state);
    }
    if (size == 0) {
        return fail(Error::arg_size);
    }
    if (!ipa.is_aligned(pte::page_size) || (size & (pte::page_size - 1)) != 0) {
        return fail(Error::arg_align);
    }
    const std::uint64_t limit = geometry_.ipa_limit();
    if (ipa.raw() >= limit || size > limit - ipa.raw()) {
        return fail(Error::addr_ovfl);
    }
    return success();
}

Status Stage2Table::map(Ipa ipa, PhysAddr pa, std::uint64_t size, Stage2Attrs attrs)
{
    Status checked = check_range(ipa, size);
    if (!checked) {
        return checked;
    }
    if (!pa.is_aligned(pte::page_size)) {
        return fail(Error::arg_align);
    }
    const std::uint64_t pa_limit = std::uint64_t{1} << pa_bits_;
    if (pa.raw() >= pa_limit || size > pa_limit - pa.raw()) {
        return fail(Error::addr_ovfl);
    }
    if (!is_valid(attrs)) {
        return fail(Error::arg_inval);
    }
    return run(*this, EditRequest{EditKind::map, ipa.raw(), size, pa.raw(), stage2_leaf_attrs(attrs)});
}

Status Stage2Table::unmap(Ipa ipa, std::uint64_t size)
{
    Status checked = check_range(ipa, size);
    if (!checked) {
        return checked;
    }
    return run(*this, EditRequest{EditKind::unmap, ipa.raw(), size, 0, 0});
}

Status Stage2Table::protect(Ipa ipa, std::uint64_t size, Stage2Attrs attrs)
{
    Status checked = check_range(ipa, size);
    if (!checked) {
        return checked;
    }
    if (!is_valid(attrs)) {
        return fail(Error::arg_inval);
    }
    return run(*this, EditRequest{EditKind::protect, ipa.raw(), size, 0, stage2_leaf_attrs(attrs)});
}

Result<Stage2Mapping> Stage2Table::lookup(Ipa ipa) const
{
    if (!ready()) {
        return fail(Error::object_state);
    }
    if (ipa.raw() >= geometry_.ipa_limit()) {
        return fail(Error::addr_ovfl);
    }
    const std::uint64_t* table = root_.table;
    for (unsigned level = geometry_.start_level; level <= d::last_level; ++level) {
        const std::uint64_t entry = table[d::index_at(geometry_, ipa.raw(), level)];
        if (!d::is_valid(entry)) {
            break;
        }
        if (d::is_table(entry, level)) {
            table = allocator_->table_at(PhysAddr{d::output_address(entry)});
            continue;
        }
        const std::uint64_t size = pte::level_size(level);
        Stage2Mapping mapping;
        mapping.ipa_base = ipa.align_down(size);
        mapping.pa_base = PhysAddr{d::output_address(entry)};
        mapping.pa = mapping.pa_base + (ipa.raw() & (size - 1));
        mapping.size = size;
        mapping.level = level;
        mapping.attrs = stage2_decode_attrs(entry);
        return mapping;
    }
    return fail(Error::addr_inval);
}

}  // namespace hyp::mem
