// cpu-on: PSCI power control of the VM's vCPUs.
//   1. finds the vCPUs with AFFINITY_INFO (index 0, 1, ... until INVALID_PARAMETERS):
//      the boot vCPU is vCPU 0 and ON, every other one OFF;
//   2. CPU_ONs each at one entry point with a context id; each checks on arrival what it
//      got (x0 = the context, MPIDR = the one asked for, EL1, MMU off, DAIF masked),
//      reports, and CPU_OFFs; AFFINITY_INFO says OFF again afterwards;
//   3. CPU_ON errors: ALREADY_ON (itself), INVALID_PARAMETERS (MPIDRs no vCPU has),
//      INVALID_ADDRESS (entry points outside the VM's RAM), each changing nothing;
//   4. turns them all on again, at the other entry point: while they wait, CPU_ON says
//      ALREADY_ON and AFFINITY_INFO ON; each sets up the GIC for its virtual timer's PPI
//      (the boot vCPU enabled Group 1 at the distributor), sleeps once in WFI and once in
//      CPU_SUSPEND with its virtual timer armed, must be woken by the timer's interrupt
//      (INTID 27, acknowledged with ICC_IAR1_EL1 and ended), and CPU_OFFs again.
// Prints `guest cpu-on: N vCPUs`.
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "runtime.h"

GUEST_NAME("cpu-on");

namespace {

using namespace guest;

// What a secondary saw when it arrived; `marker` is written last.
struct Arrival {
    u64 marker;
    u64 mpidr;
    u64 context;
    u64 entry_id;
    u64 daif;
    u64 el;
    u64 sctlr;
    // Round 2: sleeping with the virtual timer armed.
    u64 sleep_done;
    u64 sleep_stage;  // where it is: for the report when it does not come back
    u64 gic_error;  // gic_enable_vtimer()'s answer: 0, or the address of what went wrong
    u64 wfi_fired;  // CNTV_CTL_EL0.ISTATUS on waking
    u64 wfi_us;
    u64 wfi_count;
    u64 wfi_intid;  // acknowledged on waking
    u64 suspend_result;
    u64 suspend_us;
    u64 suspend_count;
    u64 suspend_intid;
};

constinit Arrival arrivals[max_vcpus] = {};
constinit u64 release[max_vcpus] = {};
constinit bool test_sleep = false;

constexpr u64 context_magic = 0x5eed000000000000ull;
constexpr u64 daif_all_masked = 0x3c0;  // D, A, I, F: bits 9..6
constexpr u64 sctlr_m = 1;
constexpr u64 sleep_us = 2000;
enum SleepStage : unsigned { stage_none, stage_gic, stage_wfi, stage_wfi_end, stage_suspend, stage_suspend_end };
const char* stage_name(u64 stage)
{
    switch (stage) {
    case stage_gic: return "setting up the GIC";
    case stage_wfi: return "in WFI";
    case stage_wfi_end: return "ending the interrupt that woke it from WFI (timer off, EOI)";
    case stage_suspend: return "in CPU_SUSPEND";
    case stage_suspend_end: return "ending the interrupt that woke it from CPU_SUSPEND (timer off, EOI)";
    default: return "not started";
    }
}

constexpr u64 context_for(unsigned round, unsigned index) { return context_magic | u64{round} << 16 | index; }
constexpr unsigned index_of_context(u64 context) { return static_cast<unsigned>(context & 0xffff); }
constexpr unsigned round_of_context(u64 context) { return static_cast<unsigned>((context >> 16) & 0xff); }

// On each secondary vCPU.
void secondary(u64 context, unsigned entry_id, u64 daif_on_entry)
{
    if ((context & ~u64{0xffffff}) != context_magic || index_of_context(context) >= max_vcpus) {
        // Not a context this guest gave: nowhere to report it; the boot vCPU will see
        // this vCPU never arrive.
        for (;;) {
            asm volatile("wfi");
        }
    }
    Arrival& a = arrivals[index_of_context(context)];
    store(a.mpidr, mpidr());
    store(a.context, context);
    store(a.entry_id, u64{entry_id});
    store(a.daif, daif_on_entry);
    store(a.el, current_el());
    store(a.sctlr, sctlr_el1());
    dsb();
    store(a.marker, context);
    dsb();
    if (round_of_context(context) == 2) {
        store(a.sleep_stage, u64{stage_gic});
        dsb();
        const char* gic = load(test_sleep) ? gic_enable_vtimer() : "not tested";
        store(a.gic_error, static_cast<u64>(reinterpret_cast<std::uintptr_t>(gic)));
        if (gic == nullptr) {
            // WFI until an interrupt is pending (PSTATE.I stays masked), which must be the
            // timer's: each sleep must end, woken by it.
            store(a.sleep_stage, u64{stage_wfi});
            dsb();
            u64 start = counter();
            arm_vtimer(ticks_from_us(sleep_us));
            u64 wfis = 0;
            u32 intid = gic_spurious_intid;
            while (intid == gic_spurious_intid) {
                asm volatile("wfi" ::: "memory");
                ++wfis;
                intid = gic_acknowledge();
            }
            store(a.wfi_us, us_from_ticks(counter() - start));
            store(a.wfi_fired, u64{vtimer_fired()});
            store(a.wfi_count, wfis);
            store(a.wfi_intid, u64{intid});
            store(a.sleep_stage, u64{stage_wfi_end});
            dsb();
            vtimer_done(intid);
            // CPU_SUSPEND, standby, power level 0 (original power_state format): returns
            // SUCCESS once something wakes the vCPU; here, its timer's interrupt again. A
            // standby may end early (PSCI): then the vCPU suspends again.
            store(a.sleep_stage, u64{stage_suspend});
            dsb();
            start = counter();
            arm_vtimer(ticks_from_us(sleep_us));
            u64 suspends = 0;
            i64 r = PSCI_RET_SUCCESS;
            intid = gic_spurious_intid;
            while (r == PSCI_RET_SUCCESS && intid == gic_spurious_intid) {
                r = psci_cpu_suspend(0);
                ++suspends;
                intid = gic_acknowledge();
            }
            store(a.suspend_us, us_from_ticks(counter() - start));
            store(a.suspend_result, static_cast<u64>(r));
            store(a.suspend_count, suspends);
            store(a.suspend_intid, u64{intid});
            store(a.sleep_stage, u64{stage_suspend_end});
            dsb();
            vtimer_done(intid);
        }
        dsb();
        store(a.sleep_done, u64{1});
        dsb();
        while (load(release[index_of_context(context)]) == 0) {
        }
    }
}

constexpr u64 arrival_timeout_us = 10'000'000;
constexpr u64 off_timeout_us = 5'000'000;

void wait_off(unsigned i)
{
    const u64 mpidr_i = hyp_abi::vcpu_mpidr(i);
    i64 r = PSCI_AFFINITY_ON;
    bool off = wait_for([&] { return (r = psci_affinity_info(mpidr_i)) == PSCI_AFFINITY_OFF; }, off_timeout_us);
    check(off, "vCPU %u: AFFINITY_INFO says OFF after its CPU_OFF (last answer %ld)", i, r);
}

// Round `round`: CPU_ON every vCPU but this one at entry `entry_id`, and check arrivals.
void start_all(unsigned round, unsigned count, unsigned self)
{
    const unsigned entry_id = round == 1 ? 0 : 1;
    const u64 entry = secondary_entry(entry_id);
    for (unsigned i = 0; i < count; ++i) {
        if (i == self) {
            continue;
        }
        store(arrivals[i].marker, u64{0});
        store(arrivals[i].sleep_done, u64{0});
        store(arrivals[i].sleep_stage, u64{stage_none});
        store(release[i], u64{0});
        dsb();
        const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(i), entry, context_for(round, i));
        check(r == PSCI_RET_SUCCESS, "round %u: CPU_ON(MPIDR %#lx, entry %#lx, context %#lx) -> %ld %s", round,
              hyp_abi::vcpu_mpidr(i), entry, context_for(round, i), r, psci_result_name(r));
    }
    for (unsigned i = 0; i < count; ++i) {
        if (i == self) {
            continue;
        }
        const Arrival& a = arrivals[i];
        const u64 want = context_for(round, i);
        if (!wait_for([&] { return load(a.marker) == want; }, arrival_timeout_us)) {
            bad("round %u: vCPU %u did not arrive within %lu s", round, i, arrival_timeout_us / 1000000);
            continue;
        }
        dsb();
        const bool ok = load(a.context) == want && load(a.mpidr) == hyp_abi::vcpu_mpidr(i) &&
                        load(a.entry_id) == entry_id && load(a.el) == 1 && (load(a.sctlr) & sctlr_m) == 0 &&
                        (load(a.daif) & daif_all_masked) == daif_all_masked;
        check(ok, "round %u: vCPU %u arrived at entry %lu (want %u), x0 %#lx, MPIDR %#lx, EL%lu, SCTLR_EL1.M %lu, DAIF %#lx",
              round, i, load(a.entry_id), entry_id, load(a.context), load(a.mpidr), load(a.el), load(a.sctlr) & sctlr_m,
              load(a.daif));
    }
}

void expect_psci(i64 got, i64 want, const char* what)
{
    check(got == want, "%s -> %ld %s (want %s)", what, got, psci_result_name(got), psci_result_name(want));
}

}  // namespace

void guest::run(u64)
{
    const unsigned self = this_vcpu();
    const bool gunyah = on_gunyah();
    say("boot vCPU %u, MPIDR %#lx, %s", self, mpidr(), gunyah ? "on Gunyah" : "no Gunyah hypervisor (bare QEMU?)");
    check(self == 0 && mpidr() == hyp_abi::vcpu_mpidr(0), "the VM starts on vCPU 0 (MPIDR 0)");
    set_secondary_handler(secondary);

    // 1. Who is there.
    const unsigned count = count_vcpus();
    say("%u vCPUs", count);
    for (unsigned i = 0; i < count; ++i) {
        const i64 r = psci_affinity_info(hyp_abi::vcpu_mpidr(i));
        const i64 want = i == self ? PSCI_AFFINITY_ON : PSCI_AFFINITY_OFF;
        check(r == want, "AFFINITY_INFO(vCPU %u, MPIDR %#lx) -> %ld (want %s)", i, hyp_abi::vcpu_mpidr(i), r,
              want == PSCI_AFFINITY_ON ? "ON 0" : "OFF 1");
    }
    expect_psci(psci_affinity_info(0x10), PSCI_RET_INVALID_PARAMETERS, "AFFINITY_INFO(MPIDR 0x10, Aff0 16)");

    // 2. Everyone on once, then off.
    if (count > 1) {
        start_all(1, count, self);
        for (unsigned i = 0; i < count; ++i) {
            if (i != self) {
                wait_off(i);
            }
        }
    }

    // 3. What CPU_ON must refuse.
    const u64 entry = secondary_entry(0);
    expect_psci(psci_cpu_on(mpidr(), entry, 0), PSCI_RET_ALREADY_ON, "CPU_ON(itself)");
    if (count < max_vcpus) {
        const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(count), entry, 0);
        check(r == PSCI_RET_INVALID_PARAMETERS, "CPU_ON(MPIDR %#lx, one past the last vCPU) -> %ld %s (want %s)",
              hyp_abi::vcpu_mpidr(count), r, psci_result_name(r), psci_result_name(PSCI_RET_INVALID_PARAMETERS));
    }
    expect_psci(psci_cpu_on(0x10, entry, 0), PSCI_RET_INVALID_PARAMETERS, "CPU_ON(MPIDR 0x10, Aff0 16)");
    expect_psci(psci_cpu_on(0xff00000000ull, entry, 0), PSCI_RET_INVALID_PARAMETERS, "CPU_ON(MPIDR 0xff00000000, Aff3 255)");
    if (count > 1 && gunyah) {
        // Not RAM: a hole in the VM's address space, and the (emulated) UART.
        expect_psci(psci_cpu_on(hyp_abi::vcpu_mpidr(1), 0x0c000000, 0), PSCI_RET_INVALID_ADDRESS,
                    "CPU_ON(vCPU 1, entry 0x0c000000, where the VM has nothing)");
        expect_psci(psci_cpu_on(hyp_abi::vcpu_mpidr(1), 0x09000000, 0), PSCI_RET_INVALID_ADDRESS,
                    "CPU_ON(vCPU 1, entry 0x09000000, the UART)");
        const i64 r = psci_affinity_info(hyp_abi::vcpu_mpidr(1));
        check(r == PSCI_AFFINITY_OFF, "vCPU 1 still OFF after the refused CPU_ONs (AFFINITY_INFO -> %ld)", r);
    } else if (count > 1) {
        say("skipped: CPU_ON with an entry point outside RAM (bare QEMU's PSCI would start the CPU there)");
    } else {
        say("skipped: CPU_ON with an entry point outside RAM (no other vCPU to aim it at)");
    }

    // 4. Everyone on again: a vCPU comes back after CPU_OFF.
    if (count > 1) {
        // The timer's interrupt wakes a sleeping vCPU only through the GIC: Group 1 on at
        // the distributor, here; each vCPU sets up its own redistributor and CPU interface.
        const char* gicd = gic_enable_distributor();
        check(gicd == nullptr, "GIC distributor at %#lx: Group 1 enabled%s%s", gicd_base, gicd == nullptr ? "" : ": ",
              gicd == nullptr ? "" : gicd);
        store(test_sleep, gicd == nullptr);
        dsb();
        start_all(2, count, self);
        for (unsigned i = 0; i < count; ++i) {
            if (i == self || load(arrivals[i].marker) != context_for(2, i)) {
                continue;
            }
            const i64 info = psci_affinity_info(hyp_abi::vcpu_mpidr(i));
            check(info == PSCI_AFFINITY_ON, "AFFINITY_INFO(vCPU %u, which is on) -> %ld (want ON 0)", i, info);
            const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(i), secondary_entry(0), 0);
            check(r == PSCI_RET_ALREADY_ON, "CPU_ON(vCPU %u, which is on) -> %ld %s (want ALREADY_ON)", i, r,
                  psci_result_name(r));
        }
        for (unsigned i = 0; i < count; ++i) {
            if (i == self || load(arrivals[i].marker) != context_for(2, i)) {
                continue;
            }
            const Arrival& a = arrivals[i];
            if (!wait_for([&] { return load(a.sleep_done) != 0; }, arrival_timeout_us)) {
                const u64 stage = load(a.sleep_stage);
                if (stage >= stage_wfi_end) {
                    bad("vCPU %u did not come back from WFI / CPU_SUSPEND with its timer armed (%lu us) within %lu s: "
                        "stuck %s (WFI woke with INTID %lu acknowledged)",
                        i, sleep_us, arrival_timeout_us / 1000000, stage_name(stage), load(a.wfi_intid));
                } else {
                    bad("vCPU %u did not come back from WFI / CPU_SUSPEND with its timer armed (%lu us) within %lu s: "
                        "stuck %s",
                        i, sleep_us, arrival_timeout_us / 1000000, stage_name(stage));
                }
                continue;
            }
            dsb();
            if (!load(test_sleep)) {
                continue;
            }
            const char* gic = reinterpret_cast<const char*>(static_cast<std::uintptr_t>(load(a.gic_error)));
            if (!check(gic == nullptr, "vCPU %u: GIC set up for its virtual timer (redistributor at %#lx)%s%s", i,
                       gic_redistributor(i), gic == nullptr ? "" : ": ", gic == nullptr ? "" : gic)) {
                continue;
            }
            check(load(a.wfi_intid) == vtimer_intid && load(a.wfi_fired) != 0 && load(a.wfi_us) >= sleep_us,
                  "vCPU %u: WFI until its timer fired: %lu us (timer at %lu us), WFIs %lu, acknowledged INTID %lu "
                  "(want %u), ISTATUS %lu",
                  i, load(a.wfi_us), sleep_us, load(a.wfi_count), load(a.wfi_intid), vtimer_intid, load(a.wfi_fired));
            const i64 r = static_cast<i64>(load(a.suspend_result));
            check(r == PSCI_RET_SUCCESS && load(a.suspend_intid) == vtimer_intid && load(a.suspend_us) >= sleep_us,
                  "vCPU %u: CPU_SUSPEND(standby) with its timer armed -> %ld %s after %lu us, calls %lu, acknowledged "
                  "INTID %lu (want %u)",
                  i, r, psci_result_name(r), load(a.suspend_us), load(a.suspend_count), load(a.suspend_intid),
                  vtimer_intid);
        }
        if (!load(test_sleep)) {
            say("skipped: WFI and CPU_SUSPEND woken by the virtual timer (the GIC's distributor could not be set up)");
        }
        for (unsigned i = 0; i < count; ++i) {
            store(release[i], u64{1});
        }
        dsb();
        for (unsigned i = 0; i < count; ++i) {
            if (i != self) {
                wait_off(i);
            }
        }
    }
}
