// Named fields of the AArch64 system registers the EL2 kernel programs.
// Values from the Arm Architecture Reference Manual (DDI 0487); each constant is the
// field already shifted into place unless its name ends in _shift.
#pragma once

#include <cstdint>

namespace hyp::arch {

constexpr std::uint64_t bit(unsigned n) { return std::uint64_t{1} << n; }

namespace current_el {
inline constexpr unsigned shift = 2;
inline constexpr std::uint64_t mask = 0x3;
}  // namespace current_el

// MPIDR_EL1: the affinity fields identify a CPU; everything else is flags.
namespace mpidr {
inline constexpr std::uint64_t aff0 = 0xffULL;
inline constexpr std::uint64_t aff1 = 0xffULL << 8;
inline constexpr std::uint64_t aff2 = 0xffULL << 16;
inline constexpr std::uint64_t aff3 = 0xffULL << 32;
inline constexpr std::uint64_t affinity_mask = aff0 | aff1 | aff2 | aff3;
}  // namespace mpidr

// SCTLR_EL2 in the non-VHE layout.
namespace sctlr_el2 {
inline constexpr std::uint64_t m = bit(0);     // stage-1 MMU enable
inline constexpr std::uint64_t a = bit(1);     // alignment check
inline constexpr std::uint64_t c = bit(2);     // data cacheability
inline constexpr std::uint64_t sa = bit(3);    // SP alignment check
inline constexpr std::uint64_t i = bit(12);    // instruction cacheability
inline constexpr std::uint64_t wxn = bit(19);  // writable implies execute-never
inline constexpr std::uint64_t ee = bit(25);   // big-endian data
inline constexpr std::uint64_t res1 = bit(4) | bit(5) | bit(11) | bit(16) | bit(18) | bit(22) |
                                      bit(23) | bit(28) | bit(29);
}  // namespace sctlr_el2

// SCTLR_EL1: only what the hypervisor sets for a guest before it runs.
namespace sctlr_el1 {
inline constexpr std::uint64_t m = bit(0);
// RES1 bits (11, 20, 22, 23, 28, 29) with the MMU, caches and alignment checks off.
inline constexpr std::uint64_t reset_mmu_off = bit(11) | bit(20) | bit(22) | bit(23) | bit(28) | bit(29);
}  // namespace sctlr_el1

// HCR_EL2 bits used to run a guest.
namespace hcr {
inline constexpr std::uint64_t vm = bit(0);    // stage 2 on for EL1&0
inline constexpr std::uint64_t fmo = bit(3);   // FIQs to EL2
inline constexpr std::uint64_t imo = bit(4);   // IRQs to EL2
inline constexpr std::uint64_t amo = bit(5);   // SErrors to EL2
inline constexpr std::uint64_t dc = bit(12);   // EL1 MMU off: data is Normal cacheable
inline constexpr std::uint64_t tsc = bit(19);  // SMC traps to EL2
inline constexpr std::uint64_t swio = bit(1);  // set/way invalidate behaves as clean+invalidate
inline constexpr std::uint64_t fb = bit(9);    // EL1 TLB and I-cache maintenance is broadcast
inline constexpr std::uint64_t bsu_inner = 1ULL << 10;  // barriers at least inner shareable
inline constexpr std::uint64_t twi = bit(13);  // WFI traps to EL2 (when it would wait)
inline constexpr std::uint64_t tidcp = bit(53);  // IMPLEMENTATION DEFINED registers trap
}  // namespace hcr

// CNTV_CTL_EL0: the EL1 virtual timer's control.
namespace cntv_ctl {
inline constexpr std::uint64_t enable = bit(0);
inline constexpr std::uint64_t imask = bit(1);
inline constexpr std::uint64_t istatus = bit(2);  // read-only: the condition is met
}  // namespace cntv_ctl

// TCR_EL2 in the non-VHE layout (one translation range, TTBR0_EL2).
namespace tcr_el2 {
inline constexpr unsigned t0sz_shift = 0;
inline constexpr std::uint64_t irgn0_wbwa = 1ULL << 8;
inline constexpr std::uint64_t orgn0_wbwa = 1ULL << 10;
inline constexpr std::uint64_t sh0_inner = 3ULL << 12;
inline constexpr std::uint64_t tg0_4k = 0ULL << 14;
inline constexpr unsigned ps_shift = 16;
inline constexpr std::uint64_t res1 = bit(23) | bit(31);
}  // namespace tcr_el2

// MAIR_EL2 attribute encodings; the index of each is fixed in mmu.h.
namespace mair {
inline constexpr std::uint64_t normal_wb = 0xff;  // inner/outer write-back, RW-allocate
inline constexpr std::uint64_t device_ngnre = 0x04;
inline constexpr std::uint64_t device_ngnrne = 0x00;
inline constexpr std::uint64_t normal_nc = 0x44;
}  // namespace mair

// ID_AA64MMFR0_EL1.PARange: supported physical address size.
namespace id_aa64mmfr0 {
inline constexpr unsigned parange_shift = 0;
inline constexpr std::uint64_t parange_mask = 0xf;
}  // namespace id_aa64mmfr0

// HCR_EL2.
namespace hcr_el2 {
inline constexpr std::uint64_t rw = bit(31);  // EL1 is AArch64
}  // namespace hcr_el2

// CPTR_EL2 in the non-VHE layout.
namespace cptr_el2 {
inline constexpr std::uint64_t tfp = bit(10);  // trap FP/SIMD
inline constexpr std::uint64_t res1 = 0x33ff;  // bits 13:12 and 9:0
}  // namespace cptr_el2

// CNTHCTL_EL2 (non-VHE): EL1 access to the physical counter and timer.
namespace cnthctl_el2 {
inline constexpr std::uint64_t el1pcten = bit(0);
inline constexpr std::uint64_t el1pcen = bit(1);
}  // namespace cnthctl_el2

// ESR_ELx.
namespace esr {
inline constexpr unsigned ec_shift = 26;
inline constexpr std::uint64_t ec_mask = 0x3f;
inline constexpr std::uint64_t il = bit(25);
inline constexpr std::uint64_t iss_mask = 0x1ffffff;
}  // namespace esr

// SPSR_ELx (AArch64 state).
namespace spsr {
inline constexpr std::uint64_t mode_mask = 0xf;
inline constexpr std::uint64_t mode_el0t = 0x0;
inline constexpr std::uint64_t mode_el1t = 0x4;
inline constexpr std::uint64_t mode_el1h = 0x5;
inline constexpr std::uint64_t mode_el2t = 0x8;
inline constexpr std::uint64_t mode_el2h = 0x9;
inline constexpr std::uint64_t aarch32 = bit(4);
inline constexpr std::uint64_t f = bit(6);
inline constexpr std::uint64_t i = bit(7);
inline constexpr std::uint64_t a = bit(8);
inline constexpr std::uint64_t d = bit(9);
inline constexpr std::uint64_t il = bit(20);
inline constexpr std::uint64_t ss = bit(21);
inline constexpr std::uint64_t pan = bit(22);
inline constexpr std::uint64_t v = bit(28);
inline constexpr std::uint64_t c = bit(29);
inline constexpr std::uint64_t z = bit(30);
inline constexpr std::uint64_t n = bit(31);
}  // namespace spsr

}  // namespace hyp::arch

// Trap handling and exception injection (kernel/virt). Namespaces reopened rather than
// edited above, so that this block can be read, and merged, on its own.
namespace hyp::arch {

// ESR_ELx exception classes of the traps kernel/virt handles or injects.
namespace esr_ec {
inline constexpr std::uint64_t unknown = 0x00;     // also what an injected UNDEFINED reports
inline constexpr std::uint64_t wfx = 0x01;         // WFI or WFE (ISS bit 0: 1 = WFE)
inline constexpr std::uint64_t fp_asimd = 0x07;    // FP/SIMD access trapped by CPTR_EL2.TFP
inline constexpr std::uint64_t hvc64 = 0x16;
inline constexpr std::uint64_t smc64 = 0x17;       // trapped by HCR_EL2.TSC
inline constexpr std::uint64_t sys64 = 0x18;       // MSR, MRS or system instruction
inline constexpr std::uint64_t iabt_lower = 0x20;  // instruction abort from a lower EL
inline constexpr std::uint64_t iabt_same = 0x21;   // instruction abort without an EL change
inline constexpr std::uint64_t dabt_lower = 0x24;  // data abort from a lower EL
inline constexpr std::uint64_t dabt_same = 0x25;   // data abort without an EL change
}  // namespace esr_ec

// ISS of a trapped MSR/MRS (EC 0x18), Arm ARM D24.2.x: Op0 [21:20], Op2 [19:17], Op1
// [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction [0] (1 = read, MRS).
namespace esr_sys64 {
inline constexpr std::uint64_t direction_read = 1u << 0;
inline constexpr unsigned rt_shift = 5;
inline constexpr std::uint64_t rt_mask = 0x1f;
// The register an ISS names (Op0, Op2, Op1, CRn, CRm), with Rt and Direction masked out.
inline constexpr std::uint64_t register_mask = 0x3ffc1e;
[[nodiscard]] constexpr std::uint64_t encode(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return (std::uint64_t{op0} << 20) | (std::uint64_t{op2} << 17) | (std::uint64_t{op1} << 14) |
           (std::uint64_t{crn} << 10) | (std::uint64_t{crm} << 1);
}
// The GICv3 SGI generation registers, which trap with HCR_EL2.IMO set.
inline constexpr std::uint64_t icc_sgi1r_el1 = encode(3, 0, 12, 11, 5);
inline constexpr std::uint64_t icc_asgi1r_el1 = encode(3, 0, 12, 11, 6);
inline constexpr std::uint64_t icc_sgi0r_el1 = encode(3, 0, 12, 11, 7);
}  // namespace esr_sys64

// ISS of a data abort (EC 0x24/0x25); instruction aborts share FnV, EA, S1PTW and the
// fault status code. Arm ARM D24.2.40, "ISS encoding for an exception from a Data Abort".
namespace esr_dabt {
inline constexpr std::uint64_t isv = bit(24);  // bits 23:14 below describe the access
inline constexpr unsigned sas_shift = 22;       // access size: 1 << SAS bytes
inline constexpr std::uint64_t sas_mask = 0x3;
inline constexpr std::uint64_t sse = bit(21);  // load sign-extends
inline constexpr unsigned srt_shift = 16;       // transfer register (31 = XZR/WZR)
inline constexpr std::uint64_t srt_mask = 0x1f;
inline constexpr std::uint64_t sf = bit(15);    // transfer register is 64-bit
inline constexpr std::uint64_t ar = bit(14);    // acquire/release semantics
inline constexpr std::uint64_t vncr = bit(13);  // fault on the VNCR_EL2 page (nested virt)
inline constexpr std::uint64_t fnv = bit(10);   // FAR not valid
inline constexpr std::uint64_t ea = bit(9);     // external abort type (IMPLEMENTATION DEFINED)
inline constexpr std::uint64_t cm = bit(8);     // cache maintenance or address translation op
inline constexpr std::uint64_t s1ptw = bit(7);  // stage-2 fault during the stage-1 walk
inline constexpr std::uint64_t wnr = bit(6);    // write, not read
inline constexpr std::uint64_t fsc_mask = 0x3f;
}  // namespace esr_dabt

// Data/instruction fault status codes (DFSC/IFSC).
namespace fsc {
inline constexpr std::uint64_t translation_l0 = 0x04;  // 0x04..0x07: levels 0..3
inline constexpr std::uint64_t translation_lm1 = 0x2b; // level -1 (FEAT_LPA2)
inline constexpr std::uint64_t access_flag_l0 = 0x08;  // 0x08..0x0b: levels 0..3 (0 with FEAT_LPA2)
inline constexpr std::uint64_t permission_l0 = 0x0c;   // 0x0c..0x0f
inline constexpr std::uint64_t sync_external = 0x10;   // not on a translation table walk
inline constexpr std::uint64_t level_mask = 0x3;
}  // namespace fsc

// HPFAR_EL2.FIPA: bits 47:4 hold IPA bits 55:12 (bits 47:40 RES0 below FEAT_LPA/D128).
namespace hpfar_el2 {
inline constexpr std::uint64_t fipa_mask = 0x0000fffffffffff0ULL;
inline constexpr unsigned fipa_to_ipa_shift = 8;
}  // namespace hpfar_el2

// Vector table layout (VBAR_ELx + origin + kind).
namespace vector_offset {
inline constexpr std::uint64_t current_sp0 = 0x000;
inline constexpr std::uint64_t current_spx = 0x200;
inline constexpr std::uint64_t lower_aarch64 = 0x400;
inline constexpr std::uint64_t lower_aarch32 = 0x600;
inline constexpr std::uint64_t sync = 0x000;
inline constexpr std::uint64_t irq = 0x080;
inline constexpr std::uint64_t fiq = 0x100;
inline constexpr std::uint64_t serror = 0x180;
}  // namespace vector_offset

// PSTATE fields as saved in SPSR_ELx that exception entry sets or clears.
namespace spsr {
inline constexpr std::uint64_t btype_mask = 0x3ULL << 10;  // FEAT_BTI
inline constexpr std::uint64_t ssbs = bit(12);             // FEAT_SSBS
inline constexpr std::uint64_t allint = bit(13);           // FEAT_NMI
inline constexpr std::uint64_t uao = bit(23);              // FEAT_UAO
inline constexpr std::uint64_t dit = bit(24);              // FEAT_DIT
inline constexpr std::uint64_t tco = bit(25);              // FEAT_MTE
inline constexpr std::uint64_t daif = d | a | i | f;
inline constexpr std::uint64_t nzcv = n | z | c | v;
}  // namespace spsr

// SCTLR_EL1 bits that decide PSTATE on exception entry to EL1, and data endianness.
namespace sctlr_el1 {
inline constexpr std::uint64_t span = bit(23);   // 0: entry to EL1 sets PSTATE.PAN
inline constexpr std::uint64_t e0e = bit(24);    // EL0 data big-endian
inline constexpr std::uint64_t ee = bit(25);     // EL1 data big-endian
inline constexpr std::uint64_t dssbs = bit(44);  // PSTATE.SSBS on exception entry
}  // namespace sctlr_el1

}  // namespace hyp::arch
