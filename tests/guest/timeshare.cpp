// timeshare: every vCPU spins, counting, and never yields, waits or traps; the test only
// completes if the hypervisor time-slices vCPUs that share a physical CPU. The QEMU
// cases boot it with `rm.vcpus=8` on -smp 1, 2 and 4: eight vCPUs, two VMs' worth,
// on fewer physical CPUs.
//
// The boot vCPU starts the others (CPU_ON), waits until each has begun counting, then
// counts too, and every `interval` of the virtual counter it samples all counters. It
// stops when every vCPU has advanced by `threshold` since sampling began and there have
// been `rounds_wanted` intervals in which every vCPU advanced: progress by each vCPU
// while all the others were running too (none ever stops counting before the end). It
// reports each vCPU's count and the time taken.
//
// Every vCPU also keeps its own values in all 32 FP/SIMD registers, FPCR and FPSR, and
// every 1,024 iterations checks them and writes the next generation: a switch that lost
// a vCPU's FP/SIMD state, gave it another's or an older copy of its own (the hypervisor
// switches them lazily, on first use after a switch, and hands them between CPUs) shows
// as a mismatch, reported at the end.
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "runtime.h"

GUEST_NAME("timeshare");

namespace {

using namespace guest;

constexpr u64 threshold = 1000000;     // iterations each vCPU must add (~10 ms of TCG)
constexpr unsigned rounds_wanted = 5;  // sampling intervals in which all advanced
constexpr u64 interval_us = 5000;
constexpr u64 start_timeout_us = 30'000'000;
constexpr u64 run_timeout_us = 40'000'000;
constexpr u64 stop_timeout_us = 10'000'000;

// Each counter is written by its vCPU only; `stop` by the boot vCPU only.
constinit u64 counters[max_vcpus] = {};
constinit u64 started[max_vcpus] = {};
constinit u64 stopped[max_vcpus] = {};
constinit u64 stop = 0;
// FP/SIMD checks, each written by its vCPU only: done, and registers found wrong.
constinit u64 fp_checks[max_vcpus] = {};
constinit u64 fp_wrong[max_vcpus] = {};

// vCPU i's values (guest_fp_fill): its index in the top bits, the generation below;
// FPCR.RMode and FZ, and FPSR's cumulative flags and QC, from its index.
u64 fp_base(unsigned i, u64 generation) { return (u64{i} + 1) << 48 | generation << 8; }
u64 fp_fpcr(unsigned i) { return u64{i & 7} << 22; }
u64 fp_fpsr(unsigned i) { return u64{i % 31} | u64{i & 1} << 27; }

void fp_start(unsigned i)
{
    enable_fp();
    guest_fp_fill(fp_base(i, 0), fp_fpcr(i), fp_fpsr(i));
}

// Checks generation `generation` and writes the next.
void fp_step(unsigned i, u64& generation)
{
    const u64 wrong = guest_fp_wrong(fp_base(i, generation), fp_fpcr(i), fp_fpsr(i));
    if (wrong != 0) {
        store(fp_wrong[i], load(fp_wrong[i]) + wrong);
    }
    ++generation;
    guest_fp_fill(fp_base(i, generation), fp_fpcr(i), fp_fpsr(i));
    store(fp_checks[i], generation);
}

[[gnu::noinline]] void count_until_stopped(unsigned i)
{
    u64 n = 0;
    u64 generation = 0;
    fp_start(i);
    while (load(stop) == 0) {
        for (unsigned k = 0; k < 16; ++k) {
            store(counters[i], ++n);
        }
        if (n % 1024 == 0) {
            fp_step(i, generation);
        }
    }
}

void secondary(u64 context, unsigned, u64)
{
    const auto i = static_cast<unsigned>(context);
    if (i >= max_vcpus) {
        return;
    }
    store(started[i], u64{1});
    dsb();
    count_until_stopped(i);
    dsb();
    store(stopped[i], u64{1});
    dsb();
}

}  // namespace

void guest::run(u64)
{
    const unsigned self = this_vcpu();
    const unsigned count = count_vcpus();
    say("%u vCPUs, counter at %lu Hz", count, counter_frequency());
    set_secondary_handler(secondary);

    const u64 t0 = counter();
    for (unsigned i = 0; i < count; ++i) {
        if (i == self) {
            continue;
        }
        const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(i), secondary_entry(0), i);
        if (r != PSCI_RET_SUCCESS) {
            fail("CPU_ON(vCPU %u) -> %ld %s", i, r, psci_result_name(r));
        }
    }
    // All must be counting before sampling starts.
    for (unsigned i = 0; i < count; ++i) {
        while (i != self && load(started[i]) == 0) {
            if (counter() - t0 > ticks_from_us(start_timeout_us)) {
                fail("vCPU %u did not start counting within %lu s of its CPU_ON", i, start_timeout_us / 1000000);
            }
        }
    }
    dsb();
    say("all %u vCPUs counting after %lu us", count, us_from_ticks(counter() - t0));

    u64 base[max_vcpus];
    u64 last[max_vcpus];
    for (unsigned i = 0; i < count; ++i) {
        base[i] = last[i] = load(counters[i]);
    }
    const u64 t1 = counter();
    const u64 interval = ticks_from_us(interval_us);
    u64 next_sample = t1 + interval;
    unsigned samples = 0;
    unsigned rounds = 0;
    u64 own = base[self];
    u64 generation = 0;
    fp_start(self);
    for (;;) {
        for (unsigned k = 0; k < 1024; ++k) {
            store(counters[self], ++own);
        }
        fp_step(self, generation);
        const u64 now = counter();
        if (now < next_sample) {
            continue;
        }
        next_sample = now + interval;
        ++samples;
        bool all_advanced = true;
        bool all_past = true;
        for (unsigned i = 0; i < count; ++i) {
            const u64 c = load(counters[i]);
            all_advanced = all_advanced && c > last[i];
            all_past = all_past && c - base[i] >= threshold;
            last[i] = c;
        }
        rounds += all_advanced ? 1 : 0;
        if (all_past && rounds >= rounds_wanted) {
            break;
        }
        if (now - t1 > ticks_from_us(run_timeout_us)) {
            say("after %lu s: %u of %u samples saw every vCPU advance", run_timeout_us / 1000000, rounds, samples);
            for (unsigned i = 0; i < count; ++i) {
                say("  vCPU %u: %lu iterations", i, last[i] - base[i]);
            }
            fail("not every vCPU made progress while the others ran (%u of %u samples with all advancing, "
                 "want %u with %lu iterations each)",
                 rounds, samples, rounds_wanted, threshold);
        }
    }
    const u64 t2 = counter();
    store(stop, u64{1});
    dsb();

    u64 total = 0;
    u64 least = ~u64{0};
    u64 most = 0;
    for (unsigned i = 0; i < count; ++i) {
        const u64 n = last[i] - base[i];
        total += n;
        least = n < least ? n : least;
        most = n > most ? n : most;
    }
    for (unsigned i = 0; i < count; ++i) {
        const u64 n = last[i] - base[i];
        say("vCPU %u: %lu iterations (%lu.%lu%%)", i, n, total == 0 ? 0 : n * 100 / total,
            total == 0 ? 0 : n * 1000 / total % 10);
    }
    say("%u of %u samples (every %lu us) saw every vCPU advance; %lu us of CNTVCT for at least %lu iterations each "
        "(least %lu, most %lu)",
        rounds, samples, interval_us, us_from_ticks(t2 - t1), threshold, least, most);
    say("%u vCPUs each made progress while all the others ran", count);

    for (unsigned i = 0; i < count; ++i) {
        while (i != self && load(stopped[i]) == 0) {
            if (counter() - t2 > ticks_from_us(stop_timeout_us)) {
                fail("vCPU %u did not see the stop flag within %lu s", i, stop_timeout_us / 1000000);
            }
        }
    }
    say("all stopped");

    u64 fewest = ~u64{0};
    for (unsigned i = 0; i < count; ++i) {
        const u64 checks = load(fp_checks[i]);
        fewest = checks < fewest ? checks : fewest;
        if (load(fp_wrong[i]) != 0) {
            fail("vCPU %u: %lu FP/SIMD registers found wrong in %lu checks (lost, another vCPU's, or stale)", i,
                 load(fp_wrong[i]), checks);
        }
    }
    if (fewest == 0) {
        fail("a vCPU never checked its FP/SIMD registers");
    }
    say("FP/SIMD registers (V0-V31, FPCR, FPSR) intact in every check, at least %lu per vCPU", fewest);
}
