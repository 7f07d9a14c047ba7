// The vic tests' System (shared with the IPC tests, whose interrupts go through a vic):
// the VPM group tests' one, built while a VM device platform with QEMU virt's GIC and
// PL011 addresses is in force (so address spaces get a vPL011 and vics can activate),
// plus helpers that make vics, attach vCPUs and reach the VM's devices on its MMIO bus.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "hyp_api/vcpu_mpidr.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/vic.h"
#include "kernel/virt/vgic/gicv3_regs.h"
#include "kernel/virt/vm_devices.h"
#include "test_vpm_group_fixture.h"

namespace victest {

using namespace vpmtest;
namespace gicv3 = hyp::virt::gicv3;
namespace pl011 = hyp::virt::pl011;

// QEMU virt's layout: GICD, GICR, PL011 at SPI 1.
inline constexpr std::uint64_t gicd = 0x0800'0000;
inline constexpr std::uint64_t gicr = 0x080a'0000;
inline constexpr std::uint64_t uart = 0x0900'0000;
inline constexpr std::uint32_t uart_intid = 33;

class Capture final : public fmt::Sink {
public:
    void write(const char* text, std::size_t length) override { out.append(text, length); }
    std::string out;
};

// Sets the VM device platform for its lifetime, then puts back what was there.
class PlatformScope {
public:
    explicit PlatformScope(const virt::VmDevicePlatform& platform) : saved_{virt::vm_device_platform()}
    {
        virt::set_vm_device_platform(platform);
    }
    ~PlatformScope() { virt::set_vm_device_platform(saved_); }
    PlatformScope(const PlatformScope&) = delete;
    PlatformScope& operator=(const PlatformScope&) = delete;

private:
    virt::VmDevicePlatform saved_;
};

inline virt::VmDevicePlatform platform_with(fmt::Sink* console, bool gic = true)
{
    virt::VmDevicePlatform p;
    p.console = console;
    p.uart = IpaRange{Ipa{uart}, pl011::region_size};
    p.uart_intid = uart_intid;
    if (gic) {
        p.gic_distributor = IpaRange{Ipa{gicd}, gicv3::distributor_size};
        p.gic_redistributors = Ipa{gicr};
    }
    return p;
}

// Constructed before the System (a base class first), so its address spaces see it.
struct WithPlatform {
    Capture console;
    PlatformScope scope{platform_with(&console)};
};

struct Vics : WithPlatform, System {
    CapId new_vic()
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_VIC, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    std::int64_t configure(CapId vic, std::uint64_t vcpus, std::uint64_t virqs, std::uint64_t options = 0,
                           std::uint64_t max_msis = 0)
    {
        return e(GUNYAH_HC_VIC_CONFIGURE, vic, vcpus, virqs, options, max_msis);
    }
    // A configured, active vic.
    CapId active_vic(std::uint64_t vcpus, std::uint64_t virqs = 64)
    {
        CapId c = new_vic();
        REQUIRE(configure(c, vcpus, virqs) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
        return c;
    }
    std::int64_t attach_vic(CapId vic, CapId thread, std::uint64_t index)
    {
        return e(GUNYAH_HC_VIC_ATTACH_VCPU, vic, thread, index);
    }
    // vCPU `index` of the VM: attached to `vic` and active.
    CapId vic_vcpu(CapId vic, std::uint32_t index)
    {
        CapId t = vm_thread(index % cpus);
        REQUIRE(attach_vic(vic, t, index) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
        return t;
    }
    Vic& vic(CapId c) { return obj<Vic>(c); }
    AddrSpace& as(CapId c) { return obj<AddrSpace>(c); }
    virt::MmioBus& bus(CapId as_cap) { return as(as_cap).devices().bus(); }

    void write(CapId as_cap, std::uint64_t ipa, unsigned size, std::uint64_t value)
    {
        REQUIRE(bus(as_cap).write(Ipa{ipa}, size, value) == virt::BusResult::handled);
    }
    std::uint64_t read(CapId as_cap, std::uint64_t ipa, unsigned size)
    {
        std::uint64_t value = 0;
        REQUIRE(bus(as_cap).read(Ipa{ipa}, size, value) == virt::BusResult::handled);
        return value;
    }
};

}  // namespace victest
