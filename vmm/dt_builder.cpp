// Building the secondary VM's device tree with libfdt's sequential writer (see
// dt_builder.h).
#include "vmm/dt_builder.h"

#include <cstdio>

#include "vmm/libfdt.h"
#include "vmm/platform.h"
#include "vmm/primary_gic.h"

namespace vmm {
namespace {

// GIC interrupt specifiers (arm,gic-v3 binding): type, number, flags.
constexpr std::uint32_t irq_spi = 0;
constexpr std::uint32_t irq_ppi = 1;
constexpr std::uint32_t irq_edge_rising = 1;
constexpr std::uint32_t irq_level_high = 4;
// The architected timer's PPIs (INTID - 16): secure, non-secure, virtual, hypervisor.
constexpr std::uint32_t timer_ppis[] = {13, 14, 11, 10};

constexpr char console_path[] = "/pl011@9100000";

// Sequential writes that remember the first error, so that the builder reads as the
// tree it writes and checks once.
class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& buffer) : buf_(buffer.data())
    {
        step(fdt_create(buf_, static_cast<int>(buffer.size())));
        step(fdt_finish_reservemap(buf_));
    }

    void begin(const char* name) { step(fdt_begin_node(buf_, name)); }
    void end() { step(fdt_end_node(buf_)); }
    void empty(const char* name) { step(fdt_property(buf_, name, nullptr, 0)); }
    void u32(const char* name, std::uint32_t v) { step(fdt_property_u32(buf_, name, v)); }
    void string(const char* name, const char* v) { step(fdt_property_string(buf_, name, v)); }
    // A string list: the literal's embedded NULs separate the strings.
    template <std::size_t N>
    void strings(const char* name, const char (&list)[N])
    {
        step(fdt_property(buf_, name, list, N));
    }
    void cells(const char* name, std::initializer_list<std::uint32_t> values)
    {
        std::vector<fdt32_t> be;
        for (std::uint32_t v : values) {
            be.push_back(cpu_to_fdt32(v));
        }
        step(fdt_property(buf_, name, be.data(), static_cast<int>(be.size() * sizeof(fdt32_t))));
    }
    // 64-bit values as two cells each (#address-cells = #size-cells = 2).
    void pairs(const char* name, std::initializer_list<std::uint64_t> values)
    {
        std::vector<fdt32_t> be;
        for (std::uint64_t v : values) {
            be.push_back(cpu_to_fdt32(static_cast<std::uint32_t>(v >> 32)));
            be.push_back(cpu_to_fdt32(static_cast<std::uint32_t>(v)));
        }
        step(fdt_property(buf_, name, be.data(), static_cast<int>(be.size() * sizeof(fdt32_t))));
    }
    void u64(const char* name, std::uint64_t v) { step(fdt_property_u64(buf_, name, v)); }

    int finish()
    {
        step(fdt_finish(buf_));
        if (error_ == 0) {
            step(fdt_pack(buf_));
        }
        return error_;
    }

private:
    void step(int result)
    {
        if (result < 0 && error_ == 0) {
            error_ = result;
        }
    }

    void* buf_;
    int error_ = 0;
};

std::string node_name(const char* prefix, std::uint64_t address)
{
    char name[48];
    std::snprintf(name, sizeof name, "%s@%llx", prefix, static_cast<unsigned long long>(address));
    return name;
}

void write_cpus(Writer& w, unsigned cpus)
{
    w.begin("cpus");
    w.u32("#address-cells", 1);
    w.u32("#size-cells", 0);
    for (unsigned i = 0; i < cpus; ++i) {
        w.begin(node_name("cpu", i).c_str());
        w.string("device_type", "cpu");
        w.string("compatible", "arm,armv8");
        w.u32("reg", i);
        w.string("enable-method", "psci");
        w.end();
    }
    w.end();
}

void write_gic(Writer& w, const VmDescription& vm)
{
    w.begin(node_name("intc", vm.gicd_base).c_str());
    w.string("compatible", "arm,gic-v3");
    w.u32("#interrupt-cells", 3);
    w.empty("interrupt-controller");
    w.u32("#address-cells", 2);
    w.u32("#size-cells", 2);
    w.empty("ranges");
    w.pairs("reg", {vm.gicd_base, vm.gicd_size, vm.gicr_base, gicr_stride * vm.cpus});
    w.u32("phandle", gic_phandle);
    w.end();
}

void write_devices(Writer& w)
{
    w.begin("timer");
    w.string("compatible", "arm,armv8-timer");
    w.cells("interrupts", {irq_ppi, timer_ppis[0], irq_level_high, irq_ppi, timer_ppis[1], irq_level_high,
                           irq_ppi, timer_ppis[2], irq_level_high, irq_ppi, timer_ppis[3], irq_level_high});
    w.empty("always-on");
    w.end();

    w.begin("apb-pclk");
    w.string("compatible", "fixed-clock");
    w.u32("#clock-cells", 0);
    w.u32("clock-frequency", console_clock_hz);
    w.string("clock-output-names", "clk24mhz");
    w.u32("phandle", clock_phandle);
    w.end();

    // The AMBA bus matches the driver by the PrimeCell IDs it reads from the device, and
    // enables apb_pclk first. The interrupt is an edge: a doorbell raises it.
    w.begin(console_path + 1);
    w.strings("compatible", "arm,pl011\0arm,primecell");
    w.pairs("reg", {console_base, console_size});
    w.cells("interrupts", {irq_spi, console_spi, irq_edge_rising});
    w.cells("clocks", {clock_phandle, clock_phandle});
    w.strings("clock-names", "uartclk\0apb_pclk");
    w.end();
}

void write_chosen(Writer& w, const VmDescription& vm)
{
    w.begin("chosen");
    w.string("bootargs", vm.cmdline.c_str());
    w.string("stdout-path", console_path);
    if (vm.has_initrd) {
        w.u64("linux,initrd-start", vm.initrd_start);
        w.u64("linux,initrd-end", vm.initrd_end);
    }
    w.end();
}

// What the RM reads (rm/dt/secondary_dt.cpp, docs/rm-secondary-vms.md): where the RAM
// parcel is mapped, proxy scheduling (the vCPUs run only in GH_VCPU_RUN, so MMIO exits
// reach the VMM) and the doorbell that raises the console's interrupt. The RM reads the
// doorbell's `interrupts` second cell as the INTID itself (as Gunyah's config parser
// does), unlike the GIC binding's SPI number in the PL011 node.
void write_vm_config(Writer& w, const VmDescription& vm)
{
    w.begin("gunyah-vm-config");
    w.string("image-name", "linux");
    w.string("os-type", "linux");

    w.begin("memory");
    w.u32("#address-cells", 2);
    w.u32("#size-cells", 2);
    w.pairs("base-address", {vm.ram_base});
    w.pairs("size-max", {vm.ram_size});
    w.end();

    w.begin("vcpus");
    w.string("affinity", "proxy");
    w.end();

    w.begin("vdevices");
    w.begin("console-rx");
    w.string("vdevice-type", "doorbell");
    w.string("generate", "/hypervisor/bell-console");
    w.u32("qcom,label", console_doorbell_label);
    w.empty("peer-default");
    w.cells("interrupts", {irq_spi, console_intid, irq_edge_rising});
    w.end();
    w.end();

    w.end();
}

}  // namespace

bool build_dt(const VmDescription& vm, std::vector<std::uint8_t>& out, std::string& error)
{
    // Built in a buffer larger than allowed so that "too large" is told with its size.
    std::vector<std::uint8_t> buffer(2 * max_dt_size);
    Writer w(buffer);
    w.begin("");
    w.u32("#address-cells", 2);
    w.u32("#size-cells", 2);
    w.string("compatible", "linux,dummy-virt");
    w.u32("interrupt-parent", gic_phandle);

    write_cpus(w, vm.cpus);
    w.begin("psci");
    w.strings("compatible", "arm,psci-1.0\0arm,psci-0.2");
    w.string("method", "hvc");
    w.end();
    w.begin(node_name("memory", vm.ram_base).c_str());
    w.string("device_type", "memory");
    w.pairs("reg", {vm.ram_base, vm.ram_size});
    w.end();
    write_gic(w, vm);
    write_devices(w);
    write_chosen(w, vm);
    write_vm_config(w, vm);
    w.end();

    if (int e = w.finish(); e != 0) {
        error = std::string{"building the device tree: "} + fdt_strerror(e) +
                (e == -FDT_ERR_NOSPACE ? " (is --cmdline very long?)" : "");
        return false;
    }
    const std::size_t size = fdt_totalsize(buffer.data());
    if (size > max_dt_size) {
        error = "the device tree is " + std::to_string(size) + " bytes: at most " + std::to_string(max_dt_size) +
                " leave the resource manager room in its 64 KiB (is --cmdline very long?)";
        return false;
    }
    buffer.resize(size);
    out = std::move(buffer);
    return true;
}

}  // namespace vmm
