// gic-fuzz: the virtual GICv3's MMIO under random accesses, on every vCPU at once.
//   1. every vCPU (the boot vCPU CPU_ONs the others) makes its share of 50,000 accesses
//      chosen by an xorshift64 PRNG (fixed seed, printed; vCPU i starts from seed + i):
//      half in the distributor's 64 KiB, half in its own redistributor's 128 KiB (RD_base
//      and SGI_base frames), width 1, 2, 4 or 8 bytes at an offset aligned to the width
//      (an unaligned access to Device memory faults at EL1 before the hypervisor sees it),
//      a read or a write of a random value. Any synchronous exception from an access is
//      counted and skipped (the vGIC answers every register RAZ/WI, so none is expected;
//      an injected external abort would still be allowed) and reported;
//   2. then, the GIC set up again from whatever the writes left (distributor: Group 1 on;
//      each vCPU: INTID 27's pending and active states cleared, Group 1 not modified, its
//      timer set-up redone), each vCPU takes one virtual-timer interrupt (WFI until
//      ICC_IAR1_EL1 answers 27; other INTIDs the writes made pending are acknowledged,
//      ended and counted on the way).
// Passing means the hypervisor survived all of it and its vGIC still delivers.
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "runtime.h"

GUEST_NAME("gic-fuzz");

namespace {

using namespace guest;

constexpr u64 seed = 0x9e3779b97f4a7c15ull;
constexpr u64 total_accesses = 50'000;  // shared out among the vCPUs
constinit u64 accesses_per_vcpu = total_accesses;
constexpr u64 gicd_size = 0x10000;
constexpr u64 gicr_size = 0x20000;  // RD_base + SGI_base of one vCPU
constexpr u64 timeout_us = 30'000'000;
constexpr u64 timer_us = 1000;

// GICR SGI_base registers the clean-up writes.
constexpr u64 gicr_icpendr0 = 0x0280;
constexpr u64 gicr_icactiver0 = 0x0380;
constexpr u64 gicr_igrpmodr0 = 0x0d00;

struct Report {
    u64 arrived;
    u64 fuzzed;     // 1 once its accesses are done
    u64 reads, writes, faults;
    u64 last_esr;   // of the last fault, if any
    u64 last_far;
    u64 width_count[4];
    u64 fuzz_us;
    u64 gic_error;  // gic_enable_vtimer()'s answer, as an address
    u64 timer_intid;
    u64 other_intids;  // acknowledged before the timer's
    u64 timer_us;
    u64 done;
};

constinit Report reports[max_vcpus] = {};
constinit u64 fuzzing[max_vcpus] = {};  // the sync hook skips aborts only while set
constinit u64 go_timer = 0;             // the boot vCPU has set the distributor up again

u64 xorshift(u64& s)
{
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

// Single plain loads and stores of each width (no writeback, so the syndrome is valid
// and the hypervisor can emulate them).
u64 mmio_read(u64 address, unsigned width)
{
    u64 v = 0;
    switch (width) {
    case 1: asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(address) : "memory"); break;
    case 2: asm volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(address) : "memory"); break;
    case 4: asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(address) : "memory"); break;
    default: asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(address) : "memory"); break;
    }
    return v;
}

void mmio_write(u64 address, unsigned width, u64 v)
{
    switch (width) {
    case 1: asm volatile("strb %w0, [%1]" ::"r"(v), "r"(address) : "memory"); break;
    case 2: asm volatile("strh %w0, [%1]" ::"r"(v), "r"(address) : "memory"); break;
    case 4: asm volatile("str %w0, [%1]" ::"r"(v), "r"(address) : "memory"); break;
    default: asm volatile("str %0, [%1]" ::"r"(v), "r"(address) : "memory"); break;
    }
}

// Data aborts during the fuzzing: counted, skipped (the load's register keeps whatever).
bool on_sync(ExceptionFrame& frame)
{
    const unsigned self = this_vcpu();
    if (self >= max_vcpus || load(fuzzing[self]) == 0 || esr_ec(frame.esr) != ec_dabt_same_el) {
        return false;
    }
    Report& r = reports[self];
    store(r.faults, load(r.faults) + 1);
    store(r.last_esr, frame.esr);
    store(r.last_far, frame.far);
    frame.elr += 4;
    return true;
}

void fuzz(unsigned self)
{
    Report& r = reports[self];
    u64 s = seed + self;
    const u64 rd = gic_redistributor(self);
    store(fuzzing[self], u64{1});
    dsb();
    const u64 start = counter();
    const u64 accesses = load(accesses_per_vcpu);
    for (u64 n = 0; n < accesses; ++n) {
        const u64 x = xorshift(s);
        const unsigned wlog = static_cast<unsigned>(x & 3);
        const unsigned width = 1u << wlog;
        const bool redist = (x >> 2) & 1;
        const bool write = (x >> 3) & 1;
        const u64 size = redist ? gicr_size : gicd_size;
        const u64 offset = ((x >> 8) % size) & ~u64{width - 1};
        const u64 address = (redist ? rd : gicd_base) + offset;
        ++r.width_count[wlog];
        if (write) {
            mmio_write(address, width, xorshift(s));
            ++r.writes;
        } else {
            (void)mmio_read(address, width);
            ++r.reads;
        }
    }
    store(r.fuzz_us, us_from_ticks(counter() - start));
    dsb();
    store(fuzzing[self], u64{0});
    dsb();
}

// Makes INTID 27 deliverable again on this vCPU whatever the fuzzing wrote, then waits for
// one timer interrupt.
void timer_check(unsigned self)
{
    Report& r = reports[self];
    const u64 sgi = gic_redistributor(self) + gicr_sgi_offset;
    disarm_vtimer();
    *reinterpret_cast<volatile u32*>(sgi + gicr_icactiver0) = 1u << vtimer_intid;
    *reinterpret_cast<volatile u32*>(sgi + gicr_icpendr0) = 1u << vtimer_intid;
    *reinterpret_cast<volatile u32*>(sgi + gicr_igrpmodr0) = 0;
    dsb();
    const char* gic = gic_enable_vtimer();
    store(r.gic_error, static_cast<u64>(reinterpret_cast<std::uintptr_t>(gic)));
    if (gic != nullptr) {
        return;
    }
    // Whatever else the writes left pending and enabled comes first, perhaps: acknowledge
    // and end it (some may come again, a level one: give up after many).
    const u64 start = counter();
    arm_vtimer(ticks_from_us(timer_us));
    u32 intid = gic_spurious_intid;
    u64 others = 0;
    while (counter() - start < ticks_from_us(timeout_us) / 2) {
        asm volatile("wfi" ::: "memory");
        intid = gic_acknowledge();
        if (intid == vtimer_intid || intid == gic_spurious_intid) {
            if (intid == vtimer_intid) {
                break;
            }
            continue;
        }
        ++others;
        if (intid < gic_special_intids) {
            // Not ours: off, then ended, so it does not come back.
            const u64 bank = intid < 32 ? sgi : gicd_base;
            const u64 reg = 0x180 + (intid / 32) * 4;  // ICENABLER
            *reinterpret_cast<volatile u32*>(bank + reg) = 1u << (intid % 32);
            dsb();
            gic_end_of_interrupt(intid);
        }
    }
    store(r.timer_us, us_from_ticks(counter() - start));
    store(r.timer_intid, u64{intid});
    store(r.other_intids, others);
    vtimer_done(intid == vtimer_intid ? intid : gic_spurious_intid);
}

void secondary(u64 context, unsigned, u64)
{
    const unsigned self = static_cast<unsigned>(context);
    if (self != this_vcpu() || self >= max_vcpus) {
        return;
    }
    store(reports[self].arrived, u64{1});
    dsb();
    fuzz(self);
    store(reports[self].fuzzed, u64{1});
    dsb();
    const u64 start = counter();
    while (load(go_timer) == 0 && counter() - start < ticks_from_us(timeout_us)) {
        delay_us(100);
    }
    if (load(go_timer) != 0) {
        timer_check(self);
    }
    dsb();
    store(reports[self].done, u64{1});
    dsb();
}

}  // namespace

void guest::run(u64)
{
    const unsigned self = this_vcpu();
    const unsigned count = count_vcpus();
    accesses_per_vcpu = total_accesses / count;
    dsb();
    say("%u vCPUs, seed %#lx (+ vCPU index), %lu accesses each", count, seed, accesses_per_vcpu);
    check(self == 0, "the VM starts on vCPU 0");
    set_sync_hook(on_sync);
    set_secondary_handler(secondary);
    const u64 start = counter();

    for (unsigned i = 0; i < count; ++i) {
        if (i == self) {
            continue;
        }
        const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(i), secondary_entry(0), i);
        check(r == PSCI_RET_SUCCESS, "CPU_ON(vCPU %u) -> %ld %s", i, r, psci_result_name(r));
    }
    fuzz(self);
    store(reports[self].arrived, u64{1});
    store(reports[self].fuzzed, u64{1});

    bool all_fuzzed = true;
    for (unsigned i = 0; i < count; ++i) {
        if (!wait_for([&] { return load(reports[i].fuzzed) != 0; }, timeout_us)) {
            bad("vCPU %u did not finish its accesses within %lu s (arrived: %lu)", i, timeout_us / 1000000,
                load(reports[i].arrived));
            all_fuzzed = false;
        }
    }
    dsb();
    u64 total = 0, faults = 0;
    for (unsigned i = 0; i < count; ++i) {
        const Report& r = reports[i];
        say("vCPU %u: %lu reads, %lu writes (widths 1/2/4/8: %lu/%lu/%lu/%lu) in %lu us, %lu faults", i,
            load(r.reads), load(r.writes), load(r.width_count[0]), load(r.width_count[1]), load(r.width_count[2]),
            load(r.width_count[3]), load(r.fuzz_us), load(r.faults));
        if (load(r.faults) != 0) {
            say("vCPU %u: last fault ESR %#lx FAR %#lx", i, load(r.last_esr), load(r.last_far));
        }
        total += load(r.reads) + load(r.writes);
        faults += load(r.faults);
    }
    say("%lu accesses, %lu faults (external aborts allowed; the vGIC answers RAZ/WI)", total, faults);
    set_sync_hook(nullptr);
    if (!all_fuzzed) {
        return;
    }

    // The GIC again, from whatever the writes left.
    const char* gicd = gic_enable_distributor();
    check(gicd == nullptr, "distributor set up again (Group 1 on)%s%s", gicd == nullptr ? "" : ": ",
          gicd == nullptr ? "" : gicd);
    store(go_timer, u64{1});
    dsb();
    timer_check(self);
    store(reports[self].done, u64{1});
    for (unsigned i = 0; i < count; ++i) {
        const Report& r = reports[i];
        if (!wait_for([&] { return load(r.done) != 0; }, timeout_us)) {
            bad("vCPU %u did not finish its timer check within %lu s", i, timeout_us / 1000000);
            continue;
        }
        dsb();
        const char* gic = reinterpret_cast<const char*>(static_cast<std::uintptr_t>(load(r.gic_error)));
        if (!check(gic == nullptr, "vCPU %u: GIC set up again for its timer%s%s", i, gic == nullptr ? "" : ": ",
                   gic == nullptr ? "" : gic)) {
            continue;
        }
        check(load(r.timer_intid) == vtimer_intid,
              "vCPU %u: virtual timer interrupt taken after the fuzzing: INTID %lu after %lu us (%lu other INTIDs "
              "acknowledged first)",
              i, load(r.timer_intid), load(r.timer_us), load(r.other_intids));
    }
    say("hypervisor alive after %lu ms", us_from_ticks(counter() - start) / 1000);
}
