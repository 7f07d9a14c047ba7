// The edit engine behind Stage2Table::map/unmap/protect. Internal to kernel/mem.
//
// One edit runs in two phases so that it is all or nothing:
//   prepare()  walks the range without writing: checks it (map: nothing there; protect:
//              everything there) and counts the table pages the edit will need, then
//              takes them from the allocator into a private reserve. On failure nothing
//              has changed and the reserve goes back.
//   apply()    makes the change, taking pages only from the reserve, so it cannot fail.
// TLB invalidations that need not happen at once (an unmapped leaf, a permission change)
// are batched and issued before apply() returns; detached tables are freed only after
// the invalidation that makes them unreachable.
#pragma once

#include <cstddef>
#include <cstdint>

#include <arch/tlb.h>

#include "support/result.h"
#include "kernel/mem/stage2_table.h"

namespace hyp::mem {

enum class EditKind : std::uint8_t { map, unmap, protect };

struct EditRequest {
    EditKind kind = EditKind::map;
    std::uint64_t ipa = 0;
    std::uint64_t size = 0;
    std::uint64_t pa = 0;     // map: the output address of `ipa`
    std::uint64_t attrs = 0;  // map, protect: leaf attribute bits
};

class Stage2Editor {
public:
    Stage2Editor(Stage2Table& table, const EditRequest& request);
    ~Stage2Editor();  // returns reserve pages apply() did not use
    Stage2Editor(const Stage2Editor&) = delete;
    Stage2Editor& operator=(const Stage2Editor&) = delete;

    [[nodiscard]] Status prepare();
    void apply();

private:
    // Pages taken in prepare(), chained through their first word (they are ours alone).
    struct Reserve {
        TableAllocator::Pages head{};
        std::size_t count = 0;
    };

    // Invalidations and frees that may wait until the end of the edit.
    struct Batch {
        static constexpr unsigned max_ipas = 8;  // beyond this one VMID-wide flush is cheaper
        static constexpr unsigned max_tables = 16;
        struct Target {
            std::uint64_t ipa;
            unsigned level;
        };
        struct Detached {
            std::uint64_t descriptor;
            unsigned level;
        };
        Target ipas[max_ipas] = {};
        unsigned ipa_count = 0;
        bool whole_vm = false;
        Detached tables[max_tables] = {};
        unsigned table_count = 0;
    };

    // prepare(): table pages needed below one entry / one table / a table not yet built
    // whose entries would all derive from `parent` (invalid, or a block being split).
    std::size_t count_entry(std::uint64_t descriptor, unsigned level, std::uint64_t ipa, std::uint64_t size);
    std::size_t count_table(const std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t size);
    std::size_t count_virtual(std::uint64_t parent, unsigned level, std::uint64_t ipa, std::uint64_t size);

    // apply(): `live` says whether a walker can reach the table (else it is being built).
    void edit_table(std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live);
    void edit_entry(std::uint64_t* entry, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live);
    void split(std::uint64_t* entry, unsigned level, std::uint64_t ipa, std::uint64_t size, bool live);
    void remove(std::uint64_t* entry, unsigned level, std::uint64_t base, bool live);
    void rewrite(std::uint64_t* entry, std::uint64_t replacement, unsigned level, std::uint64_t base, bool live);
    void collapse(std::uint64_t* entry, unsigned level, std::uint64_t base, bool live);

    // A new table below an entry at `level`, every entry derived from `parent`.
    TableAllocator::Pages build_table(std::uint64_t parent, unsigned level);
    void write(std::uint64_t* entry, std::uint64_t value, bool live);
    void break_before_make(std::uint64_t* entry, std::uint64_t replacement, unsigned level, std::uint64_t base);
    void invalidate_later(std::uint64_t ipa, unsigned level);
    void free_later(std::uint64_t table_descriptor, unsigned level);
    void flush();
    void invalidate_ipa(std::uint64_t ipa, unsigned level);
    void invalidate_vm();

    [[nodiscard]] std::uint64_t pa_of(std::uint64_t ipa) const { return request_.pa + (ipa - request_.ipa); }
    [[nodiscard]] std::uint64_t* table_of(std::uint64_t descriptor) const;
    [[nodiscard]] arch::TlbVm vm() const { return arch::TlbVm{table_.vttbr()}; }

    Stage2Table& table_;
    EditRequest request_;
    Reserve reserve_{};
    Batch batch_{};
    bool conflict_ = false;    // prepare() found the range unfit for the request
    bool unpublished_ = false; // live writes since the last barrier
};

}  // namespace hyp::mem
