// How the engine's changes reach the hardware: single-copy-atomic descriptor stores,
// break-before-make, and the batch of TLB invalidations and table frees that may wait
// until the end of an edit (see stage2_edit.h).
#include "kernel/mem/stage2_edit.h"

#include "kernel/mem/stage2_descriptor.h"

namespace hyp::mem {

namespace d = s2desc;

// Live descriptors change with one single-copy-atomic store; release orders the contents
// of a table built beforehand ahead of the descriptor that makes it reachable.
void Stage2Editor::write(std::uint64_t* entry, std::uint64_t value, bool live)
{
    if (live) {
        __atomic_store_n(entry, value, __ATOMIC_RELEASE);
        unpublished_ = true;
    } else {
        *entry = value;
    }
}

void Stage2Editor::break_before_make(std::uint64_t* entry, std::uint64_t replacement, unsigned level,
                                     std::uint64_t base)
{
    const bool was_leaf = d::is_leaf(*entry, level);
    write(entry, 0, true);
    if (was_leaf) {
        invalidate_ipa(base, level);
    } else {
        invalidate_vm();  // a table: any of the leaves below it may be cached
    }
    write(entry, replacement, true);
}

void Stage2Editor::invalidate_later(std::uint64_t ipa, unsigned level)
{
    if (batch_.whole_vm) {
        return;
    }
    if (batch_.ipa_count == Batch::max_ipas) {
        batch_.whole_vm = true;
        return;
    }
    batch_.ipas[batch_.ipa_count++] = {ipa, level};
}

// Callers queue the invalidation that unhooks the table after this, so that an early
// flush() here cannot separate the table from it.
void Stage2Editor::free_later(std::uint64_t table_descriptor, unsigned level)
{
    if (batch_.table_count == Batch::max_tables) {
        flush();
    }
    batch_.tables[batch_.table_count++] = {table_descriptor, level};
}

void Stage2Editor::flush()
{
    if (batch_.whole_vm) {
        invalidate_vm();
    } else {
        for (unsigned i = 0; i < batch_.ipa_count; ++i) {
            invalidate_ipa(batch_.ipas[i].ipa, batch_.ipas[i].level);
        }
    }
    for (unsigned i = 0; i < batch_.table_count; ++i) {
        table_.free_subtree(batch_.tables[i].descriptor, batch_.tables[i].level);
    }
    batch_ = Batch{};
}

// Each invalidation starts with DSB ISHST, which also publishes every earlier write.
void Stage2Editor::invalidate_ipa(std::uint64_t ipa, unsigned level)
{
    arch::tlb_invalidate_ipa(vm(), Ipa{ipa}, level);
    unpublished_ = false;
}

void Stage2Editor::invalidate_vm()
{
    arch::tlb_invalidate_vmid(vm());
    unpublished_ = false;
}

}  // namespace hyp::mem
