// Guest aborts and undefined instructions: emulate, retry or inject (see guest_trap.h).
#include "kernel/virt/guest_trap.h"

#include "arch/aarch64/include/arch/registers.h"

namespace hyp::virt {
namespace {

namespace da = arch::esr_dabt;

TrapOutcome resume(TrapReason reason)
{
    TrapOutcome out;
    out.action = TrapAction::resume;
    out.reason = reason;
    return out;
}

// `out`, default-constructed, made a resume in place: assigning a whole TrapOutcome (64
// bytes) is a memcpy call, and this is the path of every emulated MMIO access.
void set_resume(TrapOutcome& out, TrapReason reason)
{
    out.action = TrapAction::resume;
    out.reason = reason;
}

// A synchronous external abort at the guest's faulting VA, as a bus error would give.
TrapOutcome external_abort(FaultKind kind, TrapReason reason, const AbortSyndrome& syndrome)
{
    TrapOutcome out;
    out.action = TrapAction::inject;
    out.reason = reason;
    out.fault.kind = kind;
    out.fault.address = syndrome.far;
    out.fault.address_valid = (syndrome.esr & da::fnv) == 0;
    out.fault.write = kind == FaultKind::data_abort && (syndrome.esr & da::wnr) != 0;
    return out;
}

std::uint64_t exception_class(std::uint64_t esr) { return (esr >> arch::esr::ec_shift) & arch::esr::ec_mask; }

}  // namespace

TrapOutcome undefined_instruction()
{
    TrapOutcome out;
    out.action = TrapAction::inject;
    out.reason = TrapReason::undefined;
    out.fault.kind = FaultKind::undefined;
    return out;
}

TrapOutcome vmmio_fault(const AbortSyndrome& syndrome)
{
    return external_abort(FaultKind::data_abort, TrapReason::not_claimed, syndrome);
}

TrapOutcome handle_data_abort(MmioBus& bus, const GuestMemory& memory, const RegisterFile& regs,
                              const AbortSyndrome& syndrome, const VmmioRanges* vmmio)
{
    DecodeResult decoded = decode_data_abort(syndrome);
    TrapOutcome out;
    switch (decoded.status) {
    case DecodeStatus::not_data_abort:
        out = undefined_instruction();
        out.reason = TrapReason::wrong_class;
        return out;
    case DecodeStatus::not_translation:
        out = external_abort(FaultKind::data_abort, TrapReason::fault, syndrome);
        out.decode = decoded.status;
        return out;
    case DecodeStatus::emulate: {
        const MmioAccess& access = decoded.access;
        std::uint64_t value = access.write ? mmio_write_value(regs, access) : 0;
        BusResult bus_result = bus.dispatch(access, value);
        if (bus_result == BusResult::handled) {
            if (!access.write) {
                complete_mmio_read(regs, access, value);
            }
            skip_instruction(regs, syndrome.esr);
            set_resume(out, TrapReason::emulated);
        } else if (bus_result == BusResult::not_claimed && memory.is_mapped(access.ipa)) {
            set_resume(out, TrapReason::retried);
        } else if (bus_result == BusResult::not_claimed && vmmio != nullptr &&
                   vmmio->covers(access.ipa.raw(), access.size)) {
            out.action = TrapAction::vmmio;
            out.reason = TrapReason::vmmio_exit;
        } else {
            TrapReason reason =
                bus_result == BusResult::device_abort ? TrapReason::device_abort : TrapReason::not_claimed;
            out = external_abort(FaultKind::data_abort, reason, syndrome);
        }
        break;
    }
    default:
        // A missing translation the syndrome does not let us emulate. Devices are never
        // mapped, so only a mapped address (a race) is worth another try.
        if (memory.is_mapped(decoded.access.ipa)) {
            set_resume(out, TrapReason::retried);
        } else if (decoded.status == DecodeStatus::cache_maintenance) {
            // DC/IC by VA on an address with no memory: nothing to clean or invalidate.
            skip_instruction(regs, syndrome.esr);
            set_resume(out, TrapReason::skipped);
        } else {
            out = external_abort(FaultKind::data_abort, TrapReason::not_emulatable, syndrome);
        }
        break;
    }
    out.decode = decoded.status;
    out.ipa = decoded.access.ipa;
    return out;
}

TrapOutcome handle_instruction_abort(const GuestMemory& memory, const AbortSyndrome& syndrome)
{
    if (exception_class(syndrome.esr) != arch::esr_ec::iabt_lower) {
        TrapOutcome out = undefined_instruction();
        out.reason = TrapReason::wrong_class;
        return out;
    }
    if (!is_translation_or_access_fault(syndrome.esr & da::fsc_mask)) {
        return external_abort(FaultKind::instruction_abort, TrapReason::fault, syndrome);
    }
    Ipa ipa = fault_ipa(syndrome);
    TrapOutcome out = memory.is_mapped(ipa)
                          ? resume(TrapReason::retried)
                          : external_abort(FaultKind::instruction_abort, TrapReason::not_claimed, syndrome);
    out.ipa = ipa;
    return out;
}

}  // namespace hyp::virt
