// The test guests' runtime (see runtime.h): the least GICv3 set-up that lets the EL1
// virtual timer's PPI wake a vCPU from WFI or CPU_SUSPEND, done the way Linux's
// irq-gic-v3.c does it (gic_dist_init, gic_enable_redist, gic_cpu_sys_reg_init,
// gic_handle_irq), reduced to one interrupt: the distributor's Group 1 enable, then on each
// vCPU its redistributor awake and INTID 27 in Group 1, given a priority and enabled, and
// its CPU interface taking Group 1 at any priority. PSTATE.I stays masked: the interrupt
// is never taken, but a pending one still ends WFI, and the guest acknowledges it through
// ICC_IAR1_EL1 as a handler would.
//
// The GIC's registers are Device memory (as all data is with the MMU off): 32-bit
// accesses, bytes for the priority, 64 bits for GICR_TYPER, as the architecture allows.
#include "runtime.h"

namespace guest {
namespace {

using u8 = std::uint8_t;

// GICD (IHI 0069H 12.9).
constexpr u64 gicd_ctlr = 0x0000;
constexpr u32 gicd_ctlr_enable_grp1 = 1u << 1;  // EnableGrp1 (one Security state; NS view: EnableGrp1A)
constexpr u32 gicd_ctlr_are = 1u << 4;          // ARE (NS view: ARE_NS)
constexpr u32 gicd_ctlr_rwp = 1u << 31;         // a write is still taking effect

// GICR, RD_base frame (12.10).
constexpr u64 gicr_typer = 0x0008;  // 64 bits; [63:32] Affinity_Value = Aff3.Aff2.Aff1.Aff0
constexpr u64 gicr_waker = 0x0014;
constexpr u32 gicr_waker_processor_sleep = 1u << 1;
constexpr u32 gicr_waker_children_asleep = 1u << 2;

// GICR, SGI_base frame (12.11): INTIDs 0..31 of this PE.
constexpr u64 gicr_igroupr0 = 0x0080;
constexpr u64 gicr_isenabler0 = 0x0100;
constexpr u64 gicr_ipriorityr0 = 0x0400;  // one byte per INTID

constexpr u8 vtimer_priority = 0xa0;  // Linux's GICD_INT_DEF_PRI
constexpr u64 poll_limit = 1000000;   // reads of a bit that must change before giving up

volatile u32& reg32(u64 address) { return *reinterpret_cast<volatile u32*>(address); }
volatile u8& reg8(u64 address) { return *reinterpret_cast<volatile u8*>(address); }
u64 read64(u64 address) { return *reinterpret_cast<volatile u64*>(address); }

// Until (reg32(address) & mask) == 0; false if that never came.
bool wait_clear(u64 address, u32 mask)
{
    for (u64 i = 0; i < poll_limit; ++i) {
        if ((reg32(address) & mask) == 0) {
            return true;
        }
        cpu_relax();
    }
    return false;
}

// GIC system registers by encoding (no need for an assembler that knows their names).
u64 read_icc_sre()
{
    u64 v;
    asm volatile("mrs %0, S3_0_C12_C12_5" : "=r"(v)::"memory");  // ICC_SRE_EL1
    return v;
}
void write_icc_sre(u64 v) { asm volatile("msr S3_0_C12_C12_5, %0\n\tisb" ::"r"(v) : "memory"); }
void write_icc_pmr(u64 v) { asm volatile("msr S3_0_C4_C6_0, %0" ::"r"(v) : "memory"); }             // ICC_PMR_EL1
void write_icc_igrpen1(u64 v) { asm volatile("msr S3_0_C12_C12_7, %0\n\tisb" ::"r"(v) : "memory"); } // ICC_IGRPEN1_EL1

constexpr u64 icc_sre_sre = 1;

}  // namespace

u64 gic_redistributor(unsigned vcpu) { return gicr_base + u64{vcpu} * gicr_stride; }

const char* gic_enable_distributor()
{
    const u64 ctlr = gicd_base + gicd_ctlr;
    u32 v = reg32(ctlr);
    if ((v & gicd_ctlr_are) == 0) {
        // Bare QEMU's GIC starts without affinity routing (the hypervisor's vGIC has it
        // always on). Set it before any group is enabled, as Linux does.
        reg32(ctlr) = v | gicd_ctlr_are;
        if (!wait_clear(ctlr, gicd_ctlr_rwp)) {
            return "GICD_CTLR.RWP stays set after setting ARE";
        }
        v = reg32(ctlr);
        if ((v & gicd_ctlr_are) == 0) {
            return "GICD_CTLR.ARE does not stay set";
        }
    }
    reg32(ctlr) = v | gicd_ctlr_enable_grp1;
    if (!wait_clear(ctlr, gicd_ctlr_rwp)) {
        return "GICD_CTLR.RWP stays set after setting EnableGrp1";
    }
    if ((reg32(ctlr) & gicd_ctlr_enable_grp1) == 0) {
        return "GICD_CTLR.EnableGrp1 does not stay set";
    }
    return nullptr;
}

const char* gic_enable_vtimer()
{
    // The CPU interface through system registers (Linux's gic_enable_sre).
    write_icc_sre(read_icc_sre() | icc_sre_sre);
    if ((read_icc_sre() & icc_sre_sre) == 0) {
        return "ICC_SRE_EL1.SRE does not stay set";
    }

    // This vCPU's redistributor: frames in vCPU order; its GICR_TYPER must say so.
    const u64 rd = gic_redistributor(this_vcpu());
    const u64 self = mpidr();
    const u64 affinity = (self & 0xffffff) | ((self >> 32) & 0xff) << 24;
    if (read64(rd + gicr_typer) >> 32 != affinity) {
        return "GICR_TYPER.Affinity_Value of the vCPU's redistributor frame is not its MPIDR";
    }
    // Awake (Linux's gic_enable_redist).
    reg32(rd + gicr_waker) = reg32(rd + gicr_waker) & ~gicr_waker_processor_sleep;
    if (!wait_clear(rd + gicr_waker, gicr_waker_children_asleep)) {
        return "GICR_WAKER.ChildrenAsleep stays set after ProcessorSleep was cleared";
    }

    // INTID 27: Group 1, a middling priority, enabled.
    const u64 sgi = rd + gicr_sgi_offset;
    reg32(sgi + gicr_igroupr0) = reg32(sgi + gicr_igroupr0) | 1u << vtimer_intid;
    reg8(sgi + gicr_ipriorityr0 + vtimer_intid) = vtimer_priority;
    dsb();
    reg32(sgi + gicr_isenabler0) = 1u << vtimer_intid;
    dsb();
    if ((reg32(sgi + gicr_igroupr0) & 1u << vtimer_intid) == 0 ||
        (reg32(sgi + gicr_isenabler0) & 1u << vtimer_intid) == 0) {
        return "INTID 27 is not Group 1 and enabled after GICR_IGROUPR0 and GICR_ISENABLER0 said so";
    }

    // Every priority through (Linux: DEFAULT_PMR_VALUE 0xf0; 0xff lets through even the
    // lowest), then Group 1 on.
    write_icc_pmr(0xff);
    write_icc_igrpen1(1);
    return nullptr;
}

bool interrupt_pending()
{
    u64 v;
    asm volatile("isb\n\tmrs %0, isr_el1" : "=r"(v)::"memory");
    return (v & 0x80) != 0;  // I
}

void gic_enable_spi(u32 intid, bool edge)
{
    const u64 cfg = gicd_base + 0x0C00 + 4 * (intid / 16);  // GICD_ICFGR<n>: 2 bits each
    const u32 bit = 2u << (2 * (intid % 16));
    reg32(cfg) = edge ? (reg32(cfg) | bit) : (reg32(cfg) & ~bit);
    *reinterpret_cast<volatile u64*>(gicd_base + 0x6000 + 8 * u64{intid}) = 0;  // GICD_IROUTER: vCPU 0
    reg32(gicd_base + 0x0100 + 4 * (intid / 32)) = 1u << (intid % 32);         // GICD_ISENABLER<n>
}

u32 gic_acknowledge()
{
    u64 v;
    asm volatile("mrs %0, S3_0_C12_C12_0\n\tdsb sy" : "=r"(v)::"memory");  // ICC_IAR1_EL1
    return static_cast<u32>(v & 0xffffff);
}

void gic_end_of_interrupt(u32 intid)
{
    asm volatile("msr S3_0_C12_C12_1, %0\n\tisb" ::"r"(u64{intid}) : "memory");  // ICC_EOIR1_EL1
}

u32 wfi_for_interrupt()
{
    for (;;) {
        asm volatile("wfi" ::: "memory");
        const u32 intid = gic_acknowledge();
        if (intid != gic_spurious_intid) {
            return intid;
        }
    }
}

void vtimer_done(u32 intid)
{
    disarm_vtimer();  // CNTV_CTL_EL0 = 0, then ISB: the timer's output drops first
    if (intid < gic_special_intids) {
        gic_end_of_interrupt(intid);
    }
}

}  // namespace guest
