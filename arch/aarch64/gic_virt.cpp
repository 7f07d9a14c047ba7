// The GICv3 virtual CPU interface registers (see arch/gic_virt.h). The ICH_* registers are
// written by their encodings (S3_4_C12_...), which every assembler accepts whatever its
// idea of the GIC extension.
#include <arch/gic_virt.h>

#include <arch/sysreg.h>

namespace hyp::arch::gic_virt {
namespace {

#define HYP_ICH(name, encoding)                                                          \
    [[maybe_unused]] inline std::uint64_t read_##name()                                  \
    {                                                                                    \
        std::uint64_t value;                                                             \
        asm volatile("mrs %0, " encoding : "=r"(value));                                 \
        return value;                                                                    \
    }                                                                                    \
    [[maybe_unused]] inline void write_##name(std::uint64_t value)                       \
    {                                                                                    \
        asm volatile("msr " encoding ", %0" : : "r"(value));                             \
    }

HYP_ICH(ich_hcr_el2, "S3_4_C12_C11_0")
HYP_ICH(ich_vtr_el2, "S3_4_C12_C11_1")
HYP_ICH(ich_vmcr_el2, "S3_4_C12_C11_7")
HYP_ICH(ich_ap0r0, "S3_4_C12_C8_0")
HYP_ICH(ich_ap0r1, "S3_4_C12_C8_1")
HYP_ICH(ich_ap0r2, "S3_4_C12_C8_2")
HYP_ICH(ich_ap0r3, "S3_4_C12_C8_3")
HYP_ICH(ich_ap1r0, "S3_4_C12_C9_0")
HYP_ICH(ich_ap1r1, "S3_4_C12_C9_1")
HYP_ICH(ich_ap1r2, "S3_4_C12_C9_2")
HYP_ICH(ich_ap1r3, "S3_4_C12_C9_3")

// ICH_LR<n>_EL2: n = 0..7 are C12_C12_<n>, n = 8..15 are C12_C13_<n - 8>.
#define HYP_LR_CASES(X)                                                                    \
    X(0, "S3_4_C12_C12_0") X(1, "S3_4_C12_C12_1") X(2, "S3_4_C12_C12_2") X(3, "S3_4_C12_C12_3") \
    X(4, "S3_4_C12_C12_4") X(5, "S3_4_C12_C12_5") X(6, "S3_4_C12_C12_6") X(7, "S3_4_C12_C12_7") \
    X(8, "S3_4_C12_C13_0") X(9, "S3_4_C12_C13_1") X(10, "S3_4_C12_C13_2") X(11, "S3_4_C12_C13_3") \
    X(12, "S3_4_C12_C13_4") X(13, "S3_4_C12_C13_5") X(14, "S3_4_C12_C13_6") X(15, "S3_4_C12_C13_7")

}  // namespace

unsigned list_register_count() { return static_cast<unsigned>(read_ich_vtr_el2() & ich_vtr::list_regs_mask) + 1; }

unsigned active_priority_register_count()
{
    // PREbits (bits 28:26) + 1 preemption bits: 5 -> 32 levels -> one 32-bit register.
    unsigned pre_bits = static_cast<unsigned>((read_ich_vtr_el2() >> 26) & 0x7) + 1;
    return pre_bits >= 7 ? 4 : pre_bits == 6 ? 2 : 1;
}

std::uint64_t read_lr(unsigned n)
{
    std::uint64_t value = 0;
    switch (n) {
#define HYP_READ_LR(index, encoding)                           \
    case index: asm volatile("mrs %0, " encoding : "=r"(value)); break;
        HYP_LR_CASES(HYP_READ_LR)
#undef HYP_READ_LR
    default: break;
    }
    return value;
}

void write_lr(unsigned n, std::uint64_t value)
{
    switch (n) {
#define HYP_WRITE_LR(index, encoding)                          \
    case index: asm volatile("msr " encoding ", %0" : : "r"(value)); break;
        HYP_LR_CASES(HYP_WRITE_LR)
#undef HYP_WRITE_LR
    default: break;
    }
}

void write_hcr(std::uint64_t value)
{
    write_ich_hcr_el2(value);
    isb();
}

void save(CpuInterfaceState& state)
{
    state.vmcr = read_ich_vmcr_el2();
    unsigned n = active_priority_register_count();
    state.ap0r[0] = static_cast<std::uint32_t>(read_ich_ap0r0());
    state.ap1r[0] = static_cast<std::uint32_t>(read_ich_ap1r0());
    if (n > 1) {
        state.ap0r[1] = static_cast<std::uint32_t>(read_ich_ap0r1());
        state.ap1r[1] = static_cast<std::uint32_t>(read_ich_ap1r1());
    }
    if (n > 2) {
        state.ap0r[2] = static_cast<std::uint32_t>(read_ich_ap0r2());
        state.ap0r[3] = static_cast<std::uint32_t>(read_ich_ap0r3());
        state.ap1r[2] = static_cast<std::uint32_t>(read_ich_ap1r2());
        state.ap1r[3] = static_cast<std::uint32_t>(read_ich_ap1r3());
    }
}

void restore(const CpuInterfaceState& state)
{
    write_ich_vmcr_el2(state.vmcr);
    unsigned n = active_priority_register_count();
    write_ich_ap0r0(state.ap0r[0]);
    write_ich_ap1r0(state.ap1r[0]);
    if (n > 1) {
        write_ich_ap0r1(state.ap0r[1]);
        write_ich_ap1r1(state.ap1r[1]);
    }
    if (n > 2) {
        write_ich_ap0r2(state.ap0r[2]);
        write_ich_ap0r3(state.ap0r[3]);
        write_ich_ap1r2(state.ap1r[2]);
        write_ich_ap1r3(state.ap1r[3]);
    }
}

}  // namespace hyp::arch::gic_virt
