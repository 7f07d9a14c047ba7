// Exception entry to a guest's EL1, computed (see fault_injection.h). The rules are the
// Arm ARM's for taking an exception to an AArch64 EL1 (DDI 0487, D1.3 "Exception entry"
// and the AArch64.TakeException() pseudocode).
#include "kernel/virt/fault_injection.h"

#include "arch/aarch64/include/arch/registers.h"

namespace hyp::virt {
namespace {

namespace sp = arch::spsr;

constexpr std::uint64_t vbar_res0 = 0x7ff;

// The guest's exception level and stack selection, from SPSR_EL2.M.
enum class Origin { el0, el1_sp0, el1_spx, unsupported };

Origin origin_of(std::uint64_t pstate)
{
    if ((pstate & sp::aarch32) != 0) {
        return Origin::unsupported;
    }
    switch (pstate & sp::mode_mask) {
    case sp::mode_el0t: return Origin::el0;
    case sp::mode_el1t: return Origin::el1_sp0;
    case sp::mode_el1h: return Origin::el1_spx;
    default: return Origin::unsupported;  // EL2 or a reserved encoding: not a guest
    }
}

std::uint64_t vector_offset(Origin origin)
{
    switch (origin) {
    case Origin::el0: return arch::vector_offset::lower_aarch64;
    case Origin::el1_sp0: return arch::vector_offset::current_sp0;
    default: return arch::vector_offset::current_spx;
    }
}

// PSTATE after entry to EL1h. Kept: NZCV, DIT and (unless SPAN says otherwise) PAN.
// Set: D, A, I, F, and per feature PAN, SSBS, TCO. Cleared, by not being copied: SS,
// IL, UAO, BTYPE, and ALLINT (FEAT_NMI is not offered to guests).
std::uint64_t entry_pstate(std::uint64_t old, const El1State& el1)
{
    std::uint64_t pstate = old & (sp::nzcv | sp::dit);
    if (el1.features.pan) {
        pstate |= old & sp::pan;
        if ((el1.sctlr & arch::sctlr_el1::span) == 0) {
            pstate |= sp::pan;
        }
    }
    if (el1.features.ssbs && (el1.sctlr & arch::sctlr_el1::dssbs) != 0) {
        pstate |= sp::ssbs;
    }
    if (el1.features.mte) {
        pstate |= sp::tco;
    }
    return pstate | sp::daif | sp::mode_el1h;
}

}  // namespace

std::uint64_t injected_esr(const GuestFault& fault, bool from_el0)
{
    std::uint64_t ec = arch::esr_ec::unknown;
    std::uint64_t iss = 0;
    switch (fault.kind) {
    case FaultKind::data_abort:
        ec = from_el0 ? arch::esr_ec::dabt_lower : arch::esr_ec::dabt_same;
        // ISV = 0: the guest's handler gets no instruction syndrome, as for any external
        // abort. EA = 0: its meaning is IMPLEMENTATION DEFINED, and 0 is what Linux and
        // KVM treat as the ordinary case.
        iss = arch::fsc::sync_external | (fault.write ? arch::esr_dabt::wnr : 0);
        break;
    case FaultKind::instruction_abort:
        ec = from_el0 ? arch::esr_ec::iabt_lower : arch::esr_ec::iabt_same;
        iss = arch::fsc::sync_external;
        break;
    case FaultKind::undefined:
        break;
    }
    if (fault.kind != FaultKind::undefined && !fault.address_valid) {
        iss |= arch::esr_dabt::fnv;
    }
    // IL is 1 for every exception injected here: an A64 instruction is 32 bits, and the
    // Arm ARM sets IL for aborts without ISV and for EC 0x00 whatever the instruction.
    return (ec << arch::esr::ec_shift) | arch::esr::il | iss;
}

Injection compute_injection(std::uint64_t pstate, std::uint64_t pc, const GuestFault& fault, const El1State& el1)
{
    Injection out;
    Origin origin = origin_of(pstate);
    if (origin == Origin::unsupported) {
        return out;
    }
    out.supported = true;
    out.elr_el1 = pc;
    out.spsr_el1 = pstate;
    out.esr_el1 = injected_esr(fault, origin == Origin::el0);
    if (fault.kind != FaultKind::undefined && fault.address_valid) {
        out.far_el1 = fault.address;
        out.write_far = true;
    }
    // VBAR_EL1 bits 10:0 are RES0: the table is 2 KiB aligned whatever was written.
    out.pc = (el1.vbar & ~vbar_res0) + vector_offset(origin) + arch::vector_offset::sync;
    out.pstate = entry_pstate(pstate, el1);
    return out;
}

Injection inject_fault(const RegisterFile& regs, const GuestFault& fault, const El1State& el1)
{
    Injection out = compute_injection(regs.pstate, regs.pc, fault, el1);
    if (out.supported) {
        regs.pc = out.pc;
        regs.pstate = out.pstate;
    }
    return out;
}

}  // namespace hyp::virt
