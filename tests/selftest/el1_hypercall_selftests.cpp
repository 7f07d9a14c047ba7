// el1-hypercalls: runs a small program at EL1 under a stage-2 map of this image and
// makes hypercalls from there, through every entry path: HVC #0 (SMCCC), HVC #0x6nnn
// (native), and SMC #0 trapped with HCR_EL2.TSC. The EL1 side records what it got back;
// the EL2 side checks it, and that the objects it made and deleted left nothing behind.
#include <cstdint>

#include <arch/guest.h>
#include <arch/registers.h>
#include <arch/stage2_probe.h>
#include <arch/sysreg.h>
#include <arch/tlb.h>

#include "hyp_api/gunyah_client.h"
#include "kernel/core/log.h"
#include "kernel/boot/selftest.h"
#include "kernel/hypercall/trap.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/mem/stage2_table.h"
#include "kernel/object/root_objects.h"
#include "tests/selftest/el1_stage.h"
#include "tests/selftest/pool_allocator.h"


namespace {

using namespace hyp;

// The EL1 program signals the end, or a fault of its own, with HVC immediates outside
// Gunyah's range: this loop intercepts them before the hypercall trap would.
constexpr std::uint32_t imm_done = selftest::hvc_done;
constexpr std::uint32_t imm_el1_fault = selftest::hvc_el1_fault;

struct Observed {
    std::uint64_t identify_smccc = 0;
    std::uint64_t identify_native = 0;
    std::uint64_t identify_smc = 0;
    std::uint64_t uid[4] = {};
    std::int64_t unknown = 0;
    std::int64_t copy_error = 0;
    std::uint64_t copied_cap = 0;
    std::int64_t delete_error = 0;
    std::int64_t delete_again_error = 0;
    std::int64_t create_error = 0;
    std::int64_t configure_error = 0;
    std::int64_t activate_error = 0;
    std::int64_t delete_created_error = 0;
    std::int64_t bad_reserved_error = 0;
};

alignas(64) constinit Observed observed;
alignas(16) constinit std::uint8_t el1_stack[8192];
alignas(16 * 4096) constinit selftest::PoolPages pool_pages;
constinit selftest::PoolAllocator pool{pool_pages};

std::int64_t as_int(gunyah::Error e) { return static_cast<std::int64_t>(e); }

// ---- EL1 side: runs with its MMU off, VA = IPA = PA of this image. --------------------
extern "C" [[noreturn]] void el1_program(std::uint64_t partition_cap, std::uint64_t cspace_cap)
{
    namespace d = gunyah::detail;
    observed.identify_smccc = gunyah::hyp_identify().api_info;
    observed.identify_native = d::trap<GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_HYP_IDENTIFY)>(d::Regs{}).x[0];
    {
        register std::uint64_t x0 asm("x0") = GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY);
        asm volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                                             "x12", "x13", "x14", "x15", "x16", "x17", "memory");
        observed.identify_smc = x0;
    }
    gunyah::Uid uid = gunyah::vendor_hyp_call_uid();
    for (unsigned i = 0; i < 4; ++i) {
        observed.uid[i] = uid.w[i];
    }
    observed.unknown = static_cast<std::int64_t>(d::smccc(GUNYAH_HC_SMCCC_ID(0x3ff)).x[0]);

    gunyah::CapResult copy = gunyah::cspace_copy_cap_from(cspace_cap, partition_cap, cspace_cap,
                                                          GUNYAH_RIGHT_PARTITION_OBJECT_CREATE);
    observed.copy_error = as_int(copy.error);
    observed.copied_cap = copy.cap;
    observed.delete_error = as_int(gunyah::cspace_delete_cap_from(cspace_cap, copy.cap));
    observed.delete_again_error = as_int(gunyah::cspace_delete_cap_from(cspace_cap, copy.cap));

    gunyah::CapResult made = gunyah::partition_create_cspace(partition_cap, cspace_cap);
    observed.create_error = as_int(made.error);
    observed.configure_error = as_int(gunyah::cspace_configure(made.cap, 16));
    observed.activate_error = as_int(gunyah::object_activate(made.cap));
    observed.delete_created_error = as_int(gunyah::cspace_delete_cap_from(cspace_cap, made.cap));
    // A reserved (must be zero) argument that is not: refused.
    observed.bad_reserved_error =
        static_cast<std::int64_t>(d::hypercall(GUNYAH_HC_OBJECT_ACTIVATE, partition_cap, 1).x[0]);

    asm volatile("hvc %0" : : "i"(imm_done));
    for (;;) {
    }
}

// ---- EL2 side. --------------------------------------------------------------------
template <typename T>
bool expect(const char* what, T got, T want)
{
    if (got == want) {
        return true;
    }
    log::error("el1-hypercalls: FAIL: {}: got {:#x}, expected {:#x}", what, static_cast<std::uint64_t>(got),
               static_cast<std::uint64_t>(want));
    return false;
}

HYP_SELFTEST(el1_hypercalls, "el1-hypercalls")
{
    const RootObjects& roots = root_objects();
    std::uint64_t free_before = roots.partition->free_bytes();
    std::uint32_t caps_before = roots.cspace->used();

    selftest::El1Stage stage{pool};
    if (!stage.enter("el1-hypercalls")) {
        return;
    }
    arch::GuestRegs regs = selftest::El1Stage::initial_regs(reinterpret_cast<void (*)()>(&el1_program),
                                                            el1_stack + sizeof el1_stack);
    regs.x[0] = roots.partition_cap;
    regs.x[1] = roots.cspace_cap;

    hypercall::Caller caller{roots.cspace};
    unsigned traps = 0;
    bool finished = false;
    while (!finished && traps < 1000) {
        arch::GuestExit exit = arch::guest_run(&regs);
        ++traps;
        std::uint64_t ec = (regs.esr >> hypercall::esr_ec_shift) & hypercall::esr_ec_mask;
        std::uint64_t imm = regs.esr & hypercall::esr_imm16_mask;
        if (exit != arch::GuestExit::sync) {
            log::error("el1-hypercalls: FAIL: unexpected exit {} from EL1", static_cast<std::uint64_t>(exit));
            break;
        }
        if (ec == hypercall::esr_ec_hvc64 && imm == imm_done) {
            finished = true;
        } else if (ec == hypercall::esr_ec_hvc64 && imm == imm_el1_fault) {
            log::error("el1-hypercalls: FAIL: EL1 took an exception (ESR_EL1 {:#x})", arch::read_esr_el1());
            break;
        } else if (hypercall::handle_hypercall_trap(caller, regs.esr, {regs.x, &regs.elr}) !=
                   hypercall::TrapResult::handled) {
            log::error("el1-hypercalls: FAIL: EL1 trapped with ESR {:#x} FAR {:#x} at {:#x}", regs.esr, regs.far,
                       regs.elr);
            break;
        }
    }
    stage.leave();

    const Observed& o = observed;
    std::uint64_t api = GUNYAH_API_INFO(1, 0, 1, 0);
    bool ok = finished && expect("identify over HVC #0", o.identify_smccc, api) &&
              expect("identify over HVC #0x6000", o.identify_native, api) &&
              expect("identify over a trapped SMC", o.identify_smc, api) &&
              expect("UID x0", o.uid[0], std::uint64_t{GUNYAH_UID_X0}) &&
              expect("UID x3", o.uid[3], std::uint64_t{GUNYAH_UID_X3}) &&
              expect("unknown call", o.unknown, std::int64_t{-1}) &&
              expect("cspace_copy_cap_from", o.copy_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("cspace_delete_cap_from", o.delete_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("deleting it again", o.delete_again_error, std::int64_t{GUNYAH_ERROR_CSPACE_CAP_REVOKED}) &&
              expect("partition_create_cspace", o.create_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("cspace_configure", o.configure_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("object_activate", o.activate_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("deleting the new cspace", o.delete_created_error, std::int64_t{GUNYAH_ERROR_OK}) &&
              expect("a non-zero reserved argument", o.bad_reserved_error, std::int64_t{GUNYAH_ERROR_ARG_INVAL}) &&
              expect("root partition free bytes afterwards", roots.partition->free_bytes(), free_before) &&
              expect("root cspace caps afterwards", std::uint64_t{roots.cspace->used()}, std::uint64_t{caps_before});
    if (ok) {
        // hyp_identify in its SMCCC and native forms is answered in the vector, without a trap.
        log::info("el1-hypercalls: PASS: {} traps from EL1 handled, nothing leaked", traps);
    }
}

}  // namespace
