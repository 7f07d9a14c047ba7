// The secondary VM's device tree (vmm/dt_builder.h), parsed back with libfdt: what Linux
// boots from, and what the resource manager's own reader (rm/dt/secondary_dt.h) and its
// doorbell check make of it, so the VMM and the RM cannot drift apart.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/dt/libfdt.h"
#include "rm/dt/secondary_dt.h"
#include "rm/vm/vm_doorbells.h"
#include "vmm/dt_builder.h"
#include "vmm/platform.h"

namespace {

vmm::VmDescription description(unsigned cpus = 2)
{
    vmm::VmDescription vm;
    vm.cpus = cpus;
    vm.ram_base = 0x80000000;
    vm.ram_size = 256ull << 20;
    vm.gicd_base = 0x08000000;
    vm.gicd_size = 0x10000;
    vm.gicr_base = 0x080a0000;
    vm.cmdline = "console=ttyAMA0 panic=-1";
    return vm;
}

std::vector<std::uint8_t> build(const vmm::VmDescription& vm)
{
    std::vector<std::uint8_t> dtb;
    std::string error;
    const bool built = vmm::build_dt(vm, dtb, error);
    INFO(error);
    REQUIRE(built);
    REQUIRE(fdt_check_full(dtb.data(), dtb.size()) == 0);
    REQUIRE(fdt_totalsize(dtb.data()) == dtb.size());
    return dtb;
}

int node(const std::vector<std::uint8_t>& dtb, const char* path)
{
    const int offset = fdt_path_offset(dtb.data(), path);
    INFO(path);
    REQUIRE(offset >= 0);
    return offset;
}

// A property's raw bytes, empty when absent.
std::string prop(const std::vector<std::uint8_t>& dtb, const char* path, const char* name)
{
    int len = 0;
    const void* value = fdt_getprop(dtb.data(), node(dtb, path), name, &len);
    return value == nullptr ? std::string{} : std::string(static_cast<const char*>(value), len);
}

bool has_prop(const std::vector<std::uint8_t>& dtb, const char* path, const char* name)
{
    return fdt_getprop(dtb.data(), node(dtb, path), name, nullptr) != nullptr;
}

std::string str(const char* s) { return std::string(s, std::strlen(s) + 1); }

template <std::size_t N>
std::string strs(const char (&list)[N])
{
    return std::string(list, N);
}

std::string cells(std::initializer_list<std::uint32_t> values)
{
    std::string out;
    for (std::uint32_t v : values) {
        const fdt32_t be = cpu_to_fdt32(v);
        out.append(reinterpret_cast<const char*>(&be), sizeof be);
    }
    return out;
}

std::string u64s(std::initializer_list<std::uint64_t> values)
{
    std::string out;
    for (std::uint64_t v : values) {
        out += cells({static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)});
    }
    return out;
}

}  // namespace

TEST_CASE("vmm dt: the root, CPUs, PSCI and memory", "[vmm]")
{
    const auto dtb = build(description(3));
    CHECK(prop(dtb, "/", "#address-cells") == cells({2}));
    CHECK(prop(dtb, "/", "#size-cells") == cells({2}));
    CHECK(prop(dtb, "/", "compatible") == str("linux,dummy-virt"));
    CHECK(prop(dtb, "/", "interrupt-parent") == cells({vmm::gic_phandle}));

    CHECK(prop(dtb, "/cpus", "#address-cells") == cells({1}));
    CHECK(prop(dtb, "/cpus", "#size-cells") == cells({0}));
    for (std::uint32_t i = 0; i < 3; ++i) {
        const std::string path = "/cpus/cpu@" + std::to_string(i);
        INFO(path);
        CHECK(prop(dtb, path.c_str(), "device_type") == str("cpu"));
        CHECK(prop(dtb, path.c_str(), "compatible") == str("arm,armv8"));
        CHECK(prop(dtb, path.c_str(), "reg") == cells({i}));
        CHECK(prop(dtb, path.c_str(), "enable-method") == str("psci"));
    }
    CHECK(fdt_path_offset(dtb.data(), "/cpus/cpu@3") < 0);

    CHECK(prop(dtb, "/psci", "compatible") == strs("arm,psci-1.0\0arm,psci-0.2"));
    CHECK(prop(dtb, "/psci", "method") == str("hvc"));
    CHECK(prop(dtb, "/memory@80000000", "device_type") == str("memory"));
    CHECK(prop(dtb, "/memory@80000000", "reg") == u64s({0x80000000, 256ull << 20}));
}

TEST_CASE("vmm dt: the GICv3 at the platform's addresses, one redistributor per vCPU", "[vmm]")
{
    vmm::VmDescription vm = description(4);
    vm.gicd_base = 0x17a00000;
    vm.gicr_base = 0x17a60000;
    const auto dtb = build(vm);
    const char* gic = "/intc@17a00000";
    CHECK(prop(dtb, gic, "compatible") == str("arm,gic-v3"));
    CHECK(prop(dtb, gic, "#interrupt-cells") == cells({3}));
    CHECK(has_prop(dtb, gic, "interrupt-controller"));
    CHECK(prop(dtb, gic, "#address-cells") == cells({2}));
    CHECK(prop(dtb, gic, "#size-cells") == cells({2}));
    CHECK(has_prop(dtb, gic, "ranges"));
    CHECK(prop(dtb, gic, "reg") == u64s({0x17a00000, 0x10000, 0x17a60000, 4 * 0x20000}));
    CHECK(fdt_node_offset_by_phandle(dtb.data(), vmm::gic_phandle) == node(dtb, gic));
}

TEST_CASE("vmm dt: timer, clock and the PL011 on SPI 2, edge", "[vmm]")
{
    const auto dtb = build(description());
    CHECK(prop(dtb, "/timer", "compatible") == str("arm,armv8-timer"));
    CHECK(prop(dtb, "/timer", "interrupts") == cells({1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4}));
    CHECK(has_prop(dtb, "/timer", "always-on"));

    CHECK(prop(dtb, "/apb-pclk", "compatible") == str("fixed-clock"));
    CHECK(prop(dtb, "/apb-pclk", "#clock-cells") == cells({0}));
    CHECK(prop(dtb, "/apb-pclk", "clock-frequency") == cells({24000000}));
    CHECK(prop(dtb, "/apb-pclk", "clock-output-names") == str("clk24mhz"));
    CHECK(fdt_node_offset_by_phandle(dtb.data(), vmm::clock_phandle) == node(dtb, "/apb-pclk"));

    const char* uart = "/pl011@9100000";
    CHECK(prop(dtb, uart, "compatible") == strs("arm,pl011\0arm,primecell"));
    CHECK(prop(dtb, uart, "reg") == u64s({0x09100000, 0x1000}));
    CHECK(prop(dtb, uart, "interrupts") == cells({0, 2, 1}));
    CHECK(prop(dtb, uart, "clocks") == cells({vmm::clock_phandle, vmm::clock_phandle}));
    CHECK(prop(dtb, uart, "clock-names") == strs("uartclk\0apb_pclk"));
}

TEST_CASE("vmm dt: /chosen with bootargs, stdout-path and the initrd only when there is one", "[vmm]")
{
    vmm::VmDescription vm = description();
    auto dtb = build(vm);
    CHECK(prop(dtb, "/chosen", "bootargs") == str("console=ttyAMA0 panic=-1"));
    CHECK(prop(dtb, "/chosen", "stdout-path") == str("/pl011@9100000"));
    CHECK_FALSE(has_prop(dtb, "/chosen", "linux,initrd-start"));
    CHECK_FALSE(has_prop(dtb, "/chosen", "linux,initrd-end"));
    // stdout-path names a node that exists.
    CHECK(fdt_path_offset(dtb.data(), "/pl011@9100000") >= 0);

    vm.has_initrd = true;
    vm.initrd_start = 0x82000000;
    vm.initrd_end = 0x82345678;
    dtb = build(vm);
    CHECK(prop(dtb, "/chosen", "linux,initrd-start") == u64s({0x82000000}));
    CHECK(prop(dtb, "/chosen", "linux,initrd-end") == u64s({0x82345678}));
}

TEST_CASE("vmm dt: /gunyah-vm-config as the resource manager reads it", "[vmm]")
{
    const auto dtb = build(description(2));
    CHECK(prop(dtb, "/gunyah-vm-config", "image-name") == str("linux"));
    CHECK(prop(dtb, "/gunyah-vm-config", "os-type") == str("linux"));
    CHECK(prop(dtb, "/gunyah-vm-config/memory", "#address-cells") == cells({2}));
    CHECK(prop(dtb, "/gunyah-vm-config/memory", "#size-cells") == cells({2}));
    CHECK(prop(dtb, "/gunyah-vm-config/memory", "base-address") == u64s({0x80000000}));
    CHECK(prop(dtb, "/gunyah-vm-config/memory", "size-max") == u64s({256ull << 20}));
    CHECK(prop(dtb, "/gunyah-vm-config/vcpus", "affinity") == str("proxy"));
    const char* bell = "/gunyah-vm-config/vdevices/console-rx";
    CHECK(prop(dtb, bell, "vdevice-type") == str("doorbell"));
    CHECK(prop(dtb, bell, "generate") == str("/hypervisor/bell-console"));
    CHECK(prop(dtb, bell, "qcom,label") == cells({vmm::console_doorbell_label}));
    CHECK(has_prop(dtb, bell, "peer-default"));
    // The RM takes the second cell as the INTID itself (Gunyah's parser): 34 is SPI 2.
    CHECK(prop(dtb, bell, "interrupts") == cells({0, 34, 1}));

    hyp::rm::Diagnostic diag;
    auto config = hyp::rm::read_secondary_dt(dtb.data(), dtb.size(), 8, diag);
    INFO(diag.c_str());
    REQUIRE(config);
    CHECK(config.value().vcpu_count == 2);
    CHECK(config.value().has_mem_base);
    CHECK(config.value().mem_base == 0x80000000);
    CHECK(config.value().proxy);
    REQUIRE(config.value().doorbell_count == 1);
    const hyp::rm::DoorbellConfig& db = config.value().doorbells[0];
    CHECK_FALSE(db.source);
    CHECK(db.label == vmm::console_doorbell_label);
    CHECK(std::string{db.name} == "bell-console");
    CHECK(db.intid == vmm::console_intid);
    CHECK(hyp::rm::check_vm_doorbells(config.value(), 3, diag) == GUNYAH_RM_OK);
}

TEST_CASE("vmm dt: the RM's /hypervisor fits beside it in the 64 KiB window, doorbell on the PL011's SPI", "[vmm]")
{
    vmm::VmDescription vm = description(8);
    vm.cmdline = std::string(2000, 'x');
    const auto dtb = build(vm);
    std::vector<std::uint8_t> window(64 * 1024, 0);
    std::memcpy(window.data(), dtb.data(), dtb.size());

    hyp::rm::SecondaryDtNodes nodes;
    nodes.vmid = 3;
    nodes.owner_vmid = 1;
    nodes.link = {true, 0x10, 0x11, 62, 63, 3, 240, 8};
    nodes.doorbells[0] = hyp::rm::DoorbellNode{"bell-console", false, 0x12, vmm::console_intid,
                                               vmm::console_doorbell_label};
    nodes.doorbell_count = 1;
    hyp::rm::Diagnostic diag;
    const hyp::Status written = hyp::rm::write_secondary_dt(window.data(), window.size(), nodes, diag);
    INFO(diag.c_str());
    REQUIRE(written);
    REQUIRE(fdt_check_full(window.data(), window.size()) == 0);
    // The guest sees the doorbell on the same SPI as the PL011.
    const int bell = fdt_path_offset(window.data(), "/hypervisor/bell-console@12");
    REQUIRE(bell >= 0);
    int len = 0;
    const void* irq = fdt_getprop(window.data(), bell, "interrupts", &len);
    REQUIRE(irq != nullptr);
    CHECK(std::string(static_cast<const char*>(irq), len) == cells({0, vmm::console_spi, 1}));
}

TEST_CASE("vmm dt: a command line too long for the window is refused with the size", "[vmm]")
{
    vmm::VmDescription vm = description();
    std::vector<std::uint8_t> dtb;
    std::string error;
    vm.cmdline = std::string(vmm::max_dt_size, 'x');
    CHECK_FALSE(vmm::build_dt(vm, dtb, error));
    CHECK(error.find("at most 61440") != std::string::npos);
    vm.cmdline = std::string(4 * vmm::max_dt_size, 'x');
    CHECK_FALSE(vmm::build_dt(vm, dtb, error));
    CHECK(error.find("--cmdline") != std::string::npos);
}
