// Building and switching the EL2 identity map (see hyp_map.h).
#include "kernel/mem/hyp_map.h"

#include <arch/mmu.h>

#include "arch/aarch64/pgtable_format.h"
#include "support/range_pieces.h"
#include "kernel/core/log.h"
#include "kernel/mem/stage1_map.h"

// Section boundaries from linker/hyp.ld.
extern "C" char __image_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __image_end[];

extern "C" {
// Read by secondary CPUs with their MMU off (head.S), so kept clean to PoC.
alignas(64) constinit hyp::arch::MmuParams secondary_mmu_params{};
}

namespace hyp::mem {
namespace {

constexpr std::size_t early_pool_pages = 16;
constexpr std::size_t final_pool_pages = 64;

alignas(arch::pte::page_size) constinit std::uint64_t early_pool[early_pool_pages][arch::pte::entries_per_table];
alignas(arch::pte::page_size) constinit std::uint64_t final_pool[final_pool_pages][arch::pte::entries_per_table];

constinit const std::uint64_t* root_in_use = nullptr;

PhysAddr pa_of(const void* p) { return PhysAddr{reinterpret_cast<std::uintptr_t>(p)}; }

PhysRange page_span(PhysAddr base, std::uint64_t size)
{
    PhysAddr first = base.align_down(arch::pte::page_size);
    PhysAddr last = (base + size).align_up(arch::pte::page_size);
    return PhysRange{first, last - first};
}

Status map_identity(Stage1Map& map, PhysRange range, MapAttributes attrs)
{
    if (range.empty()) {
        return success();
    }
    return map.map(VirtAddr{range.base.raw()}, range.base, range.size, attrs);
}

// Text read-execute, rodata read-only, data and BSS read-write (and never executable).
Status map_image(Stage1Map& map)
{
    PhysAddr text = pa_of(__image_start), rodata = pa_of(__rodata_start), data = pa_of(__data_start);
    Status s = map_identity(map, {text, pa_of(__text_end) - text}, {MemoryType::normal, Access::read_exec});
    if (s) {
        s = map_identity(map, {rodata, pa_of(__rodata_end) - rodata}, {MemoryType::normal, Access::read_only});
    }
    if (s) {
        s = map_identity(map, {data, pa_of(__image_end) - data}, {MemoryType::normal, Access::read_write});
    }
    return s;
}

}  // namespace

void enable_early_map(PhysAddr dtb, std::uint64_t dtb_size, PhysRange early_uart)
{
    TablePool pool{early_pool, early_pool_pages};
    Stage1Map map{pool};
    // Failures here cannot be reported (no console mapping yet); the pool is sized for
    // the three regions with room to spare, and only an overlap could make this fail,
    // in which case the blob is simply left unmapped and discovery reports it.
    (void)map_image(map);
    if (dtb.raw() != 0) {
        (void)map_identity(map, page_span(dtb, dtb_size), {MemoryType::normal, Access::read_only});
    }
    if (early_uart.size != 0) {
        (void)map_identity(map, page_span(early_uart.base, early_uart.size), {MemoryType::device, Access::read_write});
    }
    // Written with the MMU and caches off: drop any stale cache lines over the tables
    // before the (cacheable) walker reads them.
    arch::dcache_invalidate_to_poc(early_pool, sizeof early_pool);
    arch::MmuParams params = arch::el2_mmu_params(map.root());
    arch::el2_mmu_enable(&params);
    root_in_use = map.root();
}

Status switch_to_final_map(const HypMapLayout& layout)
{
    TablePool pool{final_pool, final_pool_pages};
    Stage1Map map{pool};
    Status s = map_image(map);

    // Usable RAM, less the image and the blob, which have their own rights.
    PhysAddr image = pa_of(__image_start);
    const PhysRange dtb = page_span(layout.dtb.base, layout.dtb.size);
    const PhysRange holes[] = {{image, pa_of(__image_end) - image}, dtb};
    for (std::size_t i = 0; s && i < layout.usable_count; ++i) {
        s = for_each_piece(layout.usable_ram[i], holes, 2, [&](PhysRange piece) {
            return map_identity(map, piece, {MemoryType::normal, Access::read_write});
        });
    }
    if (s && dtb.size != 0) {
        s = map_identity(map, dtb, {MemoryType::normal, Access::read_only});
    }

    // Devices, each page-aligned; one that shares a page with an earlier one (the console
    // that is also the early UART) is mapped once.
    const MapAttributes device{MemoryType::device, Access::read_write};
    for (std::size_t i = 0; s && i < layout.device_count; ++i) {
        const PhysRange span = page_span(layout.devices[i].base, layout.devices[i].size);
        bool mapped = layout.devices[i].size == 0;
        for (std::size_t j = 0; !mapped && j < i; ++j) {
            mapped = layout.devices[j].size != 0 &&
                     span.overlaps(page_span(layout.devices[j].base, layout.devices[j].size));
        }
        if (!mapped) {
            s = map_identity(map, span, device);
        }
    }
    if (!s) {
        log::error("hyp: cannot build the EL2 memory map: {} ({} of {} table pages used)", s.error(), pool.used(),
                   pool.capacity());
        return s;
    }
    arch::el2_switch_tables(map.root());
    root_in_use = map.root();
    log::info("hyp: EL2 memory map: {} table pages", pool.used());
    return success();
}

const std::uint64_t* current_root() { return root_in_use; }

}  // namespace hyp::mem
