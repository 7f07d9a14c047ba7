// The primary VM's device tree (see primary_dt.h). Node by node in the order Linux's
// binding documents list them; properties and values as QEMU's virt machine writes them
// (interrupt flags 4 = level, high), since that is the tree Linux's arm64 defconfig
// boots every day.
#include "rm/dt/primary_dt.h"

#include "hyp_api/psci.h"
#include "rm/dt/fdt_writer.h"
#include "hyp_api/vcpu_mpidr.h"

namespace hyp::rm {
namespace {

constexpr std::uint64_t mpidr_affinity_mask = 0xff00ffffffull;

// GIC interrupt specifiers: <type number flags>.
constexpr std::uint32_t gic_spi = 0;
constexpr std::uint32_t gic_ppi = 1;
constexpr std::uint32_t irq_level_high = 4;
constexpr std::uint32_t irq_edge_rising = 1;
constexpr std::uint32_t first_ppi = 16;
constexpr std::uint32_t first_spi = 32;
constexpr std::uint32_t last_spi = 1019;

constexpr bool is_ppi(std::uint32_t intid) { return intid >= first_ppi && intid < first_spi; }
constexpr bool is_spi(std::uint32_t intid) { return intid >= first_spi && intid <= last_spi; }

IpaRange redistributors(const PrimaryDtConfig& config)
{
    return IpaRange{config.gic_redistributor_base, gic_redistributor_size(config.vcpu_count)};
}

Status check_vcpus(const PrimaryDtConfig& config, Diagnostic& diag)
{
    if (config.vcpu_count == 0 || config.vcpu_count > primary_max_vcpus) {
        return refuse(diag, Error::arg_inval, "primary VM has {} vCPUs; 1 to {} are supported", config.vcpu_count,
                      primary_max_vcpus);
    }
    for (std::size_t i = 0; i < config.vcpu_count; ++i) {
        std::uint64_t mpidr = config.vcpu_mpidrs[i];
        if ((mpidr & ~mpidr_affinity_mask) != 0) {
            return refuse(diag, Error::arg_inval, "vCPU {} MPIDR {:#x} has bits outside the affinity fields", i, mpidr);
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (config.vcpu_mpidrs[j] == mpidr) {
                return refuse(diag, Error::arg_inval, "vCPUs {} and {} share MPIDR {:#x}", j, i, mpidr);
            }
        }
    }
    return success();
}

// The /hypervisor node's interrupts: two distinct SPIs.
Status check_rm_link(const RmLinkNode& link, Diagnostic& diag)
{
    if (!is_spi(link.tx_intid) || !is_spi(link.rx_intid)) {
        return refuse(diag, Error::arg_inval, "RM queue interrupts {} and {} must both be SPIs (32..1019)",
                      link.tx_intid, link.rx_intid);
    }
    if (link.tx_intid == link.rx_intid) {
        return refuse(diag, Error::arg_inval, "RM queue interrupts are both {}", link.tx_intid);
    }
    return success();
}

Status check_intids(const PrimaryDtConfig& config, Diagnostic& diag)
{
    const struct {
        const char* name;
        std::uint32_t intid;
    } ppis[] = {
        {"GIC maintenance", config.gic_maintenance_intid},
        {"secure physical timer", config.timer.secure_phys},
        {"non-secure physical timer", config.timer.nonsecure_phys},
        {"virtual timer", config.timer.virt},
        {"hypervisor physical timer", config.timer.hyp_phys},
    };
    for (const auto& ppi : ppis) {
        if (!is_ppi(ppi.intid)) {
            return refuse(diag, Error::arg_inval, "{} interrupt {} is not a PPI (16..31)", ppi.name, ppi.intid);
        }
    }
    if (!is_spi(config.uart_intid)) {
        return refuse(diag, Error::arg_inval, "UART interrupt {} is not an SPI (32..1019)", config.uart_intid);
    }
    const RmLinkNode& link = config.rm_link;
    if (link.present) {
        Status s = check_rm_link(link, diag);
        if (!s) {
            return s;
        }
        if (link.tx_intid == config.uart_intid || link.rx_intid == config.uart_intid) {
            return refuse(diag, Error::arg_inval, "RM queue interrupts {} and {} collide with the UART's {}",
                          link.tx_intid, link.rx_intid, config.uart_intid);
        }
    }
    return success();
}

// RAM and the three device regions: each non-empty, none overlapping, none reaching
// 2^64 (whose end, such as an initrd's end in RAM, no 64-bit cell could hold).
Status check_regions(const PrimaryDtConfig& config, Diagnostic& diag)
{
    const struct {
        const char* name;
        IpaRange range;
    } regions[] = {
        {"RAM", config.ram},
        {"GIC distributor", config.gic_distributor},
        {"GIC redistributors", redistributors(config)},
        {"UART", config.uart},
    };
    constexpr std::size_t count = sizeof regions / sizeof regions[0];
    for (std::size_t i = 0; i < count; ++i) {
        const IpaRange& range = regions[i].range;
        if (range.empty() || !range.well_formed() || (range.base + (range.size - 1)).raw() == ~std::uint64_t{0}) {
            return refuse(diag, Error::arg_inval, "{} [{:#x}, +{:#x}) is empty or wraps", regions[i].name,
                          range.base.raw(), range.size);
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (range.overlaps(regions[j].range)) {
                return refuse(diag, Error::arg_inval, "{} [{:#x}, +{:#x}) overlaps {} [{:#x}, +{:#x})", regions[i].name,
                              range.base.raw(), range.size, regions[j].name, regions[j].range.base.raw(),
                              regions[j].range.size);
            }
        }
    }
    const IpaRange& initrd = config.initrd;
    if (!initrd.empty()) {
        bool inside = initrd.well_formed() && config.ram.contains(initrd.base) &&
                      initrd.size - 1 <= config.ram.base.raw() + (config.ram.size - 1) - initrd.base.raw();
        if (!inside) {
            return refuse(diag, Error::arg_inval, "initrd [{:#x}, +{:#x}) is not inside RAM", initrd.base.raw(),
                          initrd.size);
        }
    }
    if (config.uart_clock_hz == 0) {
        return refuse(diag, Error::arg_inval, "UART clock frequency is 0");
    }
    return success();
}

void write_root(FdtWriter& out)
{
    out.property_string("model", "Gunyah primary VM");
    out.property_string("compatible", "gunyah,primary-vm");
    out.property_u32("#address-cells", 2);
    out.property_u32("#size-cells", 2);
    out.property_u32("interrupt-parent", primary_dt_gic_phandle);
}

void write_memory(FdtWriter& out, const PrimaryDtConfig& config)
{
    out.begin_node_at("memory", config.ram.base.raw());
    out.property_string("device_type", "memory");
    out.property_reg("reg", config.ram.base.raw(), config.ram.size);
    out.end_node();
}

void write_cpus(FdtWriter& out, const PrimaryDtConfig& config)
{
    // One cell holds Aff2..Aff0, all our convention uses; Aff3 needs a second cell.
    bool two_cells = false;
    for (std::size_t i = 0; i < config.vcpu_count; ++i) {
        two_cells = two_cells || (config.vcpu_mpidrs[i] >> 32) != 0;
    }
    out.begin_node("cpus");
    out.property_u32("#address-cells", two_cells ? 2 : 1);
    out.property_u32("#size-cells", 0);
    for (std::size_t i = 0; i < config.vcpu_count; ++i) {
        std::uint64_t mpidr = config.vcpu_mpidrs[i];
        out.begin_node_at("cpu", mpidr);
        out.property_string("device_type", "cpu");
        out.property_string("compatible", "arm,armv8");
        if (two_cells) {
            out.property_u64("reg", mpidr);
        } else {
            out.property_u32("reg", static_cast<std::uint32_t>(mpidr));
        }
        out.property_string("enable-method", "psci");
        out.end_node();
    }
    out.end_node();
}

void write_psci(FdtWriter& out)
{
    out.begin_node("psci");
    out.property_strings("compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
    out.property_string("method", "hvc");
    // The "arm,psci" (0.1) binding names its functions; 0.2 and later use these ids.
    out.property_u32("cpu_suspend", PSCI_FN_CPU_SUSPEND_64);
    out.property_u32("cpu_off", PSCI_FN_CPU_OFF);
    out.property_u32("cpu_on", PSCI_FN_CPU_ON_64);
    out.end_node();
}

void write_timer(FdtWriter& out, const PrimaryDtConfig& config)
{
    const TimerIntids& timer = config.timer;
    const std::uint32_t interrupts[] = {
        gic_ppi, timer.secure_phys - first_ppi,    irq_level_high,
        gic_ppi, timer.nonsecure_phys - first_ppi, irq_level_high,
        gic_ppi, timer.virt - first_ppi,           irq_level_high,
        gic_ppi, timer.hyp_phys - first_ppi,       irq_level_high,
    };
    out.begin_node("timer");
    out.property_string("compatible", "arm,armv8-timer");
    out.property_cells("interrupts", interrupts);
    out.property_empty("always-on");
    out.end_node();
}

void write_gic(FdtWriter& out, const PrimaryDtConfig& config)
{
    IpaRange gicd = config.gic_distributor;
    IpaRange gicr = redistributors(config);
    const std::uint32_t reg[] = {
        static_cast<std::uint32_t>(gicd.base.raw() >> 32), static_cast<std::uint32_t>(gicd.base.raw()),
        static_cast<std::uint32_t>(gicd.size >> 32),       static_cast<std::uint32_t>(gicd.size),
        static_cast<std::uint32_t>(gicr.base.raw() >> 32), static_cast<std::uint32_t>(gicr.base.raw()),
        static_cast<std::uint32_t>(gicr.size >> 32),       static_cast<std::uint32_t>(gicr.size),
    };
    const std::uint32_t maintenance[] = {gic_ppi, config.gic_maintenance_intid - first_ppi, irq_level_high};
    out.begin_node_at("intc", gicd.base.raw());
    out.property_string("compatible", "arm,gic-v3");
    out.property_u32("#interrupt-cells", 3);
    // No children (no ITS yet); dtc wants an interrupt provider to say so.
    out.property_u32("#address-cells", 0);
    out.property_empty("interrupt-controller");
    out.property_u32("#redistributor-regions", 1);
    out.property_cells("reg", reg);
    out.property_cells("interrupts", maintenance);
    out.property_u32("phandle", primary_dt_gic_phandle);
    out.end_node();
}

void write_uart(FdtWriter& out, const UartNode& uart)
{
    const std::uint32_t interrupts[] = {gic_spi, uart.intid - first_spi, irq_level_high};
    const std::uint32_t clocks[] = {uart.clock_phandle, uart.clock_phandle};
    out.begin_node_at("pl011", uart.regs.base.raw());
    out.property_strings("compatible", "arm,pl011\0arm,primecell");
    out.property_reg("reg", uart.regs.base.raw(), uart.regs.size);
    out.property_cells("interrupts", interrupts);
    // Linux's amba-pl011 driver will not probe without its bus clock, apb_pclk.
    out.property_cells("clocks", clocks);
    out.property_strings("clock-names", "uartclk\0apb_pclk");
    out.end_node();

    out.begin_node(uart.clock_node);
    out.property_string("compatible", "fixed-clock");
    out.property_u32("#clock-cells", 0);
    out.property_u32("clock-frequency", uart.clock_hz);
    out.property_string("clock-output-names", "apb_pclk");
    out.property_u32("phandle", uart.clock_phandle);
    out.end_node();
}

// gunyah-abi.md's /hypervisor node. Compatible strings: the ones Linux's Gunyah drivers
// match (the series' "gunyah-hypervisor" and "gunyah-resource-manager", with v6's
// "-1-0" form) and those Qualcomm's RM writes, so that both kinds of client find it.
// reg holds the two capability ids as 64-bit values (#address-cells 2, #size-cells 0).
void write_hypervisor(FdtWriter& out, const RmLinkNode& link)
{
    out.begin_node("hypervisor");
    out.property_strings("compatible", "gunyah-hypervisor\0qcom,gunyah-hypervisor-1.0\0qcom,gunyah-hypervisor\0"
                                       "simple-bus");
    out.property_u32("#address-cells", 2);
    out.property_u32("#size-cells", 0);

    out.begin_node("qcom,gunyah-vm");
    out.property_strings("compatible", "qcom,gunyah-vm-id-1.0\0qcom,gunyah-vm-id");
    out.property_u32("qcom,vmid", link.vmid);
    out.end_node();

    const std::uint32_t reg[] = {
        static_cast<std::uint32_t>(link.tx_cap >> 32), static_cast<std::uint32_t>(link.tx_cap),
        static_cast<std::uint32_t>(link.rx_cap >> 32), static_cast<std::uint32_t>(link.rx_cap),
    };
    const std::uint32_t interrupts[] = {
        gic_spi, link.tx_intid - first_spi, irq_edge_rising,
        gic_spi, link.rx_intid - first_spi, irq_edge_rising,
    };
    out.begin_node_at("gunyah-resource-mgr", link.tx_cap);
    out.property_strings("compatible", "gunyah-resource-manager-1-0\0gunyah-resource-manager\0"
                                       "qcom,resource-manager-1-0\0qcom,resource-manager");
    out.property_cells("reg", reg);
    out.property_cells("interrupts", interrupts);
    out.property_empty("qcom,is-full-duplex");
    out.property_u32("qcom,tx-message-size", link.message_size);
    out.property_u32("qcom,rx-message-size", link.message_size);
    out.property_u32("qcom,tx-queue-depth", link.queue_depth);
    out.property_u32("qcom,rx-queue-depth", link.queue_depth);
    out.end_node();
    out.end_node();
}

void write_chosen(FdtWriter& out, const PrimaryDtConfig& config)
{
    char stdout_path[48];
    fmt::format_buffer(stdout_path, sizeof stdout_path, "/pl011@{:x}", config.uart.base.raw());
    out.begin_node("chosen");
    if (config.bootargs != nullptr && config.bootargs[0] != '\0') {
        out.property_string("bootargs", config.bootargs);
    }
    out.property_string("stdout-path", stdout_path);
    if (!config.initrd.empty()) {
        // Two cells each, as the root's #address-cells; Linux reads the end as exclusive.
        out.property_u64("linux,initrd-start", config.initrd.base.raw());
        out.property_u64("linux,initrd-end", config.initrd.end().raw());
    }
    out.end_node();
}

}  // namespace

void set_vcpus(PrimaryDtConfig& config, std::size_t count)
{
    config.vcpu_count = count;
    for (std::size_t i = 0; i < count && i < primary_max_vcpus; ++i) {
        config.vcpu_mpidrs[i] = hyp_abi::vcpu_mpidr(static_cast<std::uint32_t>(i));
    }
}

Result<std::size_t> build_primary_dt(const PrimaryDtConfig& config, void* buffer, std::size_t capacity,
                                     Diagnostic& diag)
{
    Status status = check_vcpus(config, diag);
    if (status) {
        status = check_intids(config, diag);
    }
    if (status) {
        status = check_regions(config, diag);
    }
    if (!status) {
        return fail(status.error());
    }

    FdtWriter out{buffer, capacity};
    out.begin_node("");
    write_root(out);
    write_memory(out, config);
    write_cpus(out, config);
    write_psci(out);
    write_timer(out, config);
    write_gic(out, config);
    write_uart(out, UartNode{config.uart, config.uart_intid, config.uart_clock_hz, primary_dt_uart_clock_phandle,
                             "apb-pclk"});
    if (config.rm_link.present) {
        write_hypervisor(out, config.rm_link);
    }
    write_chosen(out, config);
    out.end_node();
    return out.finish(diag);
}

Result<std::size_t> build_hypervisor_dt(const RmLinkNode& link, void* buffer, std::size_t capacity, Diagnostic& diag)
{
    if (!link.present) {
        return refuse(diag, Error::arg_inval, "no /hypervisor node was asked for");
    }
    Status status = check_rm_link(link, diag);
    if (!status) {
        return fail(status.error());
    }
    FdtWriter out{buffer, capacity};
    out.begin_node("");
    write_hypervisor(out, link);
    out.end_node();
    return out.finish(diag);
}

Result<std::size_t> build_uart_dt(const UartNode& uart, void* buffer, std::size_t capacity, Diagnostic& diag)
{
    if (!is_spi(uart.intid)) {
        return refuse(diag, Error::arg_inval, "UART interrupt {} is not an SPI (32..1019)", uart.intid);
    }
    if (uart.regs.empty() || uart.clock_hz == 0 || uart.clock_phandle == 0 || uart.clock_phandle == ~std::uint32_t{0} ||
        uart.clock_node == nullptr) {
        return refuse(diag, Error::arg_inval, "UART [{:#x}, +{:#x}) with clock {} Hz, phandle {:#x}: none may be 0",
                      uart.regs.base.raw(), uart.regs.size, uart.clock_hz, uart.clock_phandle);
    }
    FdtWriter out{buffer, capacity};
    out.begin_node("");
    write_uart(out, uart);
    out.end_node();
    return out.finish(diag);
}

}  // namespace hyp::rm
