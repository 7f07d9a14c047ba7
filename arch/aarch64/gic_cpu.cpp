// GICv3 CPU interface through system registers (see gic_cpu.h).
#include <arch/gic_cpu.h>

#include <arch/sysreg.h>

namespace hyp::arch::gic_cpu {
namespace {

#define HYP_ICC_READ(reg)                                 \
    inline std::uint64_t read_##reg()                     \
    {                                                     \
        std::uint64_t value;                              \
        asm volatile("mrs %0, " #reg : "=r"(value));      \
        return value;                                     \
    }
#define HYP_ICC_WRITE(reg)                                          \
    inline void write_##reg(std::uint64_t value)                    \
    {                                                               \
        asm volatile("msr " #reg ", %0" : : "r"(value) : "memory"); \
    }

HYP_ICC_READ(icc_sre_el2)
HYP_ICC_WRITE(icc_sre_el2)
HYP_ICC_READ(icc_ctlr_el1)
HYP_ICC_WRITE(icc_ctlr_el1)
HYP_ICC_WRITE(icc_pmr_el1)
HYP_ICC_WRITE(icc_bpr1_el1)
HYP_ICC_WRITE(icc_igrpen1_el1)
HYP_ICC_READ(icc_iar1_el1)
HYP_ICC_WRITE(icc_eoir1_el1)
HYP_ICC_WRITE(icc_sgi1r_el1)

#undef HYP_ICC_READ
#undef HYP_ICC_WRITE

void send(std::uint64_t sgi1r)
{
    dsb_ish();  // the target's handler sees what we wrote before
    write_icc_sgi1r_el1(sgi1r);
    isb();
}

}  // namespace

bool init()
{
    write_icc_sre_el2(read_icc_sre_el2() | icc_sre_el2::sre | icc_sre_el2::enable);
    isb();
    if ((read_icc_sre_el2() & icc_sre_el2::sre) == 0) {
        return false;
    }
    write_icc_pmr_el1(priority_mask_all);
    write_icc_bpr1_el1(0);
    write_icc_ctlr_el1(read_icc_ctlr_el1() & ~icc_ctlr::eoimode);
    write_icc_igrpen1_el1(icc_igrpen1::enable);
    isb();
    return true;
}

std::uint32_t acknowledge()
{
    std::uint32_t intid = static_cast<std::uint32_t>(read_icc_iar1_el1() & icc_iar::intid_mask);
    dsb_sy();  // the handler's device accesses come after the acknowledge
    return intid;
}

void end_of_interrupt(std::uint32_t intid)
{
    write_icc_eoir1_el1(intid);
    isb();
}

void send_sgi(std::uint32_t sgi, std::uint64_t mpidr) { send(sgi1r_for(sgi, mpidr)); }

void send_sgi_to_others(std::uint32_t sgi)
{
    send(icc_sgi1r::irm | (std::uint64_t{sgi} & icc_sgi1r::intid_mask) << icc_sgi1r::intid_shift);
}

}  // namespace hyp::arch::gic_cpu
