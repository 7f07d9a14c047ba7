// bench: what the hypervisor costs a guest, in instructions, for scripts/bench. Meant for
// QEMU's -icount shift=0,sleep=off, where virtual time advances one nanosecond per
// instruction, so counter ticks convert to instructions (1e9 / CNTFRQ per tick: 16 at
// QEMU's 62.5 MHz), and WFI skips time forward instead of waiting.
//
// What to run comes from the module's bootargs (guest-loader bootargs=, which the RM puts
// in /chosen/bootargs): `bench=calls`, `bench=irq`, `bench=switch`, `bench=idle`, `bench=rpc`, `bench=vmm`, `bench=doorbell` or a comma list;
// without one, all that the vCPU count allows.
//   calls   null hypercall (native hvc #0x6000 hyp_identify), SMCCC_VERSION through
//           hvc #0, an emulated MMIO read (the vPL011's UARTFR), WFI with the timer's
//           interrupt already pending, scheduler_yield with nobody to switch to; what one
//           WFI that really sleeps costs the hypervisor (a sweep of short sleeps); what
//           the hypervisor and the RM take from a busy guest per 100 ms, and what one
//           of the RM's wake-ups costs while the guest sleeps; from those, an estimate
//           of the hypervisor's and RM's work per 100 ms of an idle guest.
//   irq     interrupts taken (PSTATE.I clear) through the guest's own IRQ vector, which
//           acknowledges, counts, programs the timer again and ends the interrupt: virtual
//           timer interrupts back to back while the guest spins (each next deadline set by
//           the handler; the spinning subtracted), and SGIs to itself (a trapped write of
//           ICC_SGI1R_EL1, taken at once); each per interrupt in total and less the
//           handler's own instructions (measured by running it directly): EL2 and the
//           exception entry and return.
//   switch  two vCPUs on one physical CPU (-smp 1, rm.vcpus=2) handing the CPU to each
//           other with scheduler_yield; a shared counter shows whether each yield did.
//   idle    ten 100 ms sleeps in WFI on the virtual timer and the wake-up latency; the
//           hypervisor's idle report at power-off says how idle the CPU was.
// Each figure is one line `bench: NAME N instructions (baseline B, ratio R)`: N per
// operation, loop overhead and argument set-up subtracted; B is the null hypercall (the
// null hypercall's own is an instruction that does not trap), measured in the same run.
// Loops run in chunks and a figure is the best chunk, so the RM's 10 ms wake-ups do not
// blur it; they are measured on their own ("busy guest").
//
// The timer wakes a sleep through the (virtual) GIC, as on hardware: the guest sets up
// its PPI first (runtime.h), sleeps with PSTATE.I masked until an interrupt is pending
// (ISR_EL1.I), and then acknowledges and ends it with the timer disabled, outside what
// is timed.
#include "hyp_api/gunyah_client.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "rm_link.h"
#include "runtime.h"
#include "tiny_vm.h"
#include "vm_client.h"

GUEST_NAME("bench");

namespace {

using namespace guest;

constexpr unsigned chunks = 50;
constexpr u64 per_chunk = 400;  // 20,000 operations per figure
constexpr u64 uartfr = 0x09000018;
constexpr u64 hundred_ms_us = 100000;

// ---- Counting -----------------------------------------------------------------------------

// Instructions x100 in `ticks` of the counter, per operation.
u64 per_op_x100(u64 ticks, u64 ops) { return ticks * 100'000'000'000ull / counter_frequency() / ops; }

u64 minus(u64 a, u64 b) { return a > b ? a - b : 0; }

void report(const char* name, u64 value_x100, u64 baseline_x100)
{
    const u64 ratio_x100 = baseline_x100 == 0 ? 0 : value_x100 * 100 / baseline_x100;
    printf("bench: %s %lu instructions (baseline %lu, ", name, (value_x100 + 50) / 100, (baseline_x100 + 50) / 100);
    if (ratio_x100 >= 10 || baseline_x100 == 0) {
        printf("ratio %lu.%02lu)\n", ratio_x100 / 100, ratio_x100 % 100);
    } else {
        printf("ratio 0.%06lu)\n", value_x100 * 1000000 / baseline_x100);
    }
}

// Each loop runs its operation n >= 1 times; the comments give the instructions around it.
using Loop = void (*)(u64 n);

#define BENCH_CLOBBERS                                                                                        \
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", \
        "x17", "cc", "memory"

[[gnu::noinline]] void loop_empty(u64 n) { asm volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n)::"cc"); }

[[gnu::noinline]] void loop_mrs(u64 n)  // the operation: one MRS that does not trap
{
    asm volatile("1: mrs x9, tpidr_el1\n subs %0, %0, #1\n b.ne 1b" : "+r"(n)::"x9", "cc");
}

[[gnu::noinline]] void loop_identify(u64 n)  // the operation: the HVC
{
    asm volatile("1: hvc #0x6000\n subs %0, %0, #1\n b.ne 1b" : "+r"(n)::BENCH_CLOBBERS);
}

[[gnu::noinline]] void loop_smccc_identify(u64 n)  // set-up: 2 (x0)
{
    asm volatile("1: movz x0, #0xc600, lsl #16\n movk x0, #0x8000\n hvc #0\n subs %0, %0, #1\n b.ne 1b"
                 : "+r"(n)::BENCH_CLOBBERS);
}

[[gnu::noinline]] void loop_smccc_version(u64 n)  // set-up: 1 (x0)
{
    asm volatile("1: mov w0, #0x80000000\n hvc #0\n subs %0, %0, #1\n b.ne 1b" : "+r"(n)::BENCH_CLOBBERS);
}

[[gnu::noinline]] void loop_mmio(u64 n)  // the operation: the LDR that faults
{
    asm volatile("1: ldr w9, [%1]\n subs %0, %0, #1\n b.ne 1b" : "+r"(n) : "r"(uartfr) : "x9", "cc", "memory");
}

[[gnu::noinline]] void loop_wfi(u64 n)  // the operation: the WFI (the timer's interrupt is pending)
{
    asm volatile("1: wfi\n subs %0, %0, #1\n b.ne 1b" : "+r"(n)::"cc", "memory");
}

[[gnu::noinline]] void loop_yield(u64 n)  // set-up: 3 (x0 control = yield, x1, x2 = 0)
{
    asm volatile("1: mov x0, #0\n mov x1, #0\n mov x2, #0\n hvc #0x603b\n subs %0, %0, #1\n b.ne 1b"
                 : "+r"(n)::BENCH_CLOBBERS);
}

// Instructions x100 per iteration of `loop`: the best of `rounds` chunks of `each`.
u64 measure(Loop loop, unsigned rounds = chunks, u64 each = per_chunk)
{
    u64 best = ~u64{0};
    for (unsigned c = 0; c < rounds; ++c) {
        const u64 t0 = counter();
        loop(each);
        const u64 ticks = counter() - t0;
        best = ticks < best ? ticks : best;
    }
    return per_op_x100(best, each);
}

struct Baselines {
    u64 empty_x100;  // one empty loop iteration
    u64 plain_x100;  // an MRS that does not trap, net
    u64 null_x100;   // hvc #0x6000 hyp_identify, net
};

// `hypercall_rounds` chunks for the null hypercall (the others cost next to nothing).
Baselines baselines(unsigned hypercall_rounds = chunks)
{
    Baselines b{};
    b.empty_x100 = measure(loop_empty);
    b.plain_x100 = minus(measure(loop_mrs), b.empty_x100);
    b.null_x100 = minus(measure(loop_identify, hypercall_rounds), b.empty_x100);
    printf("bench: counter %lu Hz: %lu instructions per tick; figures per operation, best of %u chunks of %lu, "
           "less an empty loop iteration (%lu.%02lu) and any argument set-up\n",
           counter_frequency(), 1000000000 / counter_frequency(), hypercall_rounds, per_chunk, b.empty_x100 / 100,
           b.empty_x100 % 100);
    report("instruction that does not trap (mrs tpidr_el1)", b.plain_x100, b.empty_x100);
    report("null hypercall (hvc #0x6000 hyp_identify)", b.null_x100, b.plain_x100);
    return b;
}

// After a wake-up by the timer: its interrupt acknowledged (ICC_IAR1_EL1), the timer
// disabled, the interrupt ended. Any answer but INTID 27 is counted, for check_wakes().
constinit u64 timer_wakes = 0;
constinit u64 wrong_wakes = 0;
constinit u32 wrong_intid = 0;

void end_timer_wake()
{
    const u32 intid = gic_acknowledge();
    ++timer_wakes;
    if (intid != vtimer_intid) {
        ++wrong_wakes;
        wrong_intid = intid;
    }
    vtimer_done(intid);
}

void check_wakes(const char* what)
{
    check(wrong_wakes == 0, "%s: each of %lu wake-ups acknowledged the timer's INTID %u (%lu did not, the last %u)",
          what, timer_wakes, vtimer_intid, wrong_wakes, wrong_intid);
    timer_wakes = wrong_wakes = 0;
}

[[nodiscard]] i64 yield_once()
{
    return static_cast<i64>(gunyah::scheduler_yield(GUNYAH_YIELD_HINT_YIELD, 0));
}

// ---- calls --------------------------------------------------------------------------------

// One sleep of `k` ticks in WFI, until the timer's interrupt is pending; the ticks from
// before arming to after waking. Then the interrupt is ended and the timer off.
u64 sleep_ticks(u64 k)
{
    u64 t0;
    u64 t1;
    asm volatile("isb\n mrs %0, cntvct_el0\n add x9, %0, %2\n msr cntv_cval_el0, x9\n msr cntv_ctl_el0, %3\n isb\n"
                 "1: wfi\n mrs x9, isr_el1\n tbz x9, #7, 1b\n isb\n mrs %1, cntvct_el0"
                 : "=&r"(t0), "=&r"(t1)
                 : "r"(k), "r"(u64{1})  // CNTV_CTL_EL0: enabled, unmasked
                 : "x9", "memory");
    end_timer_wake();
    return t1 - t0;
}

constexpr unsigned sweep_max = 512;
constinit u64 sweep[sweep_max + 1] = {};

// What one WFI that sleeps costs the hypervisor, in ticks x100: the trap, blocking the
// vCPU, switching to idle, the timer interrupt, injecting the virtual one, and switching
// back. A sleep of k ticks
// takes max(c, k + w): while k is shorter than the way into idle, the deadline has passed
// before the CPU waits and nothing is skipped (c, the whole cost); beyond that the CPU
// waits, icount skips to the deadline, and only the wake-up (w) shows. (Shorter still,
// the deadline has passed when the hypervisor looks, and WFI returns at once.)
struct SleepCost {
    u64 whole_x100;  // c
    u64 wake;        // w, whole ticks (the skip lands on a tick: no finer)
    unsigned plateau;
};

SleepCost sleep_cost()
{
    for (u64 k = 1; k <= sweep_max; ++k) {
        const u64 a = sleep_ticks(k);
        const u64 b = sleep_ticks(k);
        sweep[k] = a < b ? a : b;  // the RM's wake-ups only add
    }
    check_wakes("WFI sweep");
    const u64 at_once = sweep[1];  // the deadline passed before the hypervisor looked
    u64 wake = ~u64{0};
    for (u64 k = sweep_max / 2; k <= sweep_max; ++k) {
        wake = sweep[k] - k < wake ? sweep[k] - k : wake;
    }
    u64 sum = 0;
    unsigned n = 0;
    for (u64 k = 1; k <= sweep_max; ++k) {
        if (sweep[k] > at_once + 2 && sweep[k] > k + wake + 1) {
            sum += sweep[k];
            ++n;
        }
    }
    return {n == 0 ? 0 : sum * 100 / n, wake, n};
}

// A busy guest: every gap in its view of the counter is time the hypervisor took, for
// itself (a time slice ending with nobody else to run) or to run the RM, which wakes
// every 10 ms to look at the primary VM. With the RM's wake-ups found here, the guest
// can sleep across one.
struct Gap {
    u64 start;  // the last counter value before it: the interrupt came within a tick after
    u64 ticks;
};

constexpr u64 gap_ticks = 4;  // one iteration of the loops below is well under a tick
constexpr unsigned max_gaps = 64;
constinit Gap gaps[max_gaps] = {};

struct Spun {
    unsigned recorded;  // in gaps[], the last one always in gaps[recorded - 1]
    unsigned count;     // all the gaps
    u64 ticks;          // in all of them
};

// Spins until `end`, or until a gap of at least `stop_at` ticks.
Spun spin(u64 end, u64 stop_at = ~u64{0})
{
    Spun s{};
    u64 prev = counter();
    while (prev < end) {
        const u64 now = counter();
        if (now - prev > gap_ticks) {
            s.recorded += s.recorded < max_gaps ? 1 : 0;
            gaps[s.recorded - 1] = {prev, now - prev};
            ++s.count;
            s.ticks += now - prev;
            if (now - prev >= stop_at) {
                break;
            }
        }
        prev = now;
    }
    return s;
}

struct Busy {
    Spun spun;         // in busy_window_ms
    unsigned rm_count;
    u64 rm_gap;        // the largest gap: taken to run the RM (ticks)
    u64 rm_period;     // between the last two of those (ticks)
};

// Long enough to see the RM wake at least twice (it watches every 100 ms).
constexpr u64 busy_windows = 3;  // of 100 ms

Busy busy_100ms()
{
    Busy b{};
    b.spun = spin(counter() + ticks_from_us(busy_windows * hundred_ms_us));
    for (unsigned i = 0; i < b.spun.recorded; ++i) {
        b.rm_gap = gaps[i].ticks > b.rm_gap ? gaps[i].ticks : b.rm_gap;
    }
    u64 last = 0;
    for (unsigned i = 0; i < b.spun.recorded; ++i) {
        if (gaps[i].ticks >= b.rm_gap / 2) {
            ++b.rm_count;
            b.rm_period = last == 0 ? 0 : gaps[i].start - last;
            last = gaps[i].start;
        }
    }
    return b;
}

// The RM's wake-up while the guest sleeps, in ticks: from the RM's timer to the guest
// running again, when the guest's own deadline comes just after the RM's. Spinning
// across two of the RM's wake-ups gives its period while the guest runs, hence a
// prediction of its next deadline; the guest then sleeps until `offset` ticks after that
// and, if the RM was running at its deadline, wakes only once the RM has finished (later
// than its own wake-up latency `wake`). The RM's period while the guest sleeps is a few
// hundred ticks shorter than while it spins (the RM reads the counter sooner from an
// idle CPU), so the prediction is early by an amount the guest cannot know: it sweeps
// the offset, coarse then fine, and keeps the longest delay, which is the one whose
// deadline fell closest after the RM's timer. 0 when no offset lined up.
struct RmLineUp {
    u64 delay;    // ticks from the guest's deadline to it running, 0 if it was not held up
    bool synced;  // two RM wake-ups were seen to predict from
};

RmLineUp rm_line_up(const Busy& busy, u64 wake, i64 offset)
{
    const u64 limit = 3 * busy.rm_period;
    const unsigned first = spin(counter() + limit, busy.rm_gap / 2).recorded;
    if (first == 0 || gaps[first - 1].ticks < busy.rm_gap / 2) {
        return {};
    }
    const u64 r0 = gaps[first - 1].start;
    const unsigned second = spin(counter() + limit, busy.rm_gap / 2).recorded;
    if (second == 0 || gaps[second - 1].ticks < busy.rm_gap / 2) {
        return {};
    }
    const u64 r1 = gaps[second - 1].start;
    const u64 deadline = r1 + (r1 - r0) + static_cast<u64>(offset);
    asm volatile("msr cntv_cval_el0, %0\n msr cntv_ctl_el0, %1\n isb" ::"r"(deadline), "r"(u64{1}) : "memory");
    u64 now;
    do {
        asm volatile("wfi\n isb\n mrs %0, cntvct_el0" : "=r"(now)::"memory");
    } while (!interrupt_pending());
    end_timer_wake();
    return {now - deadline > wake + 1 ? now - deadline : 0, true};
}

u64 rm_wake(const Busy& busy, u64 wake)
{
    constexpr i64 earliest = -1600;  // ticks before the prediction
    constexpr i64 latest = 200;
    constexpr i64 coarse = 200;
    constexpr i64 fine = 20;
    // Coarse: the first offset at which the RM holds the guest up.
    i64 found = latest + 1;
    for (i64 offset = earliest; offset <= latest; offset += coarse) {
        if (rm_line_up(busy, wake, offset).delay != 0) {
            found = offset;
            break;
        }
    }
    if (found > latest) {
        return 0;
    }
    // Fine: between the last offset that was too early and that one.
    u64 best = 0;
    for (i64 offset = found - coarse + fine; offset <= found; offset += fine) {
        const RmLineUp r = rm_line_up(busy, wake, offset);
        best = r.delay > best ? r.delay : best;
    }
    return best;
}

void bench_calls()
{
    say("calls: one vCPU");
    const Baselines b = baselines();

    const gunyah::Identity id = gunyah::hyp_identify();
    check(id.api_version() == 1, "hyp_identify answers API version 1 (%u)", id.api_version());
    const u64 version = smccc_hvc(GUNYAH_SMCCC_VERSION_ID).x0;
    check(version == GUNYAH_SMCCC_VERSION_1_3, "SMCCC_VERSION answers 1.3 (%#lx)", version);
    report("null hypercall, SMCCC form (hvc #0, x0 0xc6008000 hyp_identify)",
           minus(measure(loop_smccc_identify), b.empty_x100 + 200), b.null_x100);
    report("SMCCC_VERSION (hvc #0)", minus(measure(loop_smccc_version), b.empty_x100 + 100), b.null_x100);
    const u32 fr = *reinterpret_cast<volatile u32*>(uartfr);
    say("UARTFR reads %#x", fr);
    report("MMIO read, emulated (ldr w, vPL011 UARTFR)", minus(measure(loop_mmio), b.empty_x100), b.null_x100);

    asm volatile("msr cntv_cval_el0, xzr\n msr cntv_ctl_el0, %0\n isb" ::"r"(u64{1}) : "memory");
    check(vtimer_fired(), "virtual timer condition met (CVAL 0)");
    const u64 t_pending = counter();
    while (!interrupt_pending() && counter() - t_pending < ticks_from_us(10'000)) {
    }
    check(interrupt_pending(), "its interrupt pending (ISR_EL1.I) within %lu ticks", counter() - t_pending);
    report("WFI, timer's interrupt already pending (returns at once)", minus(measure(loop_wfi), b.empty_x100),
           b.null_x100);
    end_timer_wake();
    check_wakes("WFI with the interrupt pending");

    const i64 r = yield_once();
    check(r == 0, "scheduler_yield answers OK (%ld %s)", r, gunyah_error_name(r));
    report("scheduler_yield, no other vCPU to run", minus(measure(loop_yield), b.empty_x100 + 300), b.null_x100);

    const SleepCost sleep = sleep_cost();
    if (sleep.plateau == 0) {
        bad("WFI sweep: no sleep of 1..%u ticks cost more than the wake-up alone", sweep_max);
    } else {
        say("WFI sweep: %u of %u sleeps ended before the CPU went idle; wake-up %lu ticks", sleep.plateau,
            sweep_max, sleep.wake);
    }
    const u64 whole_x100 = sleep.whole_x100 * 1000000000 / counter_frequency();
    const u64 wake_x100 = sleep.wake * 100 * 1000000000 / counter_frequency();
    report("WFI that sleeps: trap, block, idle, timer IRQ, resume", whole_x100, b.null_x100);
    report("  of which after the timer fires (tick resolution)", wake_x100, b.null_x100);

    const Busy busy = busy_100ms();
    const u64 ns_per_tick = 1000000000 / counter_frequency();
    say("busy guest: %u interruptions in %lu ms, %u of them to run the RM (the largest, %lu instructions, every "
        "%lu instructions)",
        busy.spun.count, busy_windows * 100, busy.rm_count, busy.rm_gap * ns_per_tick, busy.rm_period * ns_per_tick);
    const u64 period_x100 = hundred_ms_us * 1000 * 100;
    report("busy guest, hyp+RM work per 100 ms", per_op_x100(busy.spun.ticks, busy_windows), period_x100);
    if (busy.rm_period == 0) {
        bad("busy guest: the RM did not wake twice while the guest spun");
        return;
    }
    const u64 rm = rm_wake(busy, sleep.wake);
    if (rm == 0) {
        bad("the RM's wake-ups could not be lined up with the guest's sleep");
        return;
    }
    check_wakes("RM wake-ups");
    const u64 rm_x100 = per_op_x100(rm, 1);
    report("RM wake-up while the guest sleeps: its timer to the guest back", rm_x100, b.null_x100);
    // Per 100 ms asleep: the guest's one sleep and the RM's wake-ups. The figure above
    // also holds the switch back to the guest, at most the guest's own wake-up (w), so
    // one RM wake-up costs the idle CPU between that less w and all of it.
    const u64 wakes_x100 = ticks_from_us(hundred_ms_us) * 100 / busy.rm_period;
    report("idle guest, hyp+RM work per 100 ms asleep (estimate, low)",
           wakes_x100 * minus(rm_x100, wake_x100) / 100 + whole_x100, period_x100);
    report("idle guest, hyp+RM work per 100 ms asleep (estimate, high)", wakes_x100 * rm_x100 / 100 + whole_x100,
           period_x100);
}

// ---- switch -------------------------------------------------------------------------------

constexpr u64 pp_chunk = 64;      // round trips between vCPU 0's timestamps
constexpr u64 pp_chunks = 160;    // 10,240 yields each: 20,480 in all
constexpr u64 pp_overhead = 12;   // instructions of a turn other than its HVC
constexpr u64 pp_probe = 4;       // untimed turns first, to see that the yields switch

constinit u64 turns = 0;  // odd after vCPU 0's turn, even after vCPU 1's
constinit u64 ready = 0;
constinit u64 done = 0;
constinit u64 stale_of_1 = 0;
constinit u64 stop = 0;  // set by vCPU 0: the other ends its turns when it next finds none
constinit u64 stamps[pp_chunks + 1] = {};

// `n` turns of vCPU `me`: add one to `turns` when its parity says it is this vCPU's turn,
// then yield. Returns the times the other vCPU had not run since this one's last yield
// (when `stop` is set, the first such time ends the turns).
[[gnu::noinline]] u64 ping_pong(u64 me, u64 n)
{
    u64 stale = 0;
    u64* const p = &turns;
    u64* const s = &stop;
    asm volatile("1: ldr x9, [%[p]]\n and x10, x9, #1\n cmp x10, %[me]\n b.ne 2f\n"
                 " add x9, x9, #1\n str x9, [%[p]]\n sub %[n], %[n], #1\n b 3f\n"
                 "2: ldr x11, [%[s]]\n cbnz x11, 4f\n add %[stale], %[stale], #1\n"
                 "3: mov x0, #0\n mov x1, #0\n mov x2, #0\n hvc #0x603b\n cbnz %[n], 1b\n"
                 "4:"
                 : [n] "+r"(n), [stale] "+r"(stale)
                 : [p] "r"(p), [s] "r"(s), [me] "r"(me)
                 : BENCH_CLOBBERS);
    return stale;
}

// Until vCPU 1 has said it has finished (or 10 s of virtual time).
void wait_for_second_vcpu()
{
    const u64 start = counter();
    while (load(done) == 0) {
        (void)yield_once();
        if (counter() - start > ticks_from_us(10'000'000)) {
            fail("vCPU 1 did not finish within 10 s of virtual time");
        }
    }
    dsb();
}

void second_vcpu(u64, unsigned, u64)
{
    store(ready, u64{1});
    dsb();
    while (load(turns) == 0) {
        (void)yield_once();
    }
    store(stale_of_1, ping_pong(1, pp_probe + pp_chunk * pp_chunks));
    dsb();
    store(done, u64{1});
    dsb();
}

void bench_switch(unsigned vcpus)
{
    say("switch: %u vCPUs; vCPU 1 on CPU_ON, the two yield to each other", vcpus);
    const Baselines b = baselines();
    const u64 alone_x100 = minus(measure(loop_yield), b.empty_x100 + 300);
    report("scheduler_yield, no other vCPU to run", alone_x100, b.null_x100);

    set_secondary_handler(second_vcpu);
    const i64 on = psci_cpu_on(hyp_abi::vcpu_mpidr(1), secondary_entry(0), 1);
    if (on != PSCI_RET_SUCCESS) {
        fail("CPU_ON(vCPU 1) -> %ld %s", on, psci_result_name(on));
    }
    const u64 t_on = counter();
    while (load(ready) == 0) {
        (void)yield_once();
        if (counter() - t_on > ticks_from_us(10'000'000)) {
            fail("vCPU 1 did not start within 10 s of virtual time");
        }
    }
    // A few turns first: if a yield comes back before the other vCPU has run, the two do
    // not share a physical CPU (-smp 2 or more), and there is no switch to measure. (QEMU
    // under -icount runs its CPUs one at a time: each of our turns would wait for one of
    // its, and the run would take minutes.)
    u64 stale = ping_pong(0, pp_probe);
    if (stale != 0) {
        store(stop, u64{1});
        dsb();
        wait_for_second_vcpu();
        say("no vCPU switch to measure: vCPUs 0 and 1 do not share a physical CPU (in %lu turns, %lu yields came "
            "back with the other not having run); the switch figures need -smp 1",
            pp_probe, stale);
        return;
    }
    stamps[0] = counter();
    for (u64 c = 0; c < pp_chunks; ++c) {
        stale += ping_pong(0, pp_chunk);
        stamps[c + 1] = counter();
    }
    wait_for_second_vcpu();

    const u64 yields = 2 * pp_chunk * pp_chunks;
    const u64 count = load(turns) - 2 * pp_probe;
    const u64 stale1 = load(stale_of_1);
    check(count == yields, "the shared counter advanced by %lu (%lu)", yields, count);
    if (stale == 0 && stale1 == 0) {
        say("each of the %lu yields came back only after the other vCPU had taken its turn (the counter "
            "alternated)",
            yields);
    } else {
        say("%lu of vCPU 0's and %lu of vCPU 1's yields came back with the other vCPU not having run", stale,
            stale1);
    }
    u64 best = ~u64{0};
    for (u64 c = 0; c < pp_chunks; ++c) {
        const u64 t = stamps[c + 1] - stamps[c];
        best = t < best ? t : best;
    }
    unsigned slow = 0;  // chunks with more in them than the yields: the RM, a slice renewed
    u64 extra = 0;
    for (u64 c = 0; c < pp_chunks; ++c) {
        const u64 t = stamps[c + 1] - stamps[c];
        slow += t > best + gap_ticks ? 1 : 0;
        extra += t > best + gap_ticks ? t - best : 0;
    }
    const u64 ns_per_tick = 1000000000 / counter_frequency();
    const u64 total = stamps[pp_chunks] - stamps[0];
    const u64 mean_x100 = minus(per_op_x100(total, yields), pp_overhead * 100);
    say("%lu yields in %lu instructions, %u of the %lu chunks of %lu yields longer than the best by %lu instructions "
        "in all (the RM's wake-ups, time slices renewed)",
        yields, total * ns_per_tick, slow, pp_chunks, 2 * pp_chunk, extra * ns_per_tick);
    const u64 switch_x100 = minus(per_op_x100(best, 2 * pp_chunk), pp_overhead * 100);
    report("scheduler_yield that switches vCPUs", switch_x100, b.null_x100);
    report("scheduler_yield that switches vCPUs, mean of all", mean_x100, b.null_x100);
    report("vCPU switch: yield that switches less the null hypercall", minus(switch_x100, b.null_x100),
           b.null_x100);
    report("vCPU switch: yield that switches less one that does not", minus(switch_x100, alone_x100), b.null_x100);
}

// ---- idle ---------------------------------------------------------------------------------

constexpr unsigned idle_periods = 10;

void bench_idle()
{
    say("idle: %u periods of 100 ms asleep in WFI on the virtual timer", idle_periods);
    // A small baseline: this run is for the hypervisor's idle figure, which it dilutes.
    const Baselines b = baselines(3);
    const u64 period = ticks_from_us(hundred_ms_us);
    u64 deadline = counter();
    u64 late = 0;
    u64 latest = 0;
    u64 wfis = 0;
    for (unsigned i = 0; i < idle_periods; ++i) {
        deadline += period;
        // Enabled, unmasked; until the timer's interrupt is pending.
        asm volatile("msr cntv_cval_el0, %0\n msr cntv_ctl_el0, %1\n isb" ::"r"(deadline), "r"(u64{1}) : "memory");
        u64 now;
        do {
            asm volatile("wfi\n isb\n mrs %0, cntvct_el0" : "=r"(now)::"memory");
            ++wfis;
        } while (!interrupt_pending());
        end_timer_wake();
        late += now - deadline;
        latest = now - deadline > latest ? now - deadline : latest;
    }
    check_wakes("idle");
    say("%u periods, %lu WFIs; woke at most %lu ticks after the deadline", idle_periods, wfis, latest);
    report("idle guest, wake-up latency (timer deadline to the guest, tick resolution)",
           per_op_x100(late, idle_periods), b.null_x100);
}

}  // namespace

// ---- irq ----------------------------------------------------------------------------------

// Interrupts taken (PSTATE.I clear) through a vector table of this guest's own, whose IRQ
// entry (current EL, SP_EL1) is a handler like Linux's for the timer: save x0..x3 and
// x30, then the body (bench_irq_body) acknowledges (ICC_IAR1_EL1), counts, checks the
// INTID, programs the timer anew (CVAL = now + delta, then CTL from the state: 1 enables
// it and clears the IMASK the hypervisor set when it took the timer's interrupt, 0 turns
// it off) and ends the interrupt (ICC_EOIR1_EL1); restore, ERET. Straight-line, so the
// body costs the same whatever the INTID: bench_irq_direct runs the same save, body and
// restore in a loop, with nothing pending (IAR answers 1023, EOIR ignores it), and that
// is what the guest itself spends per interrupt. The other 15 entries go to the runtime's.
extern "C" {
// [0] count, [1] right (INTID == expect), [2] expect, [3] delta (ticks), [4] CTL, [5] last INTID
GUEST_HIDDEN constinit guest::u64 bench_irq_state[6] = {};
GUEST_HIDDEN extern const char bench_irq_vectors[];
GUEST_HIDDEN void bench_irq_direct(guest::u64 n);  // n >= 1 handler bodies, as the vector runs them
}

asm(R"(
    .macro bench_irq_save
    stp     x0, x1, [sp, #-48]!
    stp     x2, x3, [sp, #16]
    str     x30, [sp, #32]
    .endm
    .macro bench_irq_restore
    ldr     x30, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #48
    .endm

    .section .text.bench_irq, "ax"
    .balign 4
    .type bench_irq_body, %function
bench_irq_body:
    mrs     x0, S3_0_C12_C12_0          // ICC_IAR1_EL1
    adrp    x1, bench_irq_state
    add     x1, x1, :lo12:bench_irq_state
    ldp     x2, x3, [x1]                // count, right
    add     x2, x2, #1
    str     x2, [x1]
    ldr     x2, [x1, #16]               // expect
    cmp     x0, x2
    cinc    x3, x3, eq
    str     x3, [x1, #8]
    str     x0, [x1, #40]               // last INTID
    ldp     x2, x3, [x1, #24]           // delta, CTL
    mrs     x1, cntvct_el0
    add     x1, x1, x2
    msr     cntv_cval_el0, x1
    msr     cntv_ctl_el0, x3
    msr     S3_0_C12_C12_1, x0          // ICC_EOIR1_EL1
    ret
    .size bench_irq_body, . - bench_irq_body

    .balign 4
    .global bench_irq_direct
    .hidden bench_irq_direct
    .type bench_irq_direct, %function
bench_irq_direct:
    mov     x9, x0
    mov     x10, x30
1:  bench_irq_save
    bl      bench_irq_body
    bench_irq_restore
    subs    x9, x9, #1
    b.ne    1b
    ret     x10
    .size bench_irq_direct, . - bench_irq_direct

    .section .text.bench_irq_vectors, "ax"
    .balign 2048
    .global bench_irq_vectors
    .hidden bench_irq_vectors
bench_irq_vectors:
    .irp i, 0, 1, 2, 3, 4
    .balign 128
    b       guest_vectors + \i * 128
    .endr
    .balign 128                         // 5: IRQ, current EL with SP_ELx
    bench_irq_save
    bl      bench_irq_body
    bench_irq_restore
    eret
    .irp i, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 128
    b       guest_vectors + \i * 128
    .endr
    .text
)");

namespace {

using namespace guest;

constexpr u64 irq_chunks = 20;
constexpr u64 irq_per_chunk = 100;   // 2,000 interrupts of each kind
constexpr u64 irq_delta = 256;       // ticks from the handler to the next deadline: 4,096 instructions, more
                                     // than an interrupt costs (else the next is due before the guest
                                     // is back, and the spin never runs again)
constexpr u64 spin_iteration = 6;    // instructions of one turn of timer_chunk's loop
constexpr u64 spin_limit = 10'000'000;
constexpr u32 bench_sgi = 1;

void irq_state(u64 expect, u64 ctl)
{
    bench_irq_state[0] = bench_irq_state[1] = bench_irq_state[5] = 0;
    bench_irq_state[2] = expect;
    bench_irq_state[3] = irq_delta;
    bench_irq_state[4] = ctl;
    dsb();
}

u64 read_cntv_ctl()
{
    u64 v;
    asm volatile("mrs %0, cntv_ctl_el0" : "=r"(v));
    return v;
}

void irqs_on() { asm volatile("msr daifclr, #2" ::: "memory"); }
void irqs_off() { asm volatile("msr daifset, #2" ::: "memory"); }

// Timer interrupts come one after the other while this spins: it waits for the count to
// pass `start`, then counts its own turns from a first counter read until the count
// reaches start + n, and reads the counter again. What is in between: `interrupts` whole
// interrupts (those after the count read that follows the first counter read), the turns,
// and 3 instructions.
struct TimerChunk {
    u64 ticks;
    u64 turns;
    u64 interrupts;
    bool stuck;  // spin_limit turns with no interrupt
};

TimerChunk timer_chunk(u64 start, u64 n)
{
    u64 t0;
    u64 t1;
    u64 c0;
    u64 c;
    u64 it = 0;
    u64* const p = &bench_irq_state[0];
    const u64 end = start + n;
    asm volatile("0: add %[it], %[it], #1\n cmp %[it], %[limit]\n b.hs 2f\n"
                 " ldr %[c], [%[p]]\n cmp %[c], %[start]\n b.lo 0b\n"
                 " mov %[it], #0\n isb\n mrs %[t0], cntvct_el0\n ldr %[c0], [%[p]]\n"
                 "1: add %[it], %[it], #1\n cmp %[it], %[limit]\n b.hs 2f\n"
                 " ldr %[c], [%[p]]\n cmp %[c], %[end]\n b.lo 1b\n"
                 " isb\n mrs %[t1], cntvct_el0\n b 3f\n"
                 "2: mov %[it], %[limit]\n mov %[t0], #0\n mov %[t1], #0\n mov %[c0], #0\n mov %[c], #0\n"
                 "3:"
                 : [t0] "=&r"(t0), [t1] "=&r"(t1), [c0] "=&r"(c0), [c] "=&r"(c), [it] "+r"(it)
                 : [p] "r"(p), [start] "r"(start), [end] "r"(end), [limit] "r"(spin_limit)
                 : "cc", "memory");
    return {t1 - t0, it, c - c0, it >= spin_limit};
}

constinit u64 sgi1r_value = 0;

[[gnu::noinline]] void loop_sgi_self(u64 n)  // the operation: the MSR that traps
{
    const u64 v = sgi1r_value;
    asm volatile("1: msr S3_0_C12_C11_5, %1\n subs %0, %0, #1\n b.ne 1b" : "+r"(n) : "r"(v) : "cc", "memory");
}

// ICC_SGI1R_EL1 for SGI `intid` to the vCPU with affinity `mpidr` (RS 0: Aff0 < 16).
u64 sgi1r_for(u64 mpidr_value, u32 intid)
{
    const u64 aff0 = mpidr_value & 0xff;
    const u64 aff1 = (mpidr_value >> 8) & 0xff;
    const u64 aff2 = (mpidr_value >> 16) & 0xff;
    const u64 aff3 = (mpidr_value >> 32) & 0xff;
    return (u64{1} << (aff0 & 15)) | aff1 << 16 | u64{intid} << 24 | aff2 << 32 | (aff0 >> 4) << 44 | aff3 << 48;
}

// SGI `intid` on this vCPU: Group 1, the timer's priority, enabled (GICR_IGROUPR0,
// GICR_IPRIORITYR, GICR_ISENABLER0 in its SGI_base frame).
void enable_sgi(u32 intid)
{
    const u64 sgi = gic_redistributor(this_vcpu()) + gicr_sgi_offset;
    auto r32 = [](u64 a) -> volatile u32& { return *reinterpret_cast<volatile u32*>(a); };
    r32(sgi + 0x80) = r32(sgi + 0x80) | 1u << intid;
    *reinterpret_cast<volatile std::uint8_t*>(sgi + 0x400 + intid) = 0xa0;
    dsb();
    r32(sgi + 0x100) = 1u << intid;
    dsb();
    check((r32(sgi + 0x80) & 1u << intid) != 0 && (r32(sgi + 0x100) & 1u << intid) != 0,
          "SGI %u Group 1 and enabled in this vCPU's redistributor", intid);
}

// Whether every one of `expected` interrupts came, each with INTID `intid`.
void check_irqs(const char* what, u64 expected, u32 intid)
{
    const u64 count = bench_irq_state[0];
    const u64 right = bench_irq_state[1];
    check(count == expected && right == count, "%s: %lu interrupts taken, all INTID %u (%lu expected; %lu right, "
          "the last %lu)", what, count, intid, expected, right, bench_irq_state[5]);
}

void bench_irq()
{
    say("irq: interrupts taken by the guest's own IRQ vector: the virtual timer's, back to back, and "
        "SGIs to itself");
    const Baselines b = baselines();
    u64 vbar;
    asm volatile("mrs %0, vbar_el1" : "=r"(vbar));
    asm volatile("msr vbar_el1, %0\n isb" ::"r"(bench_irq_vectors) : "memory");

    // The handler in the guest: the direct loop less an empty one, and the vector's ERET.
    irq_state(~u64{0}, 0);
    const u64 handler_x100 = minus(measure(bench_irq_direct), b.empty_x100) + 100;
    check(bench_irq_state[5] == gic_spurious_intid, "the handler's IAR with nothing pending answers %u (%lu)",
          gic_spurious_intid, bench_irq_state[5]);
    report("the guest's IRQ handler: save, IAR, count, timer again, EOIR, restore, ERET", handler_x100,
           b.null_x100);

    // 1. The timer: each handler sets the next deadline irq_delta ticks on; the guest spins
    // in between. A chunk's instructions less its turns, per interrupt.
    irq_state(vtimer_intid, 1);
    asm volatile("isb\n mrs x9, cntvct_el0\n add x9, x9, %0\n msr cntv_cval_el0, x9\n msr cntv_ctl_el0, %1\n isb"
                 ::"r"(irq_delta), "r"(u64{1})
                 : "x9", "memory");
    irqs_on();
    u64 best_x100 = ~u64{0};
    u64 sum_x100 = 0;
    u64 taken = 0;
    bool stuck = false;
    for (u64 c = 0; c < irq_chunks && !stuck; ++c) {
        const TimerChunk t = timer_chunk(load(bench_irq_state[0]) + 1, irq_per_chunk);
        stuck = t.stuck;
        const u64 x100 = minus(per_op_x100(t.ticks, 1), (t.turns * spin_iteration + 3) * 100) /
                         (t.interrupts == 0 ? 1 : t.interrupts);
        best_x100 = x100 < best_x100 ? x100 : best_x100;
        sum_x100 += x100;
        taken += t.interrupts;
    }
    // The last: the handler turns the timer off.
    store(bench_irq_state[4], u64{0});
    dsb();
    const u64 last = load(bench_irq_state[0]) + 1;
    const TimerChunk t = timer_chunk(last, 0);
    stuck = stuck || t.stuck;
    irqs_off();
    const u64 timer_count = load(bench_irq_state[0]);
    check(!stuck, "timer interrupts kept coming (none missing for %lu spins; %lu taken, CTL %#lx, ISR_EL1.I %d)",
          spin_limit, timer_count, read_cntv_ctl(), interrupt_pending() ? 1 : 0);
    check(bench_irq_state[1] == timer_count && timer_count >= irq_chunks * irq_per_chunk,
          "timer: %lu interrupts taken (%lu timed), all INTID %u (%lu were, the last %lu)", timer_count, taken,
          vtimer_intid, bench_irq_state[1], bench_irq_state[5]);
    delay_us(100);
    check(!interrupt_pending() && !vtimer_fired(), "nothing pending after the timer was turned off");
    report("timer interrupt, total per interrupt (best chunk, spinning subtracted)", best_x100, b.null_x100);
    report("  mean of all chunks", sum_x100 / irq_chunks, b.null_x100);
    report("  of which outside the guest's handler (EL2, entry and return)", minus(best_x100, handler_x100),
           b.null_x100);

    // 2. SGIs to itself: the MSR traps, the vGIC pends the SGI, the entry lists it, the
    // guest takes it at once.
    enable_sgi(bench_sgi);
    sgi1r_value = sgi1r_for(mpidr(), bench_sgi);
    irq_state(bench_sgi, 0);
    irqs_on();
    const u64 sgi_x100 = minus(measure(loop_sgi_self, irq_chunks, irq_per_chunk), b.empty_x100);
    irqs_off();
    check_irqs("SGI to itself", irq_chunks * irq_per_chunk, bench_sgi);
    report("virtual SGI to itself: trapped ICC_SGI1R_EL1, delivery, handler (total per SGI)", sgi_x100, b.null_x100);
    report("  of which outside the guest's handler (EL2: the trap, pending, listing; entry and return)",
           minus(sgi_x100, handler_x100), b.null_x100);

    asm volatile("msr vbar_el1, %0\n isb" ::"r"(vbar) : "memory");
}

}  // namespace

namespace {

// ---- RPC to the resource manager ------------------------------------------------------------

RmLink rpc_link;
u8 rpc_reply[GUNYAH_RM_RPC_FRAGMENT_SIZE];
u16 rpc_seq = 1;
constexpr u32 rpc_unknown_id = 0x56000fffu;  // answered UNIMPLEMENTED: 12 bytes

// The virtual timer as a backstop only: the reply's interrupt ends the WFI.
u32 wait_for_reply_interrupt()
{
    arm_vtimer(ticks_from_us(10000));
    const u32 intid = wfi_for_interrupt();
    if (intid < gic_special_intids) {
        gic_end_of_interrupt(intid);
    }
    disarm_vtimer();
    return intid;
}

[[gnu::noinline]] void loop_rpc_round_trip(u64 n)  // includes the guest's own RPC code
{
    for (u64 i = 0; i < n; ++i) {
        (void)rm_send(rpc_link, GUNYAH_RM_RPC_TYPE_REQUEST, 0, rpc_seq++, GUNYAH_RM_MSG_VM_GET_VMID, 0);
        if (rm_receive(rpc_link, rpc_reply, 1000000) != GUNYAH_RM_RPC_HDR_SIZE + 8) {
            bad("VM_GET_VMID: no 16-byte reply");
            return;
        }
    }
}

// A VM_GET_VMID round trip as Linux's driver makes one (send, sleep in WFI until the rx
// interrupt, receive): the send, the switch to the RM, its reading, dispatching and
// replying, the interrupt, the switch back and the receive. Then a 240-byte send alone
// and the receive of a 12-byte reply alone.
void bench_rpc(u64 dt_ipa)
{
    if (!find_rm_link(dt_ipa, rpc_link)) {
        bad("no RM link in the device tree: nothing to measure");
        return;
    }
    gic_enable_spi(rpc_link.rx_intid, true);
    const Baselines b = baselines(10);
    report("RPC round trip (VM_GET_VMID, reply awaited in WFI)", measure(loop_rpc_round_trip, 10, 20), b.null_x100);

    u64 send_best = ~u64{0}, receive_best = ~u64{0};
    for (unsigned i = 0; i < 50; ++i) {
        static u8 fragment[GUNYAH_RM_RPC_FRAGMENT_SIZE];
        gunyah_rm_rpc_hdr_write(fragment, GUNYAH_RM_RPC_TYPE_REQUEST, 0, rpc_seq++, rpc_unknown_id);
        const u64 t0 = counter();
        const gunyah::MsgqSendResult sent =
            gunyah::msgqueue_send(rpc_link.tx, sizeof fragment, fragment, GUNYAH_MSGQUEUE_SEND_PUSH);
        const u64 t1 = counter();
        (void)wait_for_reply_interrupt();
        const u64 t2 = counter();
        const gunyah::MsgqReceiveResult got = gunyah::msgqueue_receive(rpc_link.rx, rpc_reply, sizeof rpc_reply);
        const u64 t3 = counter();
        if (!sent.ok() || !got.ok() || got.size != GUNYAH_RM_RPC_HDR_SIZE + 4) {
            bad("240-byte request %u: send %ld, receive %ld (%zu bytes)", i, static_cast<i64>(sent.error),
                static_cast<i64>(got.error), got.size);
            return;
        }
        send_best = t1 - t0 < send_best ? t1 - t0 : send_best;
        receive_best = t3 - t2 < receive_best ? t3 - t2 : receive_best;
    }
    report("msgqueue_send of 240 bytes (one RPC fragment)", per_op_x100(send_best, 1), b.null_x100);
    report("msgqueue_receive of a 12-byte reply", per_op_x100(receive_best, 1), b.null_x100);
}

// ---- bench=vmm: proxy scheduling -----------------------------------------------------------

constinit RmReply vmm_reply;

// The RM link with its rx interrupt on, and the memory to lend a secondary VM (0, said,
// when either is missing).
u64 vmm_setup(u64 dt_ipa, RmLink& link)
{
    const u64 region = find_rm_link(dt_ipa, link) ? top_of_ram(dt_ipa, TINY_VM_RAM_SIZE) : 0;
    if (region == 0) {
        bad("no RM link or no memory to lend: nothing to measure");
        return 0;
    }
    gic_enable_spi(link.rx_intid, true);
    return region;
}

// Runs the tiny VM until it powers off, answering whatever it asks (reads with 0).
bool run_to_power_off(gunyah::CapId vcpu)
{
    for (unsigned calls = 0; calls < 100000; ++calls) {
        const gunyah::RunResult r = vcpu_run_on(vcpu);
        if (!r.ok()) {
            bad("vcpu_run: error %ld", static_cast<i64>(r.error));
            return false;
        }
        if (r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF) {
            return true;
        }
    }
    bad("the tiny VM did not power off");
    return false;
}

// One vcpu_run that resumes the tiny VM after an MMIO write and returns at its next one
// (its loop: one STR, SUBS and B.NE): the switch into the other VM's vCPU, its exit, the
// switch back, the primary VM's hypercall entry and return. Through the RM as a VMM does
// it: the tiny VM gets x1 = the loop count with VM_SET_BOOT_CONTEXT.
void bench_vmm(u64 dt_ipa)
{
    RmLink link;
    const u64 region = vmm_setup(dt_ipa, link);
    if (region == 0) {
        return;
    }
    const Baselines b = baselines(10);
    constexpr unsigned rounds = 20;
    constexpr u64 each = 100;
    load_tiny_vm(region);
    LaunchedVm vm;
    const VcpuResource& vcpu = vm.resources.vcpu;
    const u32 e = vm_launch(link, vmm_reply, region, tiny_vm_image_size(), TINY_VM_DT_OFFSET, TINY_VM_DT_SIZE,
                            rounds * each + 1, vm);
    if (e != GUNYAH_RM_OK || vm.resources.vcpus != 1) {
        bad("the tiny VM could not be built and started (vmid %u, RM error %#x)", vm.vmid, e);
    } else {
        // The first exit comes at its first write; each timed call resumes it to the next.
        gunyah::RunResult r = vcpu_run_on(vcpu.cap);
        u64 best = ~u64{0};
        for (unsigned c = 0; c < rounds && r.ok(); ++c) {
            const u64 t0 = counter();
            for (u64 i = 0; i < each && r.ok(); ++i) {
                r = vcpu_run_on(vcpu.cap);  // a READY (this CPU had to reschedule) spoils the chunk
                if (r.state != GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE || r.data[0] != TINY_VM_MMIO + TINY_VM_REG_BENCH) {
                    bad("vcpu_run: state %#lx at %#lx, not the loop's MMIO write", r.state, r.data[0]);
                    r.error = gunyah::Error::failure;
                }
            }
            const u64 ticks = counter() - t0;
            best = ticks < best ? ticks : best;
        }
        if (r.ok()) {
            report("vcpu_run resuming an MMIO write exit until the next one (another VM's vCPU)",
                   minus(per_op_x100(best, each), 300), b.null_x100);  // less the tiny VM's 3 instructions
        }
        (void)run_to_power_off(vcpu.cap);
    }
    check(vm_teardown(link, vmm_reply, vm), "the tiny VM reset, its memory reclaimed, its vmid deallocated");
}

// One doorbell ring into another VM: the peer guest (peer.cpp), a proxy-scheduled
// secondary VM built through the RM, waits in WFI for its doorbell; the VMM rings it and
// runs the peer, which takes the interrupt, reads and clears the flags (doorbell_receive),
// ends the interrupt and writes the count to a VMMIO register: the ring timed from before
// doorbell_send to vcpu_run's return at that write. And doorbell_send alone.
void bench_doorbell(u64 dt_ipa)
{
    RmLink link;
    const u64 region = vmm_setup(dt_ipa, link);
    if (region == 0) {
        return;
    }
    const Baselines b = baselines(10);
    constexpr u32 rings = 50;
    load_peer_vm(region);
    LaunchedVm vm;
    const VmResources& res = vm.resources;
    const u32 e = vm_launch(link, vmm_reply, region, peer_vm_image_size(), PEER_VM_DT_OFFSET, PEER_VM_DT_SIZE, rings, vm);
    if (e != GUNYAH_RM_OK || res.vcpus != 1 || res.doorbells != 1) {
        bad("the peer VM could not be built and started (vmid %u, RM error %#x)", vm.vmid, e);
    } else {
        u64 ring_best = ~u64{0}, send_best = ~u64{0};
        bool ok = true;
        for (u32 ring = 1; ok && ring <= rings; ++ring) {
            gunyah::RunResult r = vcpu_run_on(res.vcpu.cap);
            (void)drain_interrupts();  // the peer's run-wakeup from the last ring
            if (!r.ok() || r.state != GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP) {
                bad("ring %u: the peer does not wait (state %#lx)", ring, r.state);
                break;
            }
            const u64 t0 = counter();
            const gunyah::DoorbellResult sent = gunyah::doorbell_send(res.doorbell, 1);
            const u64 t1 = counter();
            r = vcpu_run_on(res.vcpu.cap);  // a READY (this CPU had to reschedule) spoils this ring
            const u64 t2 = counter();
            ok = sent.ok() && r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE && r.data[2] == ring;
            if (!ok) {
                bad("ring %u: send %ld, then state %#lx value %lu", ring, static_cast<i64>(sent.error), r.state,
                    r.data[2]);
            }
            send_best = t1 - t0 < send_best ? t1 - t0 : send_best;
            ring_best = t2 - t0 < ring_best ? t2 - t0 : ring_best;
        }
        if (ok) {
            report("doorbell_send to another VM's vCPU (its virq raised)", per_op_x100(send_best, 1), b.null_x100);
            report("doorbell ring until the other VM's vCPU has taken it (run by vcpu_run: wake, IRQ, "
                   "doorbell_receive, EOI, an MMIO write)",
                   per_op_x100(ring_best, 1), b.null_x100);
            (void)run_to_power_off(res.vcpu.cap);
        }
    }
    check(vm_teardown(link, vmm_reply, vm), "the peer VM reset, its memory reclaimed, its vmid deallocated");
}

// ---- Which: the bench= word of the bootargs ------------------------------------------------

// What follows `bench=` in `args`, or nullptr when no word starts with it.
const char* bench_list(const char* args)
{
    constexpr char key[] = "bench=";
    for (const char* w = args; *w != '\0'; ++w) {
        if (w != args && w[-1] != ' ') {
            continue;
        }
        std::size_t i = 0;
        while (key[i] != '\0' && w[i] == key[i]) {
            ++i;
        }
        if (key[i] == '\0') {
            return w + i;
        }
    }
    return nullptr;
}

// Whether the comma-separated `list` (up to a space) names `what`.
bool listed(const char* list, const char* what)
{
    for (const char* item = list;;) {
        const char* a = item;
        const char* b = what;
        for (; *b != '\0' && *a == *b; ++a, ++b) {
        }
        if (*b == '\0' && (*a == ',' || *a == ' ' || *a == '\0')) {
            return true;
        }
        while (*a != ',' && *a != ' ' && *a != '\0') {
            ++a;
        }
        if (*a != ',') {
            return false;
        }
        item = a + 1;
    }
}

}  // namespace

void guest::run(u64 dt_ipa)
{
    if (!on_gunyah()) {
        fail("not on Gunyah: nothing to measure");
    }
    const char* args = chosen_bootargs(dt_ipa);
    const unsigned vcpus = count_vcpus();
    say("bootargs \"%s\", %u vCPUs", args, vcpus);
    // The virtual timer's PPI, for the sleeps (only the boot vCPU sleeps).
    if (const char* e = gic_enable_distributor()) {
        fail("GIC distributor at %#lx: %s", gicd_base, e);
    }
    if (const char* e = gic_enable_vtimer()) {
        fail("GIC set-up for the virtual timer's PPI: %s", e);
    }
    const char* list = bench_list(args);
    if (list == nullptr ? true : listed(list, "calls")) {
        bench_calls();
    }
    if (list == nullptr ? true : listed(list, "irq")) {
        bench_irq();
    }
    if (list == nullptr ? vcpus >= 2 : listed(list, "switch")) {
        if (vcpus < 2) {
            bad("switch needs two vCPUs (rm.vcpus=2), the VM has %u", vcpus);
        } else {
            bench_switch(vcpus);
        }
    }
    if (list == nullptr ? true : listed(list, "idle")) {
        bench_idle();
    }
    if (list == nullptr ? true : listed(list, "rpc")) {
        bench_rpc(dt_ipa);
    }
    if (list == nullptr ? true : listed(list, "vmm")) {
        bench_vmm(dt_ipa);
    }
    if (list == nullptr ? true : listed(list, "doorbell")) {
        bench_doorbell(dt_ipa);
    }
}
