// Report of an exception the hypervisor did not expect: which CPU, which vector, the
// exception class and syndrome decoded, the faulting address and the full register
// state, then the machine stops. Until later issues install real trap handlers every
// EL2 exception lands here.
#include <cstdint>

#include <arch/cpu.h>
#include <arch/registers.h>

#include "support/format.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"

extern "C" char __image_start[], __text_end[];

namespace hyp::arch {
namespace {

// "(hyp.elf+0x1234)" for addresses in our text, so `addr2line -e hyp.elf 0x1234` (or gdb's
// `info line *0x1234`) finds the line: the image is linked at 0 and runs where it was loaded.
void print_image_offset(fmt::Sink& out, std::uint64_t address)
{
    auto start = reinterpret_cast<std::uintptr_t>(__image_start);
    auto end = reinterpret_cast<std::uintptr_t>(__text_end);
    if (address >= start && address < end) {
        fmt::format_to(out, " (hyp.elf+{:#x})", address - start);
    }
}

// Laid out by vectors.S.
struct ExceptionFrame {
    std::uint64_t x[31];
    std::uint64_t sp;
    std::uint64_t elr;
    std::uint64_t spsr;
    std::uint64_t esr;
    std::uint64_t far;
};
static_assert(sizeof(ExceptionFrame) == 36 * 8, "vectors.S FRAME_SIZE");

const char* vector_name(std::uint64_t vector)
{
    static constexpr const char* origins[] = {"current EL with SP_EL0", "current EL with SP_EL2",
                                              "lower EL (AArch64)", "lower EL (AArch32)"};
    static constexpr const char* kinds[] = {"synchronous", "IRQ", "FIQ", "SError"};
    static char buffer[64];
    (void)fmt::format_buffer(buffer, sizeof buffer, "{} from {}", kinds[vector & 3], origins[(vector >> 2) & 3]);
    return buffer;
}

const char* exception_class_name(std::uint64_t ec)
{
    switch (ec) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE";
    case 0x07: return "FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC (AArch64)";
    case 0x16: return "HVC (AArch64)";
    case 0x17: return "SMC (AArch64)";
    case 0x18: return "MSR/MRS/system instruction";
    case 0x19: return "SVE access";
    case 0x1c: return "pointer authentication failure";
    case 0x20: return "instruction abort from a lower EL";
    case 0x21: return "instruction abort at EL2";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from a lower EL";
    case 0x25: return "data abort at EL2";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x30: return "breakpoint from a lower EL";
    case 0x31: return "breakpoint at EL2";
    case 0x32: return "software step from a lower EL";
    case 0x33: return "software step at EL2";
    case 0x34: return "watchpoint from a lower EL";
    case 0x35: return "watchpoint at EL2";
    case 0x3c: return "BRK instruction";
    default: return "reserved or unhandled class";
    }
}

// Data and instruction aborts: the fault status code says what kind of fault.
const char* fault_status_name(std::uint64_t fsc)
{
    switch (fsc & 0x3c) {
    case 0x00: return "address size fault";
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    default: break;
    }
    switch (fsc) {
    case 0x10: return "synchronous external abort";
    case 0x21: return "alignment fault";
    case 0x30: return "TLB conflict abort";
    default: return "other fault";
    }
}

const char* spsr_mode_name(std::uint64_t spsr_value)
{
    if (spsr_value & spsr::aarch32) {
        return "AArch32";
    }
    switch (spsr_value & spsr::mode_mask) {
    case spsr::mode_el0t: return "EL0t";
    case spsr::mode_el1t: return "EL1t";
    case spsr::mode_el1h: return "EL1h";
    case spsr::mode_el2t: return "EL2t";
    case spsr::mode_el2h: return "EL2h";
    default: return "invalid mode";
    }
}

class ConsoleSink final : public fmt::Sink {
public:
    void write(const char* text, std::size_t length) override { log::write_unlocked(text, length); }
};

}  // namespace

extern "C" [[noreturn]] void report_unexpected_exception(std::uint64_t vector, const ExceptionFrame* frame)
{
    ConsoleSink out;
    std::uint64_t ec = (frame->esr >> esr::ec_shift) & esr::ec_mask;
    std::uint64_t iss = frame->esr & esr::iss_mask;
    fmt::format_to(out, "\nUNEXPECTED EXCEPTION on cpu {}: {}\n", current_cpu_index(), vector_name(vector));
    fmt::format_to(out, "  ESR_EL2  {:#018x}  EC {:#04x} ({}), IL {}, ISS {:#09x}\n", frame->esr, ec,
                   exception_class_name(ec), (frame->esr & esr::il) ? 32 : 16, iss);
    if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25) {
        bool is_data = ec == 0x24 || ec == 0x25;
        fmt::format_to(out, "  fault    {}{}\n", fault_status_name(iss & 0x3f),
                       is_data ? ((iss & bit(6)) ? " on a write" : " on a read") : " on an instruction fetch");
    }
    fmt::format_to(out, "  FAR_EL2  {:#018x}\n  ELR_EL2  {:#018x}", frame->far, frame->elr);
    print_image_offset(out, frame->elr);
    fmt::format_to(out, "\n");
    std::uint64_t s = frame->spsr;
    fmt::format_to(out, "  SPSR_EL2 {:#018x}  mode {}, DAIF {}{}{}{}, NZCV {}{}{}{}\n", s, spsr_mode_name(s),
                   (s & spsr::d) ? 'D' : '-', (s & spsr::a) ? 'A' : '-', (s & spsr::i) ? 'I' : '-',
                   (s & spsr::f) ? 'F' : '-', (s & spsr::n) ? 'N' : '-', (s & spsr::z) ? 'Z' : '-',
                   (s & spsr::c) ? 'C' : '-', (s & spsr::v) ? 'V' : '-');
    for (unsigned i = 0; i < 31; i += 2) {
        if (i + 1 < 31) {
            fmt::format_to(out, "  x{:<2} {:#018x}   x{:<2} {:#018x}\n", i, frame->x[i], i + 1, frame->x[i + 1]);
        } else {
            fmt::format_to(out, "  x{:<2} {:#018x}   sp  {:#018x}\n", i, frame->x[i], frame->sp);
        }
    }
    HYP_PANIC("unexpected exception (EC {:#x})", ec);
}

}  // namespace hyp::arch
