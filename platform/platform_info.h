// What the hypervisor knows about the machine it runs on, as discovered once at cold
// boot from the device tree (platform/dt/discover.h). Plain data with fixed capacity:
// discovery runs before any allocator exists, and the host tests fill it from real
// SoC device trees.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"

namespace hyp::platform {

inline constexpr std::size_t max_memory_ranges = 32;
inline constexpr std::size_t max_reserved_ranges = 64;
inline constexpr std::size_t max_cpus = 64;
inline constexpr std::size_t max_redistributor_regions = 8;
inline constexpr std::size_t max_boot_modules = 8;
inline constexpr std::size_t max_kept_devices = 32;

// A string that lives inside the device-tree blob (not NUL-terminated in general).
struct DtString {
    const char* data = nullptr;
    std::size_t length = 0;

    [[nodiscard]] constexpr bool empty() const { return length == 0; }
};

struct CpuInfo {
    std::uint64_t mpidr = 0;  // affinity fields Aff3..Aff0 as in MPIDR_EL1 (from `reg`)
    DtString enable_method;   // "psci", "spin-table", ... (empty when absent)
};

enum class GicVersion : std::uint8_t { none, v2, v3, v4, unknown };

struct GicInfo {
    GicVersion version = GicVersion::none;
    DtString compatible;
    PhysRange distributor;
    PhysRange redistributor_regions[max_redistributor_regions];
    std::size_t redistributor_region_count = 0;
    std::uint64_t redistributor_stride = 0;  // 0: frames are packed (the default)
    std::uint32_t maintenance_intid = 0;     // 0 when the DT gives none
    // SPIs the tree says are edge-triggered (a specifier's flags 1 or 2), one bit per
    // INTID 32..1019 from bit 0: distributor bring-up configures them so (the rest stay
    // level), for the VMs whose devices they are (kernel/object/hwirq.h). From
    // `interrupts` only (platform/dt/discover_triggers.cpp); a node whose `interrupts` do
    // not parse is skipped and counted.
    std::uint32_t edge_spis[31] = {};
    std::size_t trigger_nodes_skipped = 0;
};

enum class ConsoleKind : std::uint8_t {
    none,         // no console node found
    pl011,        // "arm,pl011": we have a driver
    geni,         // "qcom,geni-debug-uart": Qualcomm GENI UART (platform/qcom/geni_uart.h)
    unsupported,  // a console node exists but we have no driver for it (reported)
};

struct ConsoleInfo {
    ConsoleKind kind = ConsoleKind::none;
    DtString compatible;  // first compatible string of the node
    DtString path;        // node path as written in /chosen/stdout-path or found by search
    PhysRange regs;
    std::uint32_t intid = 0;  // GIC INTID of its interrupt, 0 when none
};

// The architected timer's interrupts as GIC INTIDs (PPIs are 16..31).
struct TimerInfo {
    bool present = false;
    std::uint32_t secure_phys_intid = 0;
    std::uint32_t nonsecure_phys_intid = 0;
    std::uint32_t virt_intid = 0;
    std::uint32_t hyp_phys_intid = 0;
    std::uint32_t frequency_hz = 0;  // from `clock-frequency`, 0 when the counter's CNTFRQ is to be used
};

enum class PsciMethod : std::uint8_t { none, smc, hvc };

struct PsciInfo {
    PsciMethod method = PsciMethod::none;
    DtString compatible;
};

// `other` is 0 so that an unused BootModule is all-zero bytes, and with it the kernel's
// constinit PlatformInfo (3.7 KB, in .bss rather than in the image's .data).
enum class ModuleKind : std::uint8_t { other, kernel, ramdisk };

// A /chosen/module@* node, as QEMU's guest-loader writes them ("multiboot,module").
struct BootModule {
    ModuleKind kind = ModuleKind::other;
    PhysRange range;
    DtString bootargs;
};

struct PlatformInfo {
    DtString model;

    PhysRange memory[max_memory_ranges];
    std::size_t memory_count = 0;

    // /memreserve/ entries and /reserved-memory children with a `reg`.
    PhysRange reserved[max_reserved_ranges];
    std::size_t reserved_count = 0;

    CpuInfo cpus[max_cpus];
    std::size_t cpu_count = 0;        // recorded in cpus[]
    std::size_t cpu_nodes_found = 0;  // may exceed cpu_count when over max_cpus

    GicInfo gic;
    ConsoleInfo console;
    TimerInfo timer;
    PsciInfo psci;

    // MMIO the hypervisor keeps from every VM (platform/dt/discover_kept_devices.cpp):
    // the GIC's ranges, the console's and every SMMU's. Unsorted; may overlap.
    PhysRange kept_devices[max_kept_devices];
    std::size_t kept_device_count = 0;

    BootModule modules[max_boot_modules];
    std::size_t module_count = 0;

    DtString bootargs;  // /chosen/bootargs: the hypervisor's own command line
};

}  // namespace hyp::platform
