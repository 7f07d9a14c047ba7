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
}  // namespace hcr

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
