// sgi-storm: thousands of SGIs between the VM's vCPUs through the virtual GICv3.
//   1. every vCPU (the boot vCPU CPU_ONs the others; at most `max_storm` take part) sets
//      up its GIC: SRE, its redistributor awake, SGIs 0..15 and INTID 27 Group 1 and
//      enabled, PMR 0xff, Group 1 on (the boot vCPU enabled Group 1 at the distributor);
//   2. each sends its share of 2,000 SGIs through ICC_SGI1R_EL1 (TargetList bit Aff0 = i % 16,
//      Aff1 = i / 16), round-robin over the others and now and then itself; the INTID
//      names the sender (vCPU s sends INTID s), so each SGI is counted per sender. After
//      each send it waits until the target has counted it (with a timeout) before the next,
//      so two of its SGIs are never pending at once and can never merge: the counts must
//      match exactly;
//   3. the receiver acknowledges (ICC_IAR1_EL1), counts, ends (ICC_EOIR1_EL1) and answers
//      with SGI 15 to the sender, which sleeps in WFI until something arrives (its virtual
//      timer, armed at 1 ms, wakes it anyway). PSTATE.I stays masked: a pending interrupt
//      ends WFI and is acknowledged by polling, as everywhere in these guests.
//   4. everyone serves incoming SGIs until all are done; the boot vCPU checks that each
//      vCPU received from each sender exactly what that sender sent it, and prints the
//      totals and the time.
// Works with one vCPU (it sends to itself) and with more vCPUs than physical CPUs.
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "runtime.h"

GUEST_NAME("sgi-storm");

namespace {

using namespace guest;

constexpr unsigned max_storm = 15;     // INTIDs 0..14 name the sender; 15 is the answer
constexpr u32 answer_intid = 15;
constexpr u64 total_sends = 2000;  // shared out among the vCPUs in the storm
constinit u64 sends_per_vcpu = total_sends;
constexpr unsigned self_every = 8;     // every 8th send goes to the sender itself
constexpr u64 delivery_timeout_us = 2'000'000;
constexpr u64 timeout_us = 50'000'000;
constexpr u64 nap_us = 1000;

// GICR SGI_base registers.
constexpr u64 gicr_igroupr0 = 0x0080;
constexpr u64 gicr_isenabler0 = 0x0100;
constexpr u64 gicr_ipriorityr0 = 0x0400;

struct State {
    u64 received[max_storm];  // [sender]: SGIs counted from it
    u64 sent[max_storm];      // [target]: SGIs sent to it
    u64 answers, timer_wakes, others;
    u64 timeouts;             // sends whose delivery was not seen in time
    u64 first_timeout_target;
    u64 gic_error;
    u64 arrived, sending_done, done;
    u64 send_us;
};

constinit State states[max_storm] = {};
constinit unsigned storm_count = 0;
constinit u64 all_done = 0;

volatile u32& reg32(u64 address) { return *reinterpret_cast<volatile u32*>(address); }

void send_sgi(unsigned target, u32 intid)
{
    const u64 aff0 = target % hyp_abi::vcpus_per_aff1;
    const u64 aff1 = target / hyp_abi::vcpus_per_aff1;
    const u64 v = u64{intid} << 24 | aff1 << 16 | u64{1} << aff0;
    asm volatile("msr S3_0_C12_C11_5, %0\n\tisb" ::"r"(v) : "memory");  // ICC_SGI1R_EL1
}

const char* gic_setup(unsigned self)
{
    if (const char* e = gic_enable_vtimer(); e != nullptr) {
        return e;
    }
    const u64 sgi = gic_redistributor(self) + gicr_sgi_offset;
    reg32(sgi + gicr_igroupr0) = reg32(sgi + gicr_igroupr0) | 0xffff;
    for (unsigned i = 0; i < 4; ++i) {
        reg32(sgi + gicr_ipriorityr0 + 4 * i) = 0xa0a0a0a0;
    }
    dsb();
    reg32(sgi + gicr_isenabler0) = 0xffff;
    dsb();
    if ((reg32(sgi + gicr_igroupr0) & 0xffff) != 0xffff || (reg32(sgi + gicr_isenabler0) & 0xffff) != 0xffff) {
        return "SGIs 0..15 are not Group 1 and enabled after GICR_IGROUPR0 and GICR_ISENABLER0 said so";
    }
    return nullptr;
}

// Acknowledges, counts and ends everything pending; how many there were.
unsigned drain(unsigned self)
{
    State& me = states[self];
    unsigned n = 0;
    for (;;) {
        const u32 intid = gic_acknowledge();
        if (intid == gic_spurious_intid) {
            return n;
        }
        ++n;
        if (intid < max_storm) {
            store(me.received[intid], load(me.received[intid]) + 1);
            dsb();
            gic_end_of_interrupt(intid);
            if (intid < load(storm_count)) {
                send_sgi(intid, answer_intid);
            }
        } else if (intid == answer_intid) {
            store(me.answers, load(me.answers) + 1);
            gic_end_of_interrupt(intid);
        } else if (intid == vtimer_intid) {
            store(me.timer_wakes, load(me.timer_wakes) + 1);
            vtimer_done(intid);
        } else {
            store(me.others, load(me.others) + 1);
            if (intid < gic_special_intids) {
                gic_end_of_interrupt(intid);
            }
        }
    }
}

// Serves incoming SGIs until done() or the timeout; sleeps in WFI when there is nothing
// to do, with the virtual timer as a backstop.
template <typename Fn>
bool serve_until(unsigned self, Fn done, u64 timeout)
{
    const u64 start = counter();
    for (;;) {
        drain(self);
        if (done()) {
            return true;
        }
        if (counter() - start > ticks_from_us(timeout)) {
            return done();
        }
        if (!interrupt_pending()) {
            arm_vtimer(ticks_from_us(nap_us));
            if (!done() && !interrupt_pending()) {
                asm volatile("wfi" ::: "memory");
            }
        }
    }
}

void storm(unsigned self)
{
    State& me = states[self];
    const unsigned n = load(storm_count);
    const u64 start = counter();
    unsigned next_other = self;
    const u64 sends = load(sends_per_vcpu);
    for (u64 k = 0; k < sends; ++k) {
        unsigned target = self;
        if (n > 1 && k % self_every != self_every - 1) {
            next_other = (next_other + 1) % n;
            if (next_other == self) {
                next_other = (next_other + 1) % n;
            }
            target = next_other;
        }
        const u64 want = load(states[target].received[self]) + 1;
        store(me.sent[target], load(me.sent[target]) + 1);
        dsb();
        send_sgi(target, self);
        if (!serve_until(self, [&] { return load(states[target].received[self]) >= want; }, delivery_timeout_us)) {
            if (load(me.timeouts) == 0) {
                store(me.first_timeout_target, u64{target});
            }
            store(me.timeouts, load(me.timeouts) + 1);
        }
    }
    store(me.send_us, us_from_ticks(counter() - start));
    dsb();
    store(me.sending_done, u64{1});
    dsb();
}

void run_vcpu(unsigned self)
{
    State& me = states[self];
    const char* gic = gic_setup(self);
    store(me.gic_error, static_cast<u64>(reinterpret_cast<std::uintptr_t>(gic)));
    dsb();
    store(me.arrived, u64{1});
    dsb();
    if (gic != nullptr) {
        store(me.sending_done, u64{1});
        store(me.done, u64{1});
        return;
    }
    // Everyone set up before anyone sends (an SGI to a vCPU whose SGIs are still off would
    // only wait, but a vCPU not yet on would lose nothing either: this just keeps it plain).
    const unsigned n = load(storm_count);
    serve_until(
        self,
        [&] {
            for (unsigned i = 0; i < n; ++i) {
                if (load(states[i].arrived) == 0) {
                    return false;
                }
            }
            return true;
        },
        timeout_us);
    storm(self);
    serve_until(self, [] { return load(all_done) != 0; }, timeout_us);
    disarm_vtimer();
    dsb();
    store(me.done, u64{1});
    dsb();
}

void secondary(u64 context, unsigned, u64)
{
    const unsigned self = static_cast<unsigned>(context);
    if (self != this_vcpu() || self >= load(storm_count)) {
        return;
    }
    run_vcpu(self);
}

}  // namespace

void guest::run(u64)
{
    const unsigned self = this_vcpu();
    const unsigned count = count_vcpus();
    const unsigned n = count < max_storm ? count : max_storm;
    say("%u vCPUs, %u in the storm, %lu SGIs from each", count, n, total_sends / n);
    if (!check(self == 0, "the VM starts on vCPU 0")) {
        return;
    }
    store(storm_count, n);
    store(sends_per_vcpu, total_sends / n);
    dsb();
    const char* gicd = gic_enable_distributor();
    if (!check(gicd == nullptr, "distributor: Group 1 enabled%s%s", gicd == nullptr ? "" : ": ",
               gicd == nullptr ? "" : gicd)) {
        return;
    }
    set_secondary_handler(secondary);
    const u64 start = counter();
    for (unsigned i = 1; i < n; ++i) {
        const i64 r = psci_cpu_on(hyp_abi::vcpu_mpidr(i), secondary_entry(0), i);
        if (!check(r == PSCI_RET_SUCCESS, "CPU_ON(vCPU %u) -> %ld %s", i, r, psci_result_name(r))) {
            store(states[i].arrived, u64{1});  // so that nobody waits for it
            store(states[i].sending_done, u64{1});
            store(states[i].done, u64{1});
        }
    }

    // The boot vCPU storms too, then serves until everyone has sent.
    State& me = states[self];
    const char* gic = gic_setup(self);
    store(me.gic_error, static_cast<u64>(reinterpret_cast<std::uintptr_t>(gic)));
    store(me.arrived, u64{1});
    dsb();
    if (!check(gic == nullptr, "vCPU 0: GIC set up for SGIs%s%s", gic == nullptr ? "" : ": ", gic == nullptr ? "" : gic)) {
        return;
    }
    serve_until(
        self,
        [&] {
            for (unsigned i = 0; i < n; ++i) {
                if (load(states[i].arrived) == 0) {
                    return false;
                }
            }
            return true;
        },
        timeout_us);
    storm(self);
    const bool sent = serve_until(
        self,
        [&] {
            for (unsigned i = 0; i < n; ++i) {
                if (load(states[i].sending_done) == 0) {
                    return false;
                }
            }
            return true;
        },
        timeout_us);
    // Whatever is still in flight (answers): served by each until told to stop.
    serve_until(self, [] { return false; }, 10'000);
    store(all_done, u64{1});
    dsb();
    disarm_vtimer();
    for (unsigned i = 1; i < n; ++i) {
        if (!wait_for([&] { return load(states[i].done) != 0; }, timeout_us)) {
            bad("vCPU %u did not finish within %lu s", i, timeout_us / 1000000);
        }
    }
    const u64 elapsed_us = us_from_ticks(counter() - start);
    check(sent, "every vCPU sent its %lu SGIs", sends_per_vcpu);
    dsb();

    u64 total_sent = 0, total_received = 0;
    for (unsigned t = 0; t < n; ++t) {
        const State& st = states[t];
        const char* e = reinterpret_cast<const char*>(static_cast<std::uintptr_t>(load(st.gic_error)));
        if (e != nullptr) {
            bad("vCPU %u: GIC set-up: %s", t, e);
            continue;
        }
        u64 got = 0, want = 0;
        for (unsigned s = 0; s < n; ++s) {
            const u64 r = load(st.received[s]);
            const u64 w = load(states[s].sent[t]);
            got += r;
            want += w;
            if (r != w) {
                bad("vCPU %u received %lu SGIs (INTID %u) from vCPU %u, which sent it %lu", t, r, s, s, w);
            }
        }
        total_sent += want;
        total_received += got;
        say("vCPU %u: received %lu SGIs (sent it %lu), sent %lu in %lu us, %lu answers, %lu timer wake-ups, %lu "
            "other INTIDs, %lu deliveries not seen in time",
            t, got, want, sends_per_vcpu, load(st.send_us), load(st.answers), load(st.timer_wakes), load(st.others),
            load(st.timeouts));
        check(load(st.timeouts) == 0, "vCPU %u: every SGI it sent was counted by its target within %lu ms", t,
              delivery_timeout_us / 1000);
        check(load(st.others) == 0, "vCPU %u: no INTID but the SGIs and its timer's", t);
    }
    check(total_sent == n * sends_per_vcpu && total_received == total_sent,
          "%lu SGIs sent, %lu received, in %lu ms", total_sent, total_received, elapsed_us / 1000);
}
