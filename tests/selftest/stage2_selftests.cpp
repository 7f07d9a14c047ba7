// stage2-walk: builds real stage-2 tables with kernel/mem's engine, then asks the CPU to
// walk them (AT S12E1R/W) and compares every answer with the engine's own lookup. Pages,
// 2 MiB and 1 GiB blocks, a block split by an unmap and by a protect, and the merge back.
// The descriptor format is thereby checked by a walker we did not write.
#include <cstdint>

#include <arch/registers.h>
#include <arch/stage2_probe.h>
#include <arch/sysreg.h>

#include "kernel/core/log.h"
#include "kernel/boot/selftest.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/mem/stage2_table.h"
#include "tests/selftest/pool_allocator.h"

namespace {

using namespace hyp;
using namespace hyp::mem;

constexpr std::uint64_t kib = 1024, mib = 1024 * kib, gib = 1024 * mib;

alignas(16 * 4096) constinit selftest::PoolPages pool_pages;
constinit selftest::PoolAllocator pool{pool_pages};

struct Probe {
    unsigned checked = 0;
    unsigned mismatches = 0;

    // The hardware and the engine must agree on whether `ipa` translates, and where to;
    // a write must fault exactly where the engine says the mapping is not writable.
    void check(const Stage2Table& table, std::uint64_t ipa)
    {
        Result<Stage2Mapping> ours = table.lookup(Ipa{ipa});
        for (bool write : {false, true}) {
            arch::WalkResult hw = arch::walk_s12e1(ipa, write);
            bool expect_ok = ours.ok() && has_right(ours->attrs.access, write ? stage2_access_w : stage2_access_r);
            bool agree = expect_ok ? (!hw.fault && hw.pa == ours->pa.raw()) : (hw.fault && hw.stage2);
            ++checked;
            if (!agree) {
                ++mismatches;
                log::error("stage2-walk: mismatch at ipa {:#x} ({}): hardware par {:#x}, engine {}", ipa,
                           write ? "write" : "read", hw.par, ours.ok() ? "mapped" : "unmapped");
            }
        }
    }
};

void probe_all(Probe& probe, const Stage2Table& table, const std::uint64_t* ipas, unsigned count)
{
    for (unsigned i = 0; i < count; ++i) {
        probe.check(table, ipas[i]);
    }
}

HYP_SELFTEST(stage2_walk, "stage2-walk")
{
    unsigned pa_bits = pa_bits_from_mmfr0(arch::read_id_aa64mmfr0_el1());
    Result<unsigned> ipa_bits = stage2_ipa_bits(pa_bits, 40);
    Result<std::uint64_t> vtcr = stage2_vtcr(ipa_bits.value_or(0), pa_bits, 8);
    Stage2Table table;
    if (!ipa_bits || !vtcr || !table.init(pool, Stage2Config{*ipa_bits, pa_bits, 1})) {
        log::error("stage2-walk: FAIL: cannot set up a {}-bit stage 2", pa_bits);
        return;
    }
    log::info("stage2-walk: {}-bit IPA, {}-bit PA, start level {}, {} root table(s)", *ipa_bits, pa_bits,
              table.geometry().start_level, table.geometry().root_tables);

    const Stage2Attrs rw{Stage2Access::rw, Stage2MemType::normal_wb};
    const Stage2Attrs rx{Stage2Access::rx, Stage2MemType::normal_wb};
    const Stage2Attrs dev{Stage2Access::rw, Stage2MemType::device_ngnre};
    bool ok = table.map(Ipa{0x1000}, PhysAddr{0x40001000}, 4 * kib, rw).ok() &&
              table.map(Ipa{0x3000}, PhysAddr{0x09000000}, 4 * kib, dev).ok() &&
              table.map(Ipa{2 * mib}, PhysAddr{0x40200000}, 2 * mib, rx).ok() &&
              table.map(Ipa{gib}, PhysAddr{2 * gib}, gib, rw).ok();
    if (!ok) {
        log::error("stage2-walk: FAIL: mapping");
        return;
    }
    const std::uint64_t ipas[] = {0x0,           0x1000,        0x1ff8,           0x2000,           0x3004,
                                  2 * mib,       2 * mib + 0x5123, 4 * mib - 8,   4 * mib,          gib - 8,
                                  gib,           gib + 0x123456, gib + 300 * mib, 2 * gib - 8,      2 * gib,
                                  (1ull << *ipa_bits) - 4096};
    constexpr unsigned ipa_count = sizeof ipas / sizeof ipas[0];

    arch::stage2_probe_begin(*vtcr, table.vttbr());
    Probe probe;
    probe_all(probe, table, ipas, ipa_count);

    // Split the 2 MiB block (unmap one page) and the 1 GiB block (protect one page).
    ok = table.unmap(Ipa{3 * mib}, 4 * kib).ok() &&
         table.protect(Ipa{gib + 300 * mib}, 4 * kib, Stage2Attrs{Stage2Access::r, Stage2MemType::normal_wb}).ok();
    const std::uint64_t split_ipas[] = {3 * mib - 8, 3 * mib, 3 * mib + 4095, 3 * mib + 4096,
                                        gib + 300 * mib - 8, gib + 300 * mib + 8, gib + 300 * mib + 4096};
    probe_all(probe, table, ipas, ipa_count);
    probe_all(probe, table, split_ipas, sizeof split_ipas / sizeof split_ipas[0]);
    unsigned pages_split = pool.in_use();

    // Put them back: the engine merges the blocks again.
    ok = ok && table.map(Ipa{3 * mib}, PhysAddr{0x40200000 + mib}, 4 * kib, rx).ok() &&
         table.protect(Ipa{gib + 300 * mib}, 4 * kib, rw).ok();
    probe_all(probe, table, ipas, ipa_count);
    probe_all(probe, table, split_ipas, sizeof split_ipas / sizeof split_ipas[0]);
    unsigned pages_merged = pool.in_use();

    ok = ok && table.unmap(Ipa{0}, 2 * gib).ok();
    probe_all(probe, table, ipas, ipa_count);
    arch::stage2_probe_end();
    unsigned pages_empty = pool.in_use();
    table.destroy();

    log::info("stage2-walk: table pages: split {}, merged {}, empty {}, destroyed {}", pages_split, pages_merged,
              pages_empty, pool.in_use());
    if (!ok || probe.mismatches != 0 || pool.in_use() != 0 || pages_merged >= pages_split) {
        log::error("stage2-walk: FAIL: {} of {} walks disagree{}", probe.mismatches, probe.checked,
                   ok ? "" : ", an edit failed");
        return;
    }
    log::info("stage2-walk: PASS: {} hardware walks agree with the engine", probe.checked);
}

}  // namespace
