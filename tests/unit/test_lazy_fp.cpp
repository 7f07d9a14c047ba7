// Lazy FP/SIMD switching's books (kernel/virt/lazy_fp.h): which CPU's registers hold whose
// state, taken on first use, handed from CPU to CPU on request, forgotten on poweron and
// destruction. The CPUs' register files are plain FpRegs here; the multi-threaded test
// plays each CPU on a thread, as test_sched_stress does for the scheduler.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "kernel/sched/kick.h"
#include "kernel/virt/lazy_fp.h"
#include "test_vcpu_fixture.h"

using namespace hyp;
using namespace hyp::virt::lazy_fp;

namespace {

// One CPU's FP/SIMD registers, counting what the books did with them.
struct FakeRegisters {
    arch::FpRegs live{};
    int saves = 0;
    int restores = 0;
    void save(arch::FpRegs& regs)
    {
        regs = live;
        ++saves;
    }
    void restore(const arch::FpRegs& regs)
    {
        live = regs;
        ++restores;
    }
};

arch::FpRegs with_value(std::uint64_t value)
{
    arch::FpRegs regs{};
    regs.q[0][0] = value;
    regs.q[31][1] = ~value;
    regs.fpcr = value & 0xff;
    return regs;
}

bool holds(const arch::FpRegs& regs, std::uint64_t value)
{
    return regs.q[0][0] == value && regs.q[31][1] == ~value && regs.fpcr == (value & 0xff);
}

// A vCPU as far as the books see one: its saved copy and where the state is.
struct FakeVcpu {
    arch::FpRegs saved{};
    Home home{saved};
};

}  // namespace

TEST_CASE("lazy FP: the first use on a CPU loads the vCPU's copy and the next vCPU's saves it first")
{
    Owners owners;
    FakeRegisters cpu0;
    FakeVcpu a;
    FakeVcpu b;
    a.saved = with_value(0xa);
    b.saved = with_value(0xb);

    CHECK(owners.take(0, a.home, cpu0) == Take::loaded);
    CHECK(holds(cpu0.live, 0xa));
    CHECK(owners.owns(0, a.home));
    CHECK(a.home.live_cpu() == 0);
    CHECK(cpu0.saves == 0);  // nobody owned the registers before

    cpu0.live = with_value(0xa1);  // a computes
    CHECK(owners.take(0, b.home, cpu0) == Take::loaded);
    CHECK(holds(a.saved, 0xa1));
    CHECK(a.home.live_cpu() == no_cpu);
    CHECK(holds(cpu0.live, 0xb));
    CHECK(owners.owner(0) == &b.home);
    CHECK_FALSE(owners.owns(0, a.home));
}

TEST_CASE("lazy FP: a vCPU that comes back to a CPU nobody else used costs nothing")
{
    Owners owners;
    FakeRegisters cpu0;
    FakeVcpu a;
    REQUIRE(owners.take(0, a.home, cpu0) == Take::loaded);
    cpu0.live = with_value(7);
    CHECK(owners.take(0, a.home, cpu0) == Take::already);
    CHECK(cpu0.saves == 0);
    CHECK(cpu0.restores == 1);
    CHECK(holds(cpu0.live, 7));
}

TEST_CASE("lazy FP: a vCPU on another CPU asks for its state and retries until that CPU has saved it")
{
    Owners owners;
    FakeRegisters cpu0;
    FakeRegisters cpu1;
    FakeVcpu a;
    REQUIRE(owners.take(0, a.home, cpu0) == Take::loaded);
    cpu0.live = with_value(0xa2);

    const std::uint64_t pokes = sched::pokes_sent();
    CHECK(owners.take(1, a.home, cpu1) == Take::elsewhere);
    CHECK(sched::pokes_sent() == pokes + 1);  // CPU 0 is kicked
    CHECK(cpu1.restores == 0);
    CHECK(owners.take(1, a.home, cpu1) == Take::elsewhere);  // asked again at each retry

    SECTION("CPU 0's kick handler saves it; the retry loads it")
    {
        CHECK(owners.flush(0, nullptr, cpu0));
        CHECK(holds(a.saved, 0xa2));
        CHECK(owners.owner(0) == nullptr);
        CHECK(owners.take(1, a.home, cpu1) == Take::loaded);
        CHECK(holds(cpu1.live, 0xa2));
        CHECK_FALSE(owners.flush(0, nullptr, cpu0));  // both requests were served at once
    }
    SECTION("CPU 0 keeps the state of the vCPU that runs there: the request was for one gone already")
    {
        CHECK_FALSE(owners.flush(0, &a.home, cpu0));  // (a stands in for "running there")
        CHECK(owners.owns(0, a.home));
        CHECK(cpu0.saves == 0);
    }
}

TEST_CASE("lazy FP: a flush nobody asked for does nothing")
{
    Owners owners;
    FakeRegisters cpu0;
    FakeVcpu a;
    REQUIRE(owners.take(0, a.home, cpu0) == Take::loaded);
    CHECK_FALSE(owners.flush(0, nullptr, cpu0));
    CHECK(owners.owns(0, a.home));
    CHECK(cpu0.saves == 0);
}

TEST_CASE("lazy FP: forget takes a vCPU off its CPU's books without saving, from any CPU")
{
    Owners owners;
    FakeRegisters cpu2;
    FakeVcpu a;
    FakeVcpu b;
    REQUIRE(owners.take(2, a.home, cpu2) == Take::loaded);
    cpu2.live = with_value(0xdead);
    owners.forget(a.home);
    CHECK(owners.owner(2) == nullptr);
    CHECK(a.home.live_cpu() == no_cpu);
    CHECK_FALSE(holds(a.saved, 0xdead));
    CHECK(owners.take(2, b.home, cpu2) == Take::loaded);
    CHECK(cpu2.saves == 0);  // nothing of a's to save any more
    owners.forget(a.home);  // again: nothing
    CHECK(owners.owns(2, b.home));
}

TEST_CASE("lazy FP: poweron and destruction leave no CPU owning the vCPU's state")
{
    vcputest::System s;
    const CapId t = s.vcpu(1);
    Vcpu& x = s.v(t);
    FakeRegisters cpu3;
    x.regs().fp = with_value(0x55);
    REQUIRE(owners().take(3, x.fp_home(), cpu3) == Take::loaded);

    SECTION("poweron: the registers CPU 3 holds are stale, the state starts at zero")
    {
        REQUIRE(s.poweron(t) == GUNYAH_ERROR_OK);
        CHECK(owners().owner(3) == nullptr);
        CHECK(x.fp_home().live_cpu() == no_cpu);
        CHECK(x.regs().fp.q[0][0] == 0);
        CHECK(x.regs().fp.fpcr == 0);
    }
    SECTION("destruction")
    {
        s.drop(t);
        CHECK(owners().owner(3) == nullptr);
    }
}

TEST_CASE("lazy FP: under contention from 4 CPUs, each vCPU always finds the state it left, wherever it runs")
{
    constexpr CpuIndex cpus = 4;
    constexpr std::size_t vcpus = 6;
    constexpr int runs_per_cpu = 20'000;
    Owners owners;
    FakeVcpu v[vcpus];
    std::atomic<bool> running[vcpus] = {};  // a vCPU runs on one CPU at a time
    std::uint64_t expected[vcpus] = {};     // guarded by running[]
    std::atomic<int> wrong{0};
    std::atomic<long> handovers{0};
    std::atomic<CpuIndex> finished{0};
    for (auto& x : v) {
        x.saved = with_value(0);
    }

    auto cpu_thread = [&](CpuIndex cpu) {
        FakeRegisters regs;
        std::uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu + 1);
        auto next = [&seed] {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            return seed;
        };
        // The CPU's kick handler, wherever it would take interrupts.
        auto serve = [&](const Home* on_cpu) {
            if (owners.flush(cpu, on_cpu, regs)) {
                handovers.fetch_add(1, std::memory_order_relaxed);
            }
        };
        for (int n = 0; n < runs_per_cpu; ++n) {
            serve(nullptr);
            const std::size_t i = next() % vcpus;
            bool idle = false;
            if (!running[i].compare_exchange_strong(idle, true, std::memory_order_acquire)) {
                continue;
            }
            if (next() % 16 == 0) {  // a poweron: the state is reset, wherever it was
                owners.forget(v[i].home);
                v[i].saved = with_value(0);
                expected[i] = 0;
            } else {
                Take t;
                while ((t = owners.take(cpu, v[i].home, regs)) == Take::elsewhere) {
                    serve(&v[i].home);  // a retry goes through the run loop
                    std::this_thread::yield();
                }
                if (!holds(regs.live, expected[i])) {
                    wrong.fetch_add(1, std::memory_order_relaxed);
                }
                expected[i] = next();  // the vCPU computes
                regs.live = with_value(expected[i]);
            }
            running[i].store(false, std::memory_order_release);
        }
        finished.fetch_add(1);
        while (finished.load() < cpus) {  // still answer the others' requests
            serve(nullptr);
            std::this_thread::yield();
        }
    };
    std::vector<std::thread> threads;
    for (CpuIndex c = 0; c < cpus; ++c) {
        threads.emplace_back(cpu_thread, c);
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(wrong.load() == 0);
    CHECK(handovers.load() > 0);
    for (auto& x : v) {
        owners.forget(x.home);
    }
    for (CpuIndex c = 0; c < cpus; ++c) {
        CHECK(owners.owner(c) == nullptr);
    }
}
