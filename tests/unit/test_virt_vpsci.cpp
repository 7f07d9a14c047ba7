// Virtual PSCI: every call and error code, SMC32 and SMC64 forms, the vCPU power state
// machine (including CPU_ON racing CPU_ON and CPU_OFF), FEATURES, and the MPIDR
// convention shared with the RM's device trees.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "hyp_api/psci.h"
#include "kernel/virt/vpsci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "test_virt_support.h"

using namespace hyp;
using namespace hyp::virt;
using virt_test::FakeMemory;

namespace {

constexpr std::uint64_t entry = 0x40080000;
constexpr std::uint64_t code(std::int64_t c) { return static_cast<std::uint64_t>(c); }

struct Vm {
    FakeMemory memory;
    Vpsci psci;

    explicit Vm(unsigned vcpus = 4) { REQUIRE(psci.init(vcpus, memory).ok()); }

    PsciOutcome call(unsigned caller, std::uint64_t x0, std::uint64_t x1 = 0, std::uint64_t x2 = 0,
                     std::uint64_t x3 = 0)
    {
        const std::uint64_t regs[8] = {x0, x1, x2, x3, 0, 0, 0, 0};
        PsciOutcome out = vpsci_call(psci, caller, regs);
        CHECK(out.handled);
        return out;
    }
    std::uint64_t x0(unsigned caller, std::uint64_t id, std::uint64_t x1 = 0, std::uint64_t x2 = 0,
                     std::uint64_t x3 = 0)
    {
        return call(caller, id, x1, x2, x3).x0;
    }
};

}  // namespace

TEST_CASE("PSCI_VERSION says 1.1", "[virt][psci]")
{
    Vm vm;
    CHECK(vm.x0(0, PSCI_FN_VERSION) == 0x10001);
}

TEST_CASE("PSCI_FEATURES answers 0 for every implemented call and SMCCC_VERSION", "[virt][psci]")
{
    Vm vm;
    for (std::uint32_t id : {PSCI_FN_VERSION, PSCI_FN_CPU_SUSPEND_32, PSCI_FN_CPU_SUSPEND_64, PSCI_FN_CPU_OFF,
                             PSCI_FN_CPU_ON_32, PSCI_FN_CPU_ON_64, PSCI_FN_AFFINITY_INFO_32,
                             PSCI_FN_AFFINITY_INFO_64, PSCI_FN_MIGRATE_INFO_TYPE, PSCI_FN_SYSTEM_OFF,
                             PSCI_FN_SYSTEM_RESET, PSCI_FN_SYSTEM_RESET2_32, PSCI_FN_SYSTEM_RESET2_64,
                             PSCI_FN_FEATURES, 0x80000000u}) {
        INFO("function " << std::hex << id);
        CHECK(vm.x0(0, PSCI_FN_FEATURES, id) == 0);
        CHECK(vm.x0(0, PSCI_FN_FEATURES, (std::uint64_t{0xdead} << 32) | id) == 0);  // w1 only
    }
}

TEST_CASE("PSCI_FEATURES of CPU_SUSPEND flags the original format, platform-coordinated", "[virt][psci]")
{
    Vm vm;
    std::uint64_t flags = vm.x0(0, PSCI_FN_FEATURES, PSCI_FN_CPU_SUSPEND_64);
    CHECK((flags & 2) == 0);  // not the extended StateID format
    CHECK((flags & 1) == 0);  // no OS-initiated mode
}

TEST_CASE("PSCI_FEATURES answers NOT_SUPPORTED for what is not implemented", "[virt][psci]")
{
    Vm vm;
    for (std::uint32_t id : {PSCI_FN_MIGRATE_32, PSCI_FN_MIGRATE_64, PSCI_FN_MIGRATE_INFO_UP_CPU_32,
                             0x8400000bu /* CPU_FREEZE */, 0xc400000eu /* SYSTEM_SUSPEND */,
                             0x84000013u /* MEM_PROTECT */, 0x80000001u /* SMCCC_ARCH_FEATURES */,
                             0xc6000000u, 0x0u, 0xffffffffu}) {
        INFO("function " << std::hex << id);
        CHECK(vm.x0(0, PSCI_FN_FEATURES, id) == code(PSCI_RET_NOT_SUPPORTED));
    }
}

TEST_CASE("ids outside PSCI's range are not PSCI's and change nothing", "[virt][psci]")
{
    Vm vm;
    for (std::uint64_t x0 : {0x80000000ull, 0xc6000001ull, 0x84000020ull, 0xc4000020ull, 0x04000000ull,
                             0x184000000ull, 0x0000000084000003ull | (1ull << 40)}) {
        const std::uint64_t regs[8] = {x0, 1, entry, 0, 0, 0, 0, 0};
        INFO("x0 " << std::hex << x0);
        CHECK_FALSE(vpsci_call(vm.psci, 0, regs).handled);
        CHECK_FALSE(Vpsci::is_psci_call(x0));
    }
    CHECK(vm.psci.power(1) == VcpuPower::off);
}

TEST_CASE("unimplemented PSCI functions answer NOT_SUPPORTED, sign-extended", "[virt][psci]")
{
    Vm vm;
    for (std::uint32_t id : {PSCI_FN_MIGRATE_32, PSCI_FN_MIGRATE_64, PSCI_FN_MIGRATE_INFO_UP_CPU_64, 0x8400000eu,
                             0x8400001fu, 0xc400001fu}) {
        PsciOutcome out = vm.call(0, id, 1);
        CHECK(out.x0 == ~std::uint64_t{0});
        CHECK(out.effect == PsciEffect::none);
    }
}

TEST_CASE("CPU_ON starts an off vCPU at its entry point with its context id", "[virt][psci]")
{
    Vm vm;
    PsciOutcome out = vm.call(0, PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(2), entry, 0xc0ffee);
    CHECK(out.x0 == 0);
    CHECK(out.effect == PsciEffect::start_vcpu);
    CHECK(out.target == 2);
    CHECK(out.entry == entry);
    CHECK(out.context == 0xc0ffee);
    CHECK(vm.psci.power(2) == VcpuPower::on_pending);
    vm.psci.vcpu_started(2);
    CHECK(vm.psci.power(2) == VcpuPower::on);
}

TEST_CASE("CPU_ON of a pending vCPU is ON_PENDING and of a running one ALREADY_ON", "[virt][psci]")
{
    Vm vm;
    REQUIRE(vm.call(0, PSCI_FN_CPU_ON_64, 1, entry).effect == PsciEffect::start_vcpu);
    PsciOutcome again = vm.call(0, PSCI_FN_CPU_ON_64, 1, entry);
    CHECK(again.x0 == code(PSCI_RET_ON_PENDING));
    CHECK(again.effect == PsciEffect::none);
    vm.psci.vcpu_started(1);
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 1, entry) == code(PSCI_RET_ALREADY_ON));
    CHECK(vm.x0(1, PSCI_FN_CPU_ON_64, 0, entry) == code(PSCI_RET_ALREADY_ON));
    CHECK(vm.x0(1, PSCI_FN_CPU_ON_64, 1, entry) == code(PSCI_RET_ALREADY_ON));  // itself
}

TEST_CASE("CPU_ON of an MPIDR the VM does not have is INVALID_PARAMETERS", "[virt][psci]")
{
    Vm vm(4);
    for (std::uint64_t mpidr : {0x4ull, 0xfull, 0x100ull, 0x10000ull, 0x100000000ull, 0x80000000ull,
                                0x1ull | (1ull << 40), 0x1ull | (1ull << 24)}) {
        INFO("mpidr " << std::hex << mpidr);
        CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, mpidr, entry) == code(PSCI_RET_INVALID_PARAMETERS));
    }
    for (unsigned i = 1; i < 4; ++i) {
        CHECK(vm.psci.power(i) == VcpuPower::off);
    }
}

TEST_CASE("CPU_ON with an entry point outside the VM's RAM or misaligned is INVALID_ADDRESS", "[virt][psci]")
{
    Vm vm;
    for (std::uint64_t bad : std::initializer_list<std::uint64_t>{0x0, 0x3ffffffc, 0x50000000, entry + 2, entry + 1,
                              ~std::uint64_t{0} - 3}) {
        INFO("entry " << std::hex << bad);
        CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 1, bad) == code(PSCI_RET_INVALID_ADDRESS));
    }
    CHECK(vm.psci.power(1) == VcpuPower::off);
}

TEST_CASE("CPU_ON checks the target, then the entry point, then the target's state", "[virt][psci]")
{
    Vm vm;
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 9, 0x1) == code(PSCI_RET_INVALID_PARAMETERS));
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 0, 0x1) == code(PSCI_RET_INVALID_ADDRESS));
}

TEST_CASE("SMC32 CPU_ON uses only the low 32 bits of its arguments", "[virt][psci]")
{
    Vm vm;
    std::uint64_t junk = std::uint64_t{0xffffffff} << 32;
    PsciOutcome out = vm.call(0, PSCI_FN_CPU_ON_32, junk | 3, junk | entry, junk | 0x1234);
    CHECK(out.x0 == 0);
    CHECK(out.target == 3);
    CHECK(out.entry == entry);
    CHECK(out.context == 0x1234);
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_32, 0x1000001, entry) == code(PSCI_RET_INVALID_PARAMETERS));  // bits 31:24
}

TEST_CASE("MPIDRs follow the RM's convention: 16 vCPUs per Aff1", "[virt][psci]")
{
    Vm vm(20);
    CHECK(vcpu_mpidr(17) == 0x101);
    CHECK(vcpu_vmpidr_el2(17) == 0x80000101);
    CHECK(vcpu_vmpidr_el2(0) == 0x80000000);
    PsciOutcome out = vm.call(0, PSCI_FN_CPU_ON_64, 0x101, entry);
    CHECK(out.target == 17);
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 0x10, entry) == code(PSCI_RET_INVALID_PARAMETERS));  // Aff0 16
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 0x104, entry) == code(PSCI_RET_INVALID_PARAMETERS));  // vCPU 20
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 0x101, 0) == PSCI_AFFINITY_ON_PENDING);
}

TEST_CASE("CPU_OFF stops the caller, which stays on until the glue says it stopped", "[virt][psci]")
{
    Vm vm;
    REQUIRE(vm.call(0, PSCI_FN_CPU_ON_64, 1, entry).x0 == 0);
    vm.psci.vcpu_started(1);
    PsciOutcome off = vm.call(1, PSCI_FN_CPU_OFF);
    CHECK(off.effect == PsciEffect::stop_self);
    CHECK(vm.psci.power(1) == VcpuPower::stopping);
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 1, 0) == PSCI_AFFINITY_ON);
    CHECK(vm.x0(0, PSCI_FN_CPU_ON_64, 1, entry) == code(PSCI_RET_ALREADY_ON));
    CHECK_FALSE(vm.psci.vcpu_stopped(1));  // vCPU 0 still runs
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 1, 0) == PSCI_AFFINITY_OFF);
    CHECK(vm.call(0, PSCI_FN_CPU_ON_64, 1, entry).effect == PsciEffect::start_vcpu);
}

TEST_CASE("CPU_OFF of the last running vCPU is allowed and reported", "[virt][psci]")
{
    Vm vm(2);
    PsciOutcome off = vm.call(0, PSCI_FN_CPU_OFF);
    CHECK(off.effect == PsciEffect::stop_self);
    CHECK(vm.psci.vcpu_stopped(0));
    CHECK(vm.psci.power(0) == VcpuPower::off);
}

TEST_CASE("a vCPU still marked pending is running once it calls", "[virt][psci]")
{
    Vm vm;
    REQUIRE(vm.call(0, PSCI_FN_CPU_ON_64, 1, entry).x0 == 0);
    CHECK(vm.x0(1, PSCI_FN_CPU_ON_64, 2, entry) == 0);
    CHECK(vm.psci.power(1) == VcpuPower::on);
}

TEST_CASE("CPU_SUSPEND waits for an interrupt and returns SUCCESS, for any valid state", "[virt][psci]")
{
    Vm vm;
    for (std::uint64_t state : {0x0ull, 0x1ull, 0x10000ull /* power-down */, 0x1000000ull, 0x301ffffull}) {
        for (std::uint32_t id : {PSCI_FN_CPU_SUSPEND_32, PSCI_FN_CPU_SUSPEND_64}) {
            PsciOutcome out = vm.call(0, id, state, entry, 0x55);
            CHECK(out.x0 == 0);
            CHECK(out.effect == PsciEffect::suspend);
        }
    }
    CHECK(vm.psci.power(0) == VcpuPower::on);
}

TEST_CASE("CPU_SUSPEND with reserved power_state bits is INVALID_PARAMETERS", "[virt][psci]")
{
    Vm vm;
    for (std::uint64_t state : {0x20000ull, 0x800000ull, 0x4000000ull, 0x40000000ull, 0x80000000ull}) {
        PsciOutcome out = vm.call(0, PSCI_FN_CPU_SUSPEND_64, state);
        CHECK(out.x0 == code(PSCI_RET_INVALID_PARAMETERS));
        CHECK(out.effect == PsciEffect::none);
    }
    // power_state is 32 bits in both forms: the upper half of x1 is not looked at.
    CHECK(vm.call(0, PSCI_FN_CPU_SUSPEND_64, std::uint64_t{1} << 40).effect == PsciEffect::suspend);
}

TEST_CASE("AFFINITY_INFO reports ON, OFF and ON_PENDING at level 0", "[virt][psci]")
{
    Vm vm;
    REQUIRE(vm.call(0, PSCI_FN_CPU_ON_32, 2, entry).x0 == 0);
    for (std::uint32_t id : {PSCI_FN_AFFINITY_INFO_32, PSCI_FN_AFFINITY_INFO_64}) {
        CHECK(vm.x0(0, id, 0, 0) == PSCI_AFFINITY_ON);
        CHECK(vm.x0(0, id, 1, 0) == PSCI_AFFINITY_OFF);
        CHECK(vm.x0(0, id, 2, 0) == PSCI_AFFINITY_ON_PENDING);
    }
}

TEST_CASE("AFFINITY_INFO of an unknown MPIDR or a level above 0 is INVALID_PARAMETERS", "[virt][psci]")
{
    Vm vm;
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 7, 0) == code(PSCI_RET_INVALID_PARAMETERS));
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 0x80000000, 0) == code(PSCI_RET_INVALID_PARAMETERS));
    for (std::uint64_t level : {1ull, 2ull, 3ull, 4ull}) {
        CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_64, 0, level) == code(PSCI_RET_INVALID_PARAMETERS));
    }
    // SMC32: the upper halves are ignored.
    CHECK(vm.x0(0, PSCI_FN_AFFINITY_INFO_32, (1ull << 32) | 1, 1ull << 32) == PSCI_AFFINITY_OFF);
}

TEST_CASE("MIGRATE_INFO_TYPE says no Trusted OS needs migrating", "[virt][psci]")
{
    Vm vm;
    CHECK(vm.x0(0, PSCI_FN_MIGRATE_INFO_TYPE) == 2);
}

TEST_CASE("SYSTEM_OFF and SYSTEM_RESET are VM events for the caller to forward", "[virt][psci]")
{
    Vm vm;
    CHECK(vm.call(0, PSCI_FN_SYSTEM_OFF).effect == PsciEffect::system_off);
    CHECK(vm.call(0, PSCI_FN_SYSTEM_RESET).effect == PsciEffect::system_reset);
    for (std::uint32_t id : {PSCI_FN_SYSTEM_RESET2_32, PSCI_FN_SYSTEM_RESET2_64}) {
        CHECK(vm.call(0, id, PSCI_RESET2_WARM, 0x1234).effect == PsciEffect::system_reset);
        PsciOutcome vendor = vm.call(0, id, PSCI_RESET2_VENDOR | 1);
        CHECK(vendor.x0 == code(PSCI_RET_INVALID_PARAMETERS));
        CHECK(vendor.effect == PsciEffect::none);
        CHECK(vm.x0(0, id, 1) == code(PSCI_RET_INVALID_PARAMETERS));  // reserved architectural type
    }
    CHECK(vm.psci.power(0) == VcpuPower::on);
}

TEST_CASE("concurrent CPU_ONs of one vCPU start it exactly once", "[virt][psci]")
{
    for (int round = 0; round < 50; ++round) {
        FakeMemory memory;
        Vpsci psci;
        REQUIRE(psci.init(8, memory).ok());
        for (unsigned i = 1; i < 7; ++i) {
            const std::uint64_t regs[8] = {PSCI_FN_CPU_ON_64, i, entry, 0, 0, 0, 0, 0};
            REQUIRE(psci.call(0, regs).x0 == 0);
            psci.vcpu_started(i);
        }
        std::atomic<int> started{0};
        std::atomic<int> pending{0};
        std::atomic<int> other{0};
        std::vector<std::thread> threads;
        for (unsigned caller = 0; caller < 7; ++caller) {
            threads.emplace_back([&, caller] {
                const std::uint64_t regs[8] = {PSCI_FN_CPU_ON_64, 7, entry, caller, 0, 0, 0, 0};
                PsciOutcome out = psci.call(caller, regs);
                if (out.effect == PsciEffect::start_vcpu && out.x0 == 0) {
                    ++started;
                } else if (out.x0 == code(PSCI_RET_ON_PENDING)) {
                    ++pending;
                } else {
                    ++other;
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        CHECK(started == 1);
        CHECK(pending == 6);
        CHECK(other == 0);
    }
}

TEST_CASE("init refuses impossible VMs and reset restarts the boot vCPU only", "[virt][psci]")
{
    FakeMemory memory;
    Vpsci psci;
    CHECK(psci.init(0, memory).error() == Error::arg_inval);
    CHECK(psci.init(Vpsci::max_vcpus + 1, memory).error() == Error::arg_inval);
    CHECK(psci.init(2, memory, 2).error() == Error::arg_inval);
    REQUIRE(psci.init(3, memory, 1).ok());
    CHECK(psci.power(0) == VcpuPower::off);
    CHECK(psci.power(1) == VcpuPower::on);
    psci.reset(2);
    CHECK(psci.power(1) == VcpuPower::off);
    CHECK(psci.power(2) == VcpuPower::on);
}

TEST_CASE("a caller index the VM does not have is an internal failure, not a crash", "[virt][psci]")
{
    Vm vm(2);
    const std::uint64_t regs[8] = {PSCI_FN_CPU_OFF, 0, 0, 0, 0, 0, 0, 0};
    PsciOutcome out = vm.psci.call(5, regs);
    CHECK(out.handled);
    CHECK(out.x0 == code(PSCI_RET_INTERNAL_FAILURE));
    CHECK(out.effect == PsciEffect::none);
}

TEST_CASE("a vCPU started by CPU_ON begins at EL1h, interrupts masked, x0 = context", "[virt][psci]")
{
    virt_test::Guest g;
    for (auto& x : g.x) {
        x = 0x77;
    }
    psci_entry_state(g.regs(), entry, 0xabc);
    CHECK(g.pc == entry);
    CHECK(g.pstate == 0x3c5);
    CHECK(g.x[0] == 0xabc);
    for (unsigned i = 1; i < 31; ++i) {
        CHECK(g.x[i] == 0);
    }
}
