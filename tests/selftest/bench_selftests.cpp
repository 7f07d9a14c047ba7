// Benchmarks that must run on the machine: the cost of stage-2 edits and of a null
// hypercall round trip from EL1. Meant for QEMU's -icount shift=0,sleep=off, where the
// counter advances with instructions executed, so counter ticks convert to instructions
// (scripts/bench does that run). Each figure comes with a baseline measured in the same
// run (zeroing one 4 KiB page), so that ratios survive changes in the emulator.
#include <cstdint>

#include <arch/sysreg.h>
#include <arch/timer.h>

#include <arch/guest.h>
#include <arch/registers.h>
#include <arch/vcpu_context.h>

#include "kernel/core/log.h"
#include "kernel/hypercall/trap.h"
#include "tests/selftest/el1_stage.h"
#include "kernel/boot/selftest.h"
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

// ---- Hypercall and vCPU-switch round trips from EL1. ---------------------------------
namespace {

// x0 = iterations: that many vendor-hyp Call UID calls over HVC #0, then HVC #0xff00
// (done). Call UID, not hyp_identify: the EL2 vector answers hyp_identify itself
// (kernel/hypercall/fast_answers.h), and this measures the trap to EL2 code and back.
extern "C" void el1_bench_hypercalls();
asm(R"(
    .text
    .global el1_bench_hypercalls
el1_bench_hypercalls:
    mov     x19, x0
1:  cbz     x19, 2f
    mov     x0, #0xff01
    movk    x0, #0x8600, lsl #16    // GUNYAH_SMCCC_VENDOR_HYP_CALL_UID = 0x8600ff01
    hvc     #0
    sub     x19, x19, #1
    b       1b
2:  hvc     #0xff00
    b       2b
)");

alignas(16 * 4096) constinit selftest::PoolPages el1_pool_pages;
constinit selftest::PoolAllocator el1_pool{el1_pool_pages};
alignas(16) constinit std::uint8_t el1_stack[4096];

HYP_SELFTEST(bench_hypercall, "bench-hypercall")
{
    log::info("bench: counter {} Hz; under -icount shift=0 1 ns = 1 instruction", arch::counter_frequency());
    selftest::El1Stage stage{el1_pool};
    if (!stage.enter("bench")) {
        return;
    }
    constexpr unsigned calls = 1000;
    arch::GuestRegs regs = selftest::El1Stage::initial_regs(&el1_bench_hypercalls, el1_stack + sizeof el1_stack);
    regs.x[0] = calls;
    hypercall::Caller caller{};
    unsigned handled = 0;
    std::uint64_t start = arch::counter();
    for (;;) {
        (void)arch::guest_run(&regs);
        if ((regs.esr & hypercall::esr_imm16_mask) == selftest::hvc_done) {
            break;
        }
        if (hypercall::handle_hypercall_trap(caller, regs.esr, {regs.x, &regs.elr}) != hypercall::TrapResult::handled) {
            log::error("bench: FAIL: unexpected trap ESR {:#x}", regs.esr);
            break;
        }
        ++handled;
    }
    std::uint64_t ticks = arch::counter() - start;

    // The same round trip with a full vCPU context switch around it (EL1 system and
    // FP/SIMD registers saved and restored each time), as a scheduler switching vCPUs pays.
    arch::El1SysRegs sys{};
    sys.sctlr_el1 = arch::sctlr_el1::reset_mmu_off;
    sys.vbar_el1 = selftest::El1Stage::vectors();
    arch::FpRegs fp{};
    regs = selftest::El1Stage::initial_regs(&el1_bench_hypercalls, el1_stack + sizeof el1_stack);
    regs.x[0] = calls;
    unsigned switched = 0;
    std::uint64_t start_switch = arch::counter();
    for (;;) {
        arch::el1_sysregs_restore(sys);
        arch::fp_regs_restore(&fp);
        (void)arch::guest_run(&regs);
        arch::el1_sysregs_save(sys);
        arch::fp_regs_save(&fp);
        if ((regs.esr & hypercall::esr_imm16_mask) == selftest::hvc_done) {
            break;
        }
        (void)hypercall::handle_hypercall_trap(caller, regs.esr, {regs.x, &regs.elr});
        ++switched;
    }
    std::uint64_t ticks_switch = arch::counter() - start_switch;
    stage.leave();
    if (handled != calls || switched != calls) {
        log::error("bench: FAIL: {} and {} calls handled, expected {}", handled, switched, calls);
        return;
    }
    std::uint64_t per_call = to_ns(ticks) / calls;
    std::uint64_t per_switch = to_ns(ticks_switch) / calls;
    log::info("bench: {:<34} {} ns/op (baseline)", "null hypercall round trip from EL1", per_call);
    log::info("bench: {:<34} {} ns/op ({}.{:02} x the null hypercall)", "same, with a vCPU context switch", per_switch,
              per_switch / per_call, per_switch * 100 / per_call % 100);
}

}  // namespace
