// Which VM's console is the primary one: the resource manager's choice, made through
// the HLOS vCPU option (VmDevices::make_primary, kernel/virt/vm_devices.h), not a VMID
// the kernel knows.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "kernel/virt/vm_devices.h"
#include "tests/unit/test_vic_fixture.h"

namespace hyp::test {
using namespace victest;
namespace {

virt::VmDevicePlatform uart_only(Capture& console)
{
    virt::VmDevicePlatform platform;
    platform.console = &console;
    platform.uart = IpaRange{Ipa{uart}, 0x1000};
    platform.uart_intid = uart_intid;
    return platform;
}

// A guest's store of one byte to UARTDR.
void put(virt::VmDevices& devices, char c)
{
    REQUIRE(devices.bus().write(Ipa{uart}, 4, static_cast<std::uint8_t>(c)) == virt::BusResult::handled);
}

void line(virt::VmDevices& devices, const char* text)
{
    for (const char* p = text; *p != 0; ++p) {
        put(devices, *p);
    }
    put(devices, '\n');
}

}  // namespace

TEST_CASE("vm devices: no VMID is primary by itself and the first VM made primary keeps it", "[vm_devices]")
{
    Capture console;
    PlatformScope scope{uart_only(console)};
    virt::VmDevices three;
    virt::VmDevices four;
    REQUIRE(three.init(3));
    REQUIRE(four.init(4));

    // VMID 3 is Gunyah's HLOS VMID, but until the RM says so it is just another VM.
    line(three, "a");
    CHECK(console.out == "[vm 3] a\n");
    CHECK_FALSE(virt::console_input('x'));

    console.out.clear();
    REQUIRE(four.make_primary());
    CHECK(four.make_primary());        // again: still true, nothing changes
    CHECK_FALSE(three.make_primary());  // another VM is primary: refused
    line(four, "b");
    line(three, "c");
    CHECK(console.out == "b\n[vm 3] c\n");
    CHECK(virt::console_input('x'));
    CHECK(four.uart().rx_count() == 1);
    CHECK(three.uart().rx_count() == 0);
}

TEST_CASE("vm devices: a partial line goes out with its prefix when the VM becomes primary", "[vm_devices]")
{
    Capture console;
    PlatformScope scope{uart_only(console)};
    {
        virt::VmDevices vm;
        REQUIRE(vm.init(7));
        put(vm, 'p');
        REQUIRE(vm.make_primary());
        CHECK(console.out == "[vm 7] p");
        line(vm, "q");
        CHECK(console.out == "[vm 7] pq\n");
    }
    // The primary VM gone: input has nowhere to go, and another VM may become primary.
    CHECK_FALSE(virt::console_input('x'));
    virt::VmDevices next;
    REQUIRE(next.init(9));
    CHECK(next.make_primary());
}

TEST_CASE("vm devices: a VM without a vPL011 cannot become primary", "[vm_devices]")
{
    Capture console;
    virt::VmDevicePlatform platform;
    platform.console = &console;  // no UART range: VMs get no vPL011
    PlatformScope scope{platform};
    virt::VmDevices vm;
    REQUIRE(vm.init(3));
    CHECK_FALSE(vm.has_uart());
    CHECK_FALSE(vm.make_primary());
    CHECK_FALSE(virt::console_input('x'));
}

}  // namespace hyp::test
