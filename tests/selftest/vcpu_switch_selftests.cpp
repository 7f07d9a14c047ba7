// vcpu-switch: two EL1 contexts share one physical CPU and take turns, each switch
// saving one context's general, EL1 system and FP/SIMD registers and restoring the
// other's. Each EL1 program checks, after every turn, that its own registers came back
// exactly (and not the other's), so a register missing from the save/restore set shows.
#include <cstdint>

#include <arch/guest.h>
#include <arch/registers.h>
#include <arch/timer.h>
#include <arch/vcpu_context.h>

#include "kernel/core/log.h"
#include "kernel/boot/selftest.h"
#include "kernel/hypercall/trap.h"
#include "tests/selftest/el1_stage.h"

extern "C" void el1_switch_program();

// x0 = this context's tag. Checks its tag in TPIDR_EL1, CONTEXTIDR_EL1, TTBR0_EL1 and D0;
// then, each turn, stores its counter (x19) in TPIDR_EL0, SP_EL0 and D1, yields to EL2,
// and checks they are still there when it runs again.
asm(R"(
    .text
    .arch_extension fp          // the kernel is built without FP; this guest code uses it
    .global el1_switch_program
el1_switch_program:
    mov     x19, #0
1:  mrs     x1, tpidr_el1
    cmp     x1, x0
    b.ne    9f
    mrs     x1, contextidr_el1
    cmp     x1, x0
    b.ne    9f
    mrs     x1, ttbr0_el1
    cmp     x1, x0, lsl #12
    b.ne    9f
    fmov    x1, d0
    cmp     x1, x0
    b.ne    9f
    add     x19, x19, #1
    msr     tpidr_el0, x19
    msr     sp_el0, x19
    fmov    d1, x19
    hvc     #0xff02
    mrs     x1, tpidr_el0
    cmp     x1, x19
    b.ne    9f
    mrs     x1, sp_el0
    cmp     x1, x19
    b.ne    9f
    fmov    x1, d1
    cmp     x1, x19
    b.ne    9f
    b       1b
9:  hvc     #0xff01
    b       9b
)");

namespace {

using namespace hyp;

constexpr unsigned turns_each = 200;
constexpr std::uint64_t cpacr_fpen_el1_el0 = 3ull << 20;  // CPACR_EL1.FPEN: FP/SIMD at EL1 and EL0 untrapped

struct Vcpu {
    arch::GuestRegs regs;
    arch::El1SysRegs sys;
    arch::FpRegs fp;
    alignas(16) std::uint8_t stack[4096] = {};
};

alignas(16 * 4096) constinit selftest::PoolPages pool_pages;
constinit selftest::PoolAllocator pool{pool_pages};
constinit Vcpu vcpus[2];

HYP_SELFTEST(vcpu_switch, "vcpu-switch")
{
    selftest::El1Stage stage{pool};
    if (!stage.enter("vcpu-switch")) {
        return;
    }
    const std::uint64_t tags[2] = {0xa, 0xb};
    for (unsigned i = 0; i < 2; ++i) {
        Vcpu& v = vcpus[i];
        v.regs = selftest::El1Stage::initial_regs(&el1_switch_program, v.stack + sizeof v.stack);
        v.regs.x[0] = tags[i];
        v.sys = arch::El1SysRegs{};
        v.sys.sctlr_el1 = arch::sctlr_el1::reset_mmu_off;
        v.sys.cpacr_el1 = cpacr_fpen_el1_el0;
        v.sys.vbar_el1 = selftest::El1Stage::vectors();
        v.sys.tpidr_el1 = tags[i];
        v.sys.contextidr_el1 = tags[i];
        v.sys.ttbr0_el1 = tags[i] << 12;
        v.fp = arch::FpRegs{};
        v.fp.q[0][0] = tags[i];
    }

    bool ok = true;
    std::uint64_t start = arch::counter();
    unsigned switches = 0;
    for (unsigned turn = 0; ok && turn < 2 * turns_each; ++turn) {
        Vcpu& v = vcpus[turn % 2];
        arch::el1_sysregs_restore(v.sys);
        arch::fp_regs_restore(&v.fp);
        arch::GuestExit exit = arch::guest_run(&v.regs);
        arch::el1_sysregs_save(v.sys);
        arch::fp_regs_save(&v.fp);
        ++switches;
        std::uint64_t imm = v.regs.esr & hypercall::esr_imm16_mask;
        std::uint64_t ec = (v.regs.esr >> hypercall::esr_ec_shift) & hypercall::esr_ec_mask;
        if (exit != arch::GuestExit::sync || ec != hypercall::esr_ec_hvc64 || imm != selftest::hvc_yield) {
            log::error("vcpu-switch: FAIL: context {:#x} stopped on turn {} (ESR {:#x}, x1 {:#x}, x19 {})", v.regs.x[0],
                       turn, v.regs.esr, v.regs.x[1], v.regs.x[19]);
            ok = false;
        }
    }
    std::uint64_t ticks = arch::counter() - start;
    stage.leave();
    for (unsigned i = 0; ok && i < 2; ++i) {
        if (vcpus[i].regs.x[19] != turns_each) {
            log::error("vcpu-switch: FAIL: context {:#x} ran {} turns, not {}", tags[i], vcpus[i].regs.x[19], turns_each);
            ok = false;
        }
    }
    if (ok) {
        log::info("vcpu-switch: PASS: {} switches between 2 contexts, state intact; {} counter ticks per switch",
                  switches, ticks / switches);
    }
}

}  // namespace
