// Data-abort decoding and MMIO completion (see mmio_decode.h). Field layouts from the Arm
// ARM (DDI 0487), ISS encoding for an exception from a Data Abort.
#include "kernel/virt/mmio_decode.h"

#include "arch/aarch64/include/arch/registers.h"

namespace hyp::virt {
namespace {

namespace da = arch::esr_dabt;

constexpr std::uint64_t page_offset_mask = 0xfff;

constexpr std::uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (size * 8)) - 1;
}

constexpr std::uint64_t exception_class(std::uint64_t esr)
{
    return (esr >> arch::esr::ec_shift) & arch::esr::ec_mask;
}

}  // namespace

Ipa fault_ipa(const AbortSyndrome& syndrome)
{
    std::uint64_t page = (syndrome.hpfar & arch::hpfar_el2::fipa_mask) << arch::hpfar_el2::fipa_to_ipa_shift;
    return Ipa{page | (syndrome.far & page_offset_mask)};
}

bool is_translation_or_access_fault(std::uint64_t fsc)
{
    fsc &= da::fsc_mask;
    std::uint64_t kind = fsc & ~arch::fsc::level_mask;  // the level is in the low two bits
    return kind == arch::fsc::translation_l0 || kind == arch::fsc::access_flag_l0 ||
           fsc == arch::fsc::translation_lm1;
}

DecodeResult decode_data_abort(const AbortSyndrome& syndrome)
{
    const std::uint64_t esr = syndrome.esr;
    DecodeResult result;
    if (exception_class(esr) != arch::esr_ec::dabt_lower) {
        result.status = DecodeStatus::not_data_abort;
        return result;
    }
    // Order matters: each test is only meaningful once the ones before it have passed.
    // HPFAR_EL2 (and so the IPA) is valid only for translation and access-flag faults;
    // a walk of the guest's own tables through the address is never a device access;
    // cache maintenance by VA writes nothing; without a valid FAR the offset in the page
    // is unknown; and without ISV the instruction is not described at all.
    if (!is_translation_or_access_fault(esr & da::fsc_mask)) {
        result.status = DecodeStatus::not_translation;
    } else if ((esr & da::vncr) != 0) {
        result.status = DecodeStatus::unsupported;
    } else if ((esr & da::s1ptw) != 0) {
        result.status = DecodeStatus::stage1_walk;
    } else if ((esr & da::cm) != 0) {
        result.status = DecodeStatus::cache_maintenance;
    } else if ((esr & da::fnv) != 0) {
        result.status = DecodeStatus::far_not_valid;
    } else if ((esr & da::isv) == 0) {
        result.status = DecodeStatus::no_syndrome;
    } else {
        result.status = DecodeStatus::emulate;
    }
    if (result.status == DecodeStatus::not_translation) {
        return result;
    }

    MmioAccess& a = result.access;
    a.ipa = fault_ipa(syndrome);
    a.size = static_cast<std::uint8_t>(1u << ((esr >> da::sas_shift) & da::sas_mask));
    a.write = (esr & da::wnr) != 0;
    a.reg = static_cast<std::uint8_t>((esr >> da::srt_shift) & da::srt_mask);
    a.sign_extend = (esr & da::sse) != 0;
    a.reg64 = (esr & da::sf) != 0;
    a.acquire_release = (esr & da::ar) != 0;
    return result;
}

std::uint64_t mmio_write_value(const RegisterFile& regs, const MmioAccess& access)
{
    return regs.read(access.reg) & size_mask(access.size);
}

void complete_mmio_read(const RegisterFile& regs, const MmioAccess& access, std::uint64_t value)
{
    const unsigned bits = access.size * 8u;
    value &= size_mask(access.size);
    if (access.sign_extend && bits < 64 && (value >> (bits - 1)) != 0) {
        value |= ~size_mask(access.size);
    }
    if (!access.reg64) {
        // A W-register destination: LDRSB Wt sign-extends to 32 bits, and every write to
        // a W register zeroes bits 63:32.
        value &= 0xffffffffu;
    }
    regs.write(access.reg, value);
}

void skip_instruction(const RegisterFile& regs, std::uint64_t esr)
{
    regs.pc += (esr & arch::esr::il) != 0 ? 4 : 2;
    regs.pstate &= ~(arch::spsr::btype_mask | arch::spsr::ss);
}

}  // namespace hyp::virt
