// Interrupts at EL2: the EL2 physical timer (CNTHP) raising its PPI, and SGIs between
// CPUs, each taken through the EL2 IRQ vector, acknowledged, dispatched by INTID and
// EOId (kernel/core/irq.cpp). tests/qemu/cases.py matches what they print.
#include <cstdint>

#include <arch/cpu.h>
#include <arch/el2_timer.h>
#include <arch/gic_cpu.h>
#include <arch/sysreg.h>
#include <arch/timer.h>

#include "kernel/core/irq.h"
#include "kernel/core/log.h"
#include "kernel/core/percpu.h"
#include "kernel/boot/selftest.h"

namespace {

using namespace hyp;

constexpr std::uint32_t timer_periods = 10;
constexpr std::uint64_t wait_timeout_ms = 5000;  // generous: TCG may not run a vCPU for a while

std::uint64_t deadline_after_ms(std::uint64_t ms) { return arch::counter() + arch::counter_frequency() * ms / 1000; }

// ---- el2-timer -------------------------------------------------------------------------
struct TimerState {
    std::uint64_t period = 0;
    std::uint64_t armed_at = 0;
    std::uint64_t first_fire = 0;  // counter in the first interrupt
    std::uint32_t fired = 0;
    std::uint32_t early = 0;  // interrupts taken before their deadline
};
constinit TimerState timer;

void on_timer(std::uint32_t)
{
    std::uint64_t now = arch::counter();
    std::uint64_t due = arch::el2_timer::deadline();
    if (now < due || (arch::el2_timer::control() & arch::el2_timer::cnthp_ctl::istatus) == 0) {
        ++timer.early;
    }
    if (timer.fired == 0) {
        timer.first_fire = now;
    }
    std::uint32_t fired = timer.fired + 1;
    if (fired < timer_periods) {
        arch::el2_timer::arm(due + timer.period);  // periodic: the next deadline, not now + period
    } else {
        arch::el2_timer::stop();
    }
    __atomic_store_n(&timer.fired, fired, __ATOMIC_RELEASE);
}

HYP_SELFTEST(el2_timer, "el2-timer")
{
    std::uint32_t intid = irq_timer_intid();
    if (!irq_register(intid, &on_timer)) {
        log::error("el2-timer: FAIL: cannot register a handler for INTID {}", intid);
        return;
    }
    timer.period = arch::counter_frequency() / 1000;  // 1 ms
    timer.armed_at = arch::counter();
    std::uint64_t first_deadline = timer.armed_at + timer.period;
    arch::el2_timer::arm(first_deadline);

    std::uint64_t give_up = deadline_after_ms(wait_timeout_ms);
    arch::irq_enable();
    while (__atomic_load_n(&timer.fired, __ATOMIC_ACQUIRE) < timer_periods && arch::counter() < give_up) {
        arch::wfi();
    }
    arch::irq_disable();
    arch::el2_timer::stop();

    std::uint32_t fired = __atomic_load_n(&timer.fired, __ATOMIC_ACQUIRE);
    if (fired < timer_periods) {
        log::error("el2-timer: FAIL: {} of {} interrupts within {} ms (CNTHP_CTL_EL2 {:#x})", fired, timer_periods,
                   wait_timeout_ms, arch::el2_timer::control());
        return;
    }
    if (timer.early != 0 || timer.first_fire < first_deadline) {
        log::error("el2-timer: FAIL: {} interrupts before their deadline", timer.early);
        return;
    }
    log::info("el2-timer: PASS: {} interrupts, first after {} ticks (deadline {} ticks, counter {} Hz)", fired,
              timer.first_fire - timer.armed_at, timer.period, arch::counter_frequency());
}

// ---- sgi -------------------------------------------------------------------------------
constinit std::uint64_t sgi_count[max_cpus] = {};

void on_sgi(std::uint32_t)
{
    __atomic_fetch_add(&sgi_count[arch::current_cpu_index()], 1, __ATOMIC_RELEASE);
}

bool online(std::uint32_t index) { return __atomic_load_n(&per_cpu(index).online, __ATOMIC_ACQUIRE) != 0; }

HYP_SELFTEST(sgi, "sgi")
{
    if (!irq_register(sgi_kick, &on_sgi)) {
        log::error("sgi: FAIL: cannot register a handler for SGI {}", sgi_kick);
        return;
    }
    std::uint64_t before[max_cpus];
    std::uint32_t online_count = 0;
    for (std::uint32_t i = 0; i < max_cpus; ++i) {
        before[i] = __atomic_load_n(&sgi_count[i], __ATOMIC_ACQUIRE);
        online_count += online(i) ? 1 : 0;
    }

    // The others through the "all but self" form (IRM), this CPU through a target list.
    arch::gic_cpu::send_sgi_to_others(sgi_kick);
    arch::gic_cpu::send_sgi(sgi_kick, per_cpu(arch::current_cpu_index()).mpidr);

    std::uint64_t give_up = deadline_after_ms(wait_timeout_ms);
    std::uint32_t answered = 0;
    arch::irq_enable();
    for (;;) {
        answered = 0;
        for (std::uint32_t i = 0; i < max_cpus; ++i) {
            if (online(i) && __atomic_load_n(&sgi_count[i], __ATOMIC_ACQUIRE) != before[i]) {
                ++answered;
            }
        }
        if (answered == online_count || arch::counter() >= give_up) {
            break;
        }
    }
    arch::irq_disable();

    if (answered != online_count) {
        for (std::uint32_t i = 0; i < max_cpus; ++i) {
            if (online(i) && __atomic_load_n(&sgi_count[i], __ATOMIC_ACQUIRE) == before[i]) {
                log::error("sgi: cpu {} (mpidr {:#x}) took no SGI {}", i, per_cpu(i).mpidr, sgi_kick);
            }
        }
        log::error("sgi: FAIL: {} of {} CPUs answered within {} ms", answered, online_count, wait_timeout_ms);
        return;
    }
    if (irq_unhandled_count() != 0) {
        log::error("sgi: FAIL: {} interrupts without a handler", irq_unhandled_count());
        return;
    }
    log::info("sgi: PASS: {} CPUs answered", answered);
}

}  // namespace
