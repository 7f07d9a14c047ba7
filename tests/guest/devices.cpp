// devices: which physical devices the primary VM reaches, read from the device tree it
// was given and checked by touching them.
//   * A board tree (the hypervisor found a board whose primary VM gets the board's own
//     DTB; the cases name QEMU's tree as a Qualcomm sc7280's): the devices the tree
//     describes are the VM's, mapped at IPA = PA. QEMU's PL031 RTC, found by its node
//     (`arm,pl031`), answers with its PrimeCell ids (0x31, 0x10) and a running clock.
//     Its interrupt is the VM's too (a hardware interrupt forwarded to the same INTID):
//     the RTC's alarm, set twice a second apart, arrives each time at the INTID its node
//     names, and not again once cleared at the device and ended (the second proves the
//     physical interrupt was unmasked after the first).
//     What the hypervisor keeps is not mapped: the GIC's ITS and, when QEMU has one, the
//     SMMUv3 (their nodes disabled in the tree), each read giving a synchronous external
//     abort.
//   * The RM's own tree (QEMU virt): no PL031 node, and its address is no device of the
//     VM's: a read aborts.
// Either way the virtual PL011 this guest prints through still works.
#include "runtime.h"

GUEST_NAME("devices");

namespace {

using namespace guest;

// QEMU virt's fixed map (hw/arm/virt.c), for the tree that does not name them.
constexpr u64 qemu_pl031 = 0x09010000;
constexpr u64 qemu_its = 0x08080000;

constexpr u64 pl031_data = 0x000;      // RTCDR: seconds
constexpr u64 pl031_match = 0x004;     // RTCMR: the alarm fires when RTCDR reaches it
constexpr u64 pl031_mask = 0x010;      // RTCIMSC: bit 0 lets the alarm interrupt out
constexpr u64 pl031_masked = 0x018;    // RTCMIS: the alarm, as the interrupt line shows it
constexpr u64 pl031_clear = 0x01c;     // RTCICR: write 1 to clear the alarm
constexpr u64 pl031_periph_id0 = 0xfe0;
constexpr u64 pl031_periph_id1 = 0xfe4;
constexpr u64 alarm_timeout_us = 3'000'000;

struct Probe {
    bool aborted;
    u64 esr;
    u64 far;
};
constinit Probe probe = {};
constinit bool probing = false;

bool hook(ExceptionFrame& frame)
{
    if (!probing) {
        return false;
    }
    probing = false;
    probe = Probe{true, frame.esr, frame.far};
    frame.elr += 4;
    return true;
}

// A 32-bit read at `addr`: its value, or an abort recorded in `probe`.
u32 read32(u64 addr)
{
    u32 value = 0xdeadbeef;
    probe = Probe{};
    probing = true;
    asm volatile("ldr %w[v], [%[a]]" : [v] "+r"(value) : [a] "r"(addr) : "memory");
    probing = false;
    return value;
}

void write32(u64 addr, u32 value) { *reinterpret_cast<volatile u32*>(addr) = value; }

// The read must have ended in a synchronous external abort (EC 0x25, DFSC 0x10) at `addr`.
void check_kept(const char* what, u64 addr)
{
    (void)read32(addr);
    check(probe.aborted && esr_ec(probe.esr) == ec_dabt_same_el && (esr_iss(probe.esr) & 0x3f) == fsc_sync_external &&
              probe.far == addr,
          "%s at %#lx: a read aborts (the VM does not have it): %s, ESR %#lx, FAR %#lx", what, addr,
          probe.aborted ? "aborted" : "no abort", probe.esr, probe.far);
}

// A node below the root, by name (QEMU names them `<name>@<address>`): its first reg
// address (2 address cells, as QEMU's root has) and its status.
struct Node {
    bool found;
    u64 base;
    const char* status;  // "" when absent
};

Node node(u64 dt, const char* name)
{
    const char* path[] = {name};
    u32 size = 0;
    const void* reg = dt_property(dt, path, 1, "reg", &size);
    if (reg == nullptr || size < 16) {
        return Node{false, 0, ""};
    }
    const u64 base = (u64{fdt32(reg)} << 32) | fdt32(static_cast<const char*>(reg) + 4);
    const void* status = dt_property(dt, path, 1, "status", &size);
    return Node{true, base, status != nullptr ? static_cast<const char*>(status) : ""};
}

// The SPI a node's `interrupts` names (<0 spi flags>, the GIC's three cells), as an INTID.
u32 node_intid(u64 dt, const char* name)
{
    const char* path[] = {name};
    u32 size = 0;
    const void* cells = dt_property(dt, path, 1, "interrupts", &size);
    if (cells == nullptr || size < 12 || fdt32(cells) != 0) {
        return 0;
    }
    return 32 + fdt32(static_cast<const char*>(cells) + 4);
}

// Two alarms, each taken at `intid` through the GIC, cleared at the RTC and ended.
void alarm_interrupts(u64 rtc, u32 intid)
{
    const char* problem = gic_enable_distributor();
    if (problem == nullptr) {
        problem = gic_enable_vtimer();  // the CPU interface, and the timer as a backstop
    }
    if (!check(problem == nullptr, "GIC set up for the alarm: %s", problem == nullptr ? "yes" : problem)) {
        return;
    }
    gic_enable_spi(intid, false);  // level, as the node says
    for (int round = 1; round <= 2; ++round) {
        write32(rtc + pl031_match, read32(rtc + pl031_data) + 1);
        write32(rtc + pl031_mask, 1);
        arm_vtimer(ticks_from_us(alarm_timeout_us));
        const u64 start = counter();
        const u32 got = wfi_for_interrupt();
        const u64 waited_us = us_from_ticks(counter() - start);
        const u32 raised = read32(rtc + pl031_masked);
        write32(rtc + pl031_clear, 1);  // the line drops
        if (got == vtimer_intid) {
            vtimer_done(got);
        } else {
            disarm_vtimer();
            gic_end_of_interrupt(got);
        }
        check(got == intid && raised == 1, "alarm %d: INTID %u after %lu us, RTCMIS %u (INTID %u, RTCMIS 1)", round,
              got, waited_us, raised, intid);
        delay_us(10'000);
        check(!interrupt_pending(), "alarm %d: nothing pending once cleared and ended", round);
    }
    write32(rtc + pl031_mask, 0);
}

bool is_board_tree(u64 dt)
{
    u32 size = 0;
    const void* compatible = dt_property(dt, nullptr, 0, "compatible", &size);
    return compatible != nullptr && size >= 11 && str_equal(static_cast<const char*>(compatible), "qcom,sc7280");
}

void board_tree(u64 dt)
{
    const Node rtc = node(dt, "pl031");
    if (!check(rtc.found && rtc.base == qemu_pl031, "the board tree has the PL031 at %#lx (found: %s, %#lx)",
               qemu_pl031, rtc.found ? "yes" : "no", rtc.base)) {
        return;
    }
    const u32 id0 = read32(rtc.base + pl031_periph_id0);
    const u32 id1 = read32(rtc.base + pl031_periph_id1);
    check(!probe.aborted && id0 == 0x31 && id1 == 0x10, "PL031 PeriphID0/1 read through: %#x %#x (0x31 0x10)", id0, id1);
    const u32 seconds = read32(rtc.base + pl031_data);
    check(!probe.aborted && seconds > 1'600'000'000u, "PL031 clock read through: %u s since 1970", seconds);
    const u32 intid = node_intid(dt, "pl031");
    if (check(intid >= 32, "the PL031's interrupt is an SPI: INTID %u", intid)) {
        alarm_interrupts(rtc.base, intid);
    }

    const char* its_path[] = {"intc", "its"};
    u32 size = 0;
    const void* its_status = dt_property(dt, its_path, 2, "status", &size);
    check(its_status != nullptr && str_equal(static_cast<const char*>(its_status), "disabled"),
          "the ITS node is disabled (status \"%s\")", its_status != nullptr ? static_cast<const char*>(its_status) : "");
    check_kept("the GIC's ITS", qemu_its);
    const Node smmu = node(dt, "smmuv3");
    if (smmu.found) {
        check(str_equal(smmu.status, "disabled"), "the SMMUv3 node is disabled (status \"%s\")", smmu.status);
        check_kept("the SMMUv3", smmu.base);
    } else {
        say("no SMMUv3 in this machine (QEMU -M virt,iommu=smmuv3 adds one)");
    }
}

void own_tree(u64 dt)
{
    check(!node(dt, "pl031").found, "the RM's own tree has no PL031");
    check_kept("the PL031 (not the VM's)", qemu_pl031);
}

}  // namespace

void guest::run(u64 dt)
{
    set_sync_hook(hook);
    if (is_board_tree(dt)) {
        say("a board tree (qcom,sc7280): the board's devices are the VM's");
        board_tree(dt);
    } else {
        say("the RM's own tree: no physical devices");
        own_tree(dt);
    }
    set_sync_hook(nullptr);
}
