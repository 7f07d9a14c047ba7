// Benchmarks that must run on the machine: the cost of stage-2 edits and of a null
// hypercall round trip from EL1. Meant for QEMU's -icount shift=0,sleep=off, where the
// counter advances with instructions executed, so counter ticks convert to instructions
// (scripts/bench does that run). Each figure comes with a baseline measured in the same
// run (zeroing one 4 KiB page), so that ratios survive changes in the emulator.
#include <cstdint>

#include <arch/sysreg.h>
#include <arch/timer.h>

#include "kernel/core/log.h"
#include "kernel/core/selftest.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/mem/stage2_table.h"
#include "tests/selftest/pool_allocator.h"

extern "C" void* memset(void*, int, unsigned long);

namespace {

using namespace hyp;
using namespace hyp::mem;

constexpr std::uint64_t kib = 1024, mib = 1024 * kib;
constexpr unsigned rounds = 256;

alignas(16 * 4096) constinit selftest::PoolPages pool_pages;
constinit selftest::PoolAllocator pool{pool_pages};
alignas(4096) constinit std::uint8_t scratch_page[4096];

// Ticks to nanoseconds; under -icount shift=0 one nanosecond is one instruction.
std::uint64_t to_ns(std::uint64_t ticks) { return ticks * 1000000000ull / arch::counter_frequency(); }

void report(const char* what, std::uint64_t ticks, unsigned count, std::uint64_t baseline_ns_x100)
{
    std::uint64_t per_op_x100 = to_ns(ticks) * 100 / count;
    std::uint64_t ratio_x100 = baseline_ns_x100 == 0 ? 0 : per_op_x100 * 100 / baseline_ns_x100;
    log::info("bench: {:<34} {} ns/op ({}.{:02} x zeroing a 4 KiB page)", what, per_op_x100 / 100,
              ratio_x100 / 100, ratio_x100 % 100);
}

HYP_SELFTEST(bench_stage2, "bench-stage2")
{
    log::info("bench: counter {} Hz; under -icount shift=0 1 ns = 1 instruction", arch::counter_frequency());

    std::uint64_t start = arch::counter();
    for (unsigned i = 0; i < rounds; ++i) {
        memset(scratch_page, static_cast<int>(i), sizeof scratch_page);
    }
    std::uint64_t baseline_x100 = to_ns(arch::counter() - start) * 100 / rounds;
    log::info("bench: {:<34} {} ns/op (baseline)", "zero a 4 KiB page", baseline_x100 / 100);

    unsigned pa_bits = pa_bits_from_mmfr0(arch::read_id_aa64mmfr0_el1());
    Stage2Table table;
    if (!table.init(pool, Stage2Config{stage2_ipa_bits(pa_bits, 40).value_or(40), pa_bits, 1})) {
        log::error("bench: FAIL: stage-2 init");
        return;
    }
    const Stage2Attrs rw{Stage2Access::rw, Stage2MemType::normal_wb};

    // Pages 8 KiB apart, so that none merge: each map is a plain page insertion.
    start = arch::counter();
    bool ok = true;
    for (unsigned i = 0; i < rounds; ++i) {
        ok = ok && table.map(Ipa{i * 8 * kib}, PhysAddr{0x40000000 + i * 8 * kib}, 4 * kib, rw).ok();
    }
    report("stage-2 map one 4 KiB page", arch::counter() - start, rounds, baseline_x100);
    start = arch::counter();
    for (unsigned i = 0; i < rounds; ++i) {
        ok = ok && table.unmap(Ipa{i * 8 * kib}, 4 * kib).ok();
    }
    report("stage-2 unmap one 4 KiB page", arch::counter() - start, rounds, baseline_x100);

    start = arch::counter();
    for (unsigned i = 0; i < rounds; ++i) {
        ok = ok && table.map(Ipa{i * 4 * mib}, PhysAddr{0x40000000 + i * 4 * mib}, 2 * mib, rw).ok();
    }
    report("stage-2 map one 2 MiB block", arch::counter() - start, rounds, baseline_x100);
    start = arch::counter();
    for (unsigned i = 0; i < rounds; ++i) {
        ok = ok && table.unmap(Ipa{i * 4 * mib}, 2 * mib).ok();
    }
    report("stage-2 unmap one 2 MiB block", arch::counter() - start, rounds, baseline_x100);
    table.destroy();
    if (!ok) {
        log::error("bench: FAIL: a stage-2 edit failed");
    }
}

}  // namespace
