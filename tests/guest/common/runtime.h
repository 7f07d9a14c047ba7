// The test guests' runtime: what every guest in tests/guest links with. A guest is a
// freestanding EL1 program in arm64 Image format, booted as the primary VM (or directly
// on QEMU, to debug it): entry.S relocates it, clears its BSS, gives each vCPU a stack
// and a vector table, and calls guest::run() on the boot vCPU. The MMU stays off.
//
// A guest defines:
//   GUEST_NAME("identify");                  the name in every line it prints
//   void guest::run(std::uint64_t dt_ipa);   its test, on the boot vCPU
// and reports with say() / check(); when run() returns, the runtime prints exactly one
// verdict line, `guest NAME: PASS` or `guest NAME: FAIL: <first failed check>`, and
// powers off with PSCI SYSTEM_OFF.
//
// Memory: with the MMU off every data access is Device-nGnRnE, so everything is built
// with -mstrict-align and vCPUs share data only through plain loads and stores (no
// exclusives or atomics, which Device memory need not support), with DSBs for order:
// use load() / store() and dsb().
#pragma once

#include <cstddef>
#include <cstdint>

// Hidden: defined in the image itself, so reached PC-relative, never through the GOT
// (which holds link-time addresses until entry.S has relocated the image).
#define GUEST_HIDDEN __attribute__((visibility("hidden")))
#define GUEST_NAME(name) extern "C" GUEST_HIDDEN const char guest_name[] = name

extern "C" GUEST_HIDDEN const char guest_name[];

namespace guest {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i64 = std::int64_t;

// Up to this many vCPUs get a stack (entry.S); one with a larger index parks itself.
inline constexpr unsigned max_vcpus = 64;

// The guest's test, on the boot vCPU, with x0 as the VM was started (the DT's IPA).
void run(u64 dt_ipa);

// ---- Output: the PL011 data register, 32-bit stores, nothing read back -------------------
void putc(char c);
void puts(const char* s);
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// One line "guest NAME: <text>\n".
void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Prints "guest NAME:   ok   <text>" or "guest NAME:   BAD  <text>" and returns ok. The
// first BAD text becomes the FAIL reason. (Lines never contain "FAIL" unless the guest
// has failed: the QEMU cases forbid the word.)
bool check(bool ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// A check that did not hold, with no "ok" twin (when the message is already specific).
void bad(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned failures();
// The verdict line, then SYSTEM_OFF. fail() records its reason first when it is the first.
[[noreturn]] void finish();
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// ---- CPU ---------------------------------------------------------------------------------
// MPIDR_EL1's affinity fields (Aff3..Aff0), without bit 31, U and MT.
u64 mpidr();
inline constexpr u64 mpidr_affinity_mask = 0xff00ffffffull;
// This vCPU's index under the VM's MPIDR convention (hyp_api/vcpu_mpidr.h).
unsigned this_vcpu();
u64 current_el();  // 1 for a guest
u64 sctlr_el1();
u64 daif();

inline void dsb() { asm volatile("dsb sy" ::: "memory"); }
inline void isb() { asm volatile("isb" ::: "memory"); }
inline void cpu_relax() { asm volatile("yield" ::: "memory"); }

// Plain single-copy-atomic accesses to memory another vCPU reads or writes.
template <typename T>
inline T load(const T& v)
{
    return *static_cast<const volatile T*>(&v);
}
template <typename T>
inline void store(T& v, T value)
{
    *static_cast<volatile T*>(&v) = value;
}

// The EL1 virtual timer. arm_vtimer() sets CNTV_CVAL_EL0 = now + ticks and enables it
// unmasked; vtimer_fired() reads CNTV_CTL_EL0.ISTATUS; disarm_vtimer() writes
// CNTV_CTL_EL0 = 0. Its interrupt (PPI 27) wakes WFI or CPU_SUSPEND only once the GIC
// takes it: gic_enable_distributor() and gic_enable_vtimer() below.
void arm_vtimer(u64 ticks_from_now);
bool vtimer_fired();
void disarm_vtimer();

// The boot vCPU's registers as the loader handed over (entry.S saves them first).
// booting.rst: x0 = the DT, x1..x3 = 0, MMU and D-cache off, DAIF masked; the RM starts
// the primary VM at EL1h.
struct BootState {
    u64 x[4];
    u64 daif;
    u64 sctlr_el1;
    u64 current_el;  // CurrentEL as read: EL in bits 3:2
    u64 spsel;
};
static_assert(sizeof(BootState) == 64, "entry.S stores this layout");
const BootState& boot_state();

// Where the image runs: [image_base(), image_end()) holds it, BSS and stacks included.
u64 image_base();
u64 image_end();

// A property of the flattened DT at `dt_ipa`: of the node at path[0]/.../path[depth - 1]
// below the root, each component matching a node's name with or without its unit address
// ("gunyah-resource-mgr" matches gunyah-resource-mgr@12), the first such node that has
// the property. Its value (size bytes, big-endian cells), or nullptr; node_name, when
// given, gets the node's full name.
const void* dt_property(u64 dt_ipa, const char* const* path, unsigned depth, const char* property, u32* size,
                        const char** node_name = nullptr);
// A big-endian 32-bit cell, read byte by byte.
u32 fdt32(const void* at);
// Whether two NUL-terminated strings are equal.
bool str_equal(const char* a, const char* b);

// /chosen/bootargs of the flattened DT at `dt_ipa` (run()'s argument), or "" when it has
// none: the guest-loader module's bootargs=, which the RM copies there.
const char* chosen_bootargs(u64 dt_ipa);

// ---- The generic timer: the virtual counter (CNTVCT_EL0) and its frequency --------------
u64 counter();
u64 counter_frequency();
u64 ticks_from_us(u64 us);
u64 us_from_ticks(u64 ticks);
void delay_us(u64 us);

// Polls fn() every 100 us until it holds or `timeout_us` has passed; true if it held.
template <typename Fn>
bool wait_for(Fn fn, u64 timeout_us)
{
    const u64 start = counter();
    const u64 limit = ticks_from_us(timeout_us);
    while (!fn()) {
        if (counter() - start > limit) {
            return fn();
        }
        delay_us(100);
    }
    return true;
}

// ---- The GIC (GICv3) ---------------------------------------------------------------------
// QEMU virt's GICv3, where the VM's device tree puts its (virtual) GIC: the distributor,
// then the redistributors, one 128 KiB pair of frames (RD_base, SGI_base) per vCPU in vCPU
// order. Like the UART's address, a property of the board.
inline constexpr u64 gicd_base = 0x08000000;
inline constexpr u64 gicr_base = 0x080a0000;
inline constexpr u64 gicr_stride = 0x20000;
inline constexpr u64 gicr_sgi_offset = 0x10000;  // SGI_base, from RD_base
inline constexpr u32 vtimer_intid = 27;          // the EL1 virtual timer's PPI
inline constexpr u32 gic_special_intids = 1020;  // INTIDs 1020..1023 are not interrupts
inline constexpr u32 gic_spurious_intid = 1023;  // what ICC_IAR1_EL1 reads with nothing pending

// A vCPU sleeping in WFI or CPU_SUSPEND wakes only for an interrupt that is pending and
// enabled, in an enabled group, at a priority its CPU interface lets through: exactly as
// on hardware. The least set-up for the virtual timer to wake it, as Linux would do it;
// PSTATE.I stays masked (a pending interrupt ends WFI anyway) and the guest acknowledges
// the interrupt itself, after the wake:
//     arm_vtimer(t); u32 intid = wfi_for_interrupt(); vtimer_done(intid);   // intid 27
// The two enables return nullptr, or what went wrong (for the boot vCPU to report).
//
// Once, on the boot vCPU: GICD_CTLR.EnableGrp1 (and ARE first if it was off, as on bare
// QEMU; the hypervisor's vGIC has it on always).
const char* gic_enable_distributor();
// On each vCPU that sleeps on its timer: ICC_SRE_EL1.SRE; its redistributor (checked by
// GICR_TYPER's affinity) awake (GICR_WAKER.ProcessorSleep clear, ChildrenAsleep cleared);
// INTID 27 Group 1, priority 0xa0, enabled; ICC_PMR_EL1 = 0xff, ICC_IGRPEN1_EL1 = 1.
const char* gic_enable_vtimer();
// An SPI (32..1019), Group 1 as the vGIC resets it, routed to vCPU 0 and enabled; edge or
// level-triggered. Needs gic_enable_distributor() and, to wake WFI, gic_enable_vtimer()'s
// CPU-interface set-up on vCPU 0.
void gic_enable_spi(u32 intid, bool edge);
// ISR_EL1.I: an IRQ is pending at this (v)CPU, masked by PSTATE.I or not; in a VM, the
// virtual IRQ the CPU interface signals for a pending interrupt it would let through.
bool interrupt_pending();
// RD_base of vCPU `vcpu`'s redistributor.
u64 gic_redistributor(unsigned vcpu);
// ICC_IAR1_EL1: the INTID of the highest-priority pending Group 1 interrupt, now active,
// or gic_spurious_intid when there is none.
u32 gic_acknowledge();
// ICC_EOIR1_EL1 (EOImode 0: priority drop and deactivation at once).
void gic_end_of_interrupt(u32 intid);
// WFI until an interrupt is pending, acknowledged: its INTID (a WFI that ends with
// nothing to acknowledge, as WFI may, is repeated).
u32 wfi_for_interrupt();
// After the timer's wake-up, as a handler ends it: the timer disabled (CNTV_CTL_EL0 = 0, so
// that its output drops and the next sleep starts clean), then the end of interrupt for
// `intid` when it is one (not 1020..1023).
void vtimer_done(u32 intid);

// ---- SMCCC calls through HVC #0 (PSCI, SMCCC_VERSION, the vendor-hyp service calls) ----
struct SmcccResult {
    u64 x0, x1, x2, x3;
};
SmcccResult smccc_hvc(u64 function_id, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0);
// The same through SMC #0 (trapped by the hypervisor: HCR_EL2.TSC).
SmcccResult smccc_smc(u64 function_id, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0);

// PSCI (hyp_api/psci.h numbers; SMC64 forms where there are two). Results sign-extended.
i64 psci_version();
i64 psci_features(u32 function_id);
i64 psci_cpu_on(u64 target_mpidr, u64 entry, u64 context);
i64 psci_affinity_info(u64 target_mpidr, u32 lowest_level = 0);
i64 psci_cpu_suspend(u32 power_state, u64 entry = 0, u64 context = 0);
[[noreturn]] void psci_cpu_off();
[[noreturn]] void psci_system_off();

// The VM's vCPUs, found as a client of PSCI must: AFFINITY_INFO on the MPIDR of index
// 0, 1, 2, ... (hyp_api/vcpu_mpidr.h) until INVALID_PARAMETERS. At most max_vcpus.
unsigned count_vcpus();

// Whether the hypervisor answers the vendor-hyp Call UID with Gunyah's UID. On bare QEMU
// (no hypervisor) it does not, and guests skip what only a hypervisor can do.
bool on_gunyah();

// Names for printing.
const char* psci_result_name(i64 r);
const char* gunyah_error_name(i64 e);

// ---- FP/SIMD ------------------------------------------------------------------------------
// The guests are built without FP/SIMD registers; these use them (common/fp_pattern.S):
// fill V<r> = {base + r, ~(base + r)} for r = 0..31 and FPCR, FPSR as given; count how
// many of those 34 registers differ from that.
extern "C" void guest_fp_fill(u64 base, u64 fpcr, u64 fpsr);
extern "C" u64 guest_fp_wrong(u64 base, u64 fpcr, u64 fpsr);
// CPACR_EL1.FPEN = 0b11: FP/SIMD untrapped at EL1 and EL0 (a vCPU starts with them trapped).
void enable_fp();

// ---- Secondary vCPUs --------------------------------------------------------------------
// CPU_ON entry points (physical = virtual: the MMU is off). Both run `handler` on their
// own stack with their own vector table; entry_id tells which one the vCPU came in by
// (0 or 1), daif_on_entry is DAIF as the vCPU arrived. When the handler returns, the
// vCPU calls CPU_OFF.
using SecondaryHandler = void (*)(u64 context, unsigned entry_id, u64 daif_on_entry);
void set_secondary_handler(SecondaryHandler handler);
u64 secondary_entry(unsigned entry_id);

// ---- Exceptions -------------------------------------------------------------------------
// The registers as the vector saved them; ELR and SPSR are written back on return, so a
// hook may change where the interrupted code resumes (e.g. elr += 4 to skip).
struct ExceptionFrame {
    u64 x[31];
    u64 elr;
    u64 spsr;
    u64 esr;
    u64 far;
    u64 pad;
};
static_assert(sizeof(ExceptionFrame) == 288, "entry.S saves and restores this layout");

// ESR_EL1 fields.
inline constexpr u64 esr_ec(u64 esr) { return (esr >> 26) & 0x3f; }
inline constexpr u64 esr_iss(u64 esr) { return esr & 0x1ffffff; }
inline constexpr u64 esr_il(u64 esr) { return (esr >> 25) & 1; }
inline constexpr u64 ec_unknown = 0x00;
inline constexpr u64 ec_iabt_same_el = 0x21;
inline constexpr u64 ec_dabt_same_el = 0x25;
inline constexpr u64 fsc_sync_external = 0x10;  // ISS[5:0]: synchronous external abort
inline constexpr u64 iss_wnr = u64{1} << 6;
inline constexpr u64 iss_fnv = u64{1} << 10;    // FAR not valid

// A synchronous exception from EL1 (SP_EL1) is offered to this hook first; it returns
// true when it handled it. Anything else, or a false, ends the guest with a FAIL that
// names the exception. One hook for all vCPUs; nullptr removes it.
using SyncHook = bool (*)(ExceptionFrame& frame);
void set_sync_hook(SyncHook hook);

}  // namespace guest
