// The whole trap path as the glue will drive it: a guest abort is emulated on the bus,
// retried, skipped, or turned into an injected external abort; undefined instructions
// are injected. Never anything else.
#include <catch2/catch.hpp>

#include <string>

#include "kernel/virt/guest_trap.h"
#include "kernel/virt/vpl011.h"
#include "test_virt_support.h"

using namespace hyp;
using namespace hyp::virt;
using virt_test::Dabt;
using virt_test::FakeMemory;
using virt_test::Guest;

namespace {

constexpr std::uint64_t uart = 0x09000000;
constexpr std::uint64_t va = 0xffff000009000000;

class Capture final : public fmt::Sink {
public:
    std::string text;
    void write(const char* t, std::size_t n) override { text.append(t, n); }
};

struct Vm {
    Capture console;
    LineSink line{console, 1, true};
    Vpl011 pl011{line};
    MmioBus bus;
    FakeMemory memory;
    Guest guest;

    Vm() { REQUIRE(bus.add(IpaRange{Ipa{uart}, pl011::region_size}, pl011).ok()); }

    TrapOutcome data_abort(const Dabt& d, std::uint64_t ipa)
    {
        return handle_data_abort(bus, memory, guest.regs(), virt_test::syndrome(d, ipa, va));
    }
};

}  // namespace

TEST_CASE("a store to the vPL011 prints and the guest steps past it", "[virt][trap]")
{
    Vm vm;
    vm.guest.x[1] = 'h';
    Dabt d;
    d.sas = 0;
    d.write = true;
    d.srt = 1;
    TrapOutcome out = vm.data_abort(d, uart + pl011::dr);
    CHECK(out.action == TrapAction::resume);
    CHECK(out.reason == TrapReason::emulated);
    vm.pl011.flush_output();  // a partial line waits for the run loop's flush
    CHECK(vm.console.text == "h");
    CHECK(vm.guest.pc == 0x40080004);
}

TEST_CASE("a load from the vPL011 lands in the register, zero-extended", "[virt][trap]")
{
    Vm vm;
    vm.guest.x[4] = ~std::uint64_t{0};
    Dabt d;
    d.sas = 1;  // readw, as Linux's pl011 driver reads UARTFR
    d.srt = 4;
    d.sf = false;
    TrapOutcome out = vm.data_abort(d, uart + pl011::fr);
    CHECK(out.action == TrapAction::resume);
    CHECK(vm.guest.x[4] == (pl011::fr_txfe | pl011::fr_rxfe));
    CHECK(vm.guest.pc == 0x40080004);
}

TEST_CASE("an access no device claims becomes an external abort at the faulting VA", "[virt][trap]")
{
    Vm vm;
    Dabt d;
    d.write = true;
    TrapOutcome out = vm.data_abort(d, 0x0a000010);
    REQUIRE(out.action == TrapAction::inject);
    CHECK(out.reason == TrapReason::not_claimed);
    CHECK(out.fault.kind == FaultKind::data_abort);
    CHECK(out.fault.address == (va | 0x010));
    CHECK(out.fault.address_valid);
    CHECK(out.fault.write);
    CHECK(out.ipa == Ipa{0x0a000010});
    CHECK(vm.guest.pc == 0x40080000);  // untouched until the glue injects

    El1State el1;
    el1.vbar = 0xffff800010000000;
    Injection in = inject_fault(vm.guest.regs(), out.fault, el1);
    CHECK(in.esr_el1 == 0x96000050);
    CHECK(in.far_el1 == (va | 0x010));
    CHECK(in.elr_el1 == 0x40080000);
    CHECK(vm.guest.pc == 0xffff800010000200);
}

TEST_CASE("a fault on an address that is mapped by now is retried, not stepped", "[virt][trap]")
{
    Vm vm;
    vm.memory.mapped_base = 0x40000000;
    vm.memory.mapped_size = 0x1000;
    Dabt d;
    TrapOutcome out = vm.data_abort(d, 0x40000800);
    CHECK(out.action == TrapAction::resume);
    CHECK(out.reason == TrapReason::retried);
    CHECK(vm.guest.pc == 0x40080000);
    d.isv = false;  // an LDP racing a stage-2 change: retried too
    CHECK(vm.data_abort(d, 0x40000800).reason == TrapReason::retried);
}

TEST_CASE("cache maintenance on an unmapped address is a no-op that steps the PC", "[virt][trap]")
{
    Vm vm;
    Dabt d;
    d.isv = false;
    d.write = true;
    d.extra = std::uint64_t{1} << 8;
    TrapOutcome out = vm.data_abort(d, 0x0b000000);
    CHECK(out.action == TrapAction::resume);
    CHECK(out.reason == TrapReason::skipped);
    CHECK(vm.guest.pc == 0x40080004);
}

TEST_CASE("a device access the syndrome does not describe is injected, not guessed", "[virt][trap]")
{
    Vm vm;
    Dabt d;
    d.isv = false;  // e.g. LDP x0, x1, [uart]
    TrapOutcome out = vm.data_abort(d, uart);
    CHECK(out.action == TrapAction::inject);
    CHECK(out.reason == TrapReason::not_emulatable);
    CHECK(out.decode == DecodeStatus::no_syndrome);
    CHECK(out.ipa == Ipa{uart});
}

TEST_CASE("stage-1 walks, unknown FARs and non-translation faults are injected", "[virt][trap]")
{
    Vm vm;
    Dabt walk;
    walk.extra = std::uint64_t{1} << 7;
    CHECK(vm.data_abort(walk, uart).action == TrapAction::inject);

    Dabt fnv;
    fnv.extra = std::uint64_t{1} << 10;
    TrapOutcome out = vm.data_abort(fnv, uart);
    CHECK(out.action == TrapAction::inject);
    CHECK_FALSE(out.fault.address_valid);

    Dabt permission;
    permission.fsc = 0x0f;
    out = vm.data_abort(permission, 0x40000000);
    CHECK(out.action == TrapAction::inject);
    CHECK(out.reason == TrapReason::fault);
    CHECK(vm.guest.pc == 0x40080000);
}

TEST_CASE("a device that refuses an access gets the guest an external abort", "[virt][trap]")
{
    class Refuser final : public MmioDevice {
    public:
        MmioResult mmio_read(std::uint64_t, unsigned, std::uint64_t& v) override
        {
            v = 0;
            return MmioResult::abort;
        }
        MmioResult mmio_write(std::uint64_t, unsigned, std::uint64_t) override { return MmioResult::abort; }
    } refuser;
    Vm vm;
    REQUIRE(vm.bus.add(IpaRange{Ipa{0x08000000}, 0x10000}, refuser).ok());
    vm.guest.x[0] = 7;
    TrapOutcome out = vm.data_abort(Dabt{}, 0x08000000);
    CHECK(out.action == TrapAction::inject);
    CHECK(out.reason == TrapReason::device_abort);
    CHECK(vm.guest.x[0] == 7);
}

TEST_CASE("the wrong exception class is answered with UNDEFINED", "[virt][trap]")
{
    Vm vm;
    Dabt d;
    d.ec = 0x25;
    TrapOutcome out = vm.data_abort(d, uart);
    CHECK(out.action == TrapAction::inject);
    CHECK(out.reason == TrapReason::wrong_class);
    CHECK(out.fault.kind == FaultKind::undefined);
    CHECK(handle_instruction_abort(vm.memory, virt_test::syndrome(d, uart)).fault.kind == FaultKind::undefined);
}

TEST_CASE("instruction aborts are retried when mapped and injected otherwise", "[virt][trap]")
{
    FakeMemory memory;
    memory.mapped_base = 0x40000000;
    memory.mapped_size = 0x200000;
    Dabt fetch;
    fetch.ec = 0x20;
    fetch.isv = false;
    fetch.sas = 0;
    fetch.sf = false;
    fetch.fsc = 0x06;
    TrapOutcome mapped = handle_instruction_abort(memory, virt_test::syndrome(fetch, 0x40001000));
    CHECK(mapped.action == TrapAction::resume);
    CHECK(mapped.reason == TrapReason::retried);

    TrapOutcome from_device = handle_instruction_abort(memory, virt_test::syndrome(fetch, uart, va));
    CHECK(from_device.action == TrapAction::inject);
    CHECK(from_device.fault.kind == FaultKind::instruction_abort);
    CHECK(from_device.fault.address == va);

    fetch.fsc = 0x0f;  // permission: executing non-executable memory
    TrapOutcome perm = handle_instruction_abort(memory, virt_test::syndrome(fetch, 0x40001000));
    CHECK(perm.action == TrapAction::inject);
    CHECK(perm.reason == TrapReason::fault);
}

TEST_CASE("an unknown system register access gets UNDEFINED at the instruction", "[virt][trap]")
{
    Guest g;
    g.pstate = 0x0;  // EL0
    g.pc = 0x400100;
    TrapOutcome out = undefined_instruction();
    REQUIRE(out.action == TrapAction::inject);
    El1State el1;
    el1.vbar = 0x80000;
    Injection in = inject_fault(g.regs(), out.fault, el1);
    CHECK(in.esr_el1 == 0x02000000);
    CHECK(in.elr_el1 == 0x400100);
    CHECK(g.pc == 0x80400);
}
