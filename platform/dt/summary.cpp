// Boot-time summary of the discovered platform (see summary.h). Every line starts with
// "platform:" so logs and tests can pick them out.
#include "platform/dt/summary.h"

#include "support/format.h"
#include "kernel/core/log.h"
#include "platform/dt/names.h"

namespace hyp::platform {
namespace {

constexpr std::uint64_t mib = 1024 * 1024;

// Many CPUs: list their MPIDRs several to a line.
void print_cpus(const PlatformInfo& info)
{
    log::info("platform: {} cpu(s) in the device tree{}", info.cpu_nodes_found,
              info.cpu_nodes_found > info.cpu_count ? " (more than this build supports)" : "");
    constexpr std::size_t per_line = 8;
    for (std::size_t first = 0; first < info.cpu_count; first += per_line) {
        char line[160];
        fmt::BufferSink sink{line, sizeof line};
        for (std::size_t i = first; i < info.cpu_count && i < first + per_line; ++i) {
            fmt::format_to(sink, " {:#x}", info.cpus[i].mpidr);
        }
        log::info("platform:   mpidr{}", fmt::StrView{line, sink.length()});
    }
}

void print_gic(const GicInfo& gic)
{
    if (gic.version == GicVersion::none) {
        log::info("platform: interrupt controller: none found");
        return;
    }
    log::info("platform: {} ({}) distributor {:#x} size {:#x}", gic_version_name(gic.version), gic.compatible,
              gic.distributor.base, gic.distributor.size);
    for (std::size_t i = 0; i < gic.redistributor_region_count; ++i) {
        const PhysRange& r = gic.redistributor_regions[i];
        log::info("platform:   redistributors {:#x} size {:#x}", r.base, r.size);
    }
    unsigned edges = 0;
    for (std::uint32_t word : gic.edge_spis) {
        for (; word != 0; word &= word - 1) {  // (no libgcc for a popcount with -mgeneral-regs-only)
            ++edges;
        }
    }
    if (edges != 0 || gic.trigger_nodes_skipped != 0) {
        log::info("platform:   {} SPIs edge-triggered; {} nodes' interrupts unreadable, their SPIs level", edges,
                  gic.trigger_nodes_skipped);
    }
}

}  // namespace

void print_summary(const PlatformInfo& info)
{
    log::info("platform: model \"{}\"", info.model.empty() ? DtString{"(none)", 6} : info.model);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < info.memory_count; ++i) {
        const PhysRange& r = info.memory[i];
        total += r.size;
        log::info("platform: memory {:#x}-{:#x} ({} MiB)", r.base, r.end().raw() - 1, r.size / mib);
    }
    log::info("platform: memory total {} MiB in {} range(s)", total / mib, info.memory_count);
    for (std::size_t i = 0; i < info.reserved_count; ++i) {
        const PhysRange& r = info.reserved[i];
        log::info("platform: reserved {:#x}-{:#x}", r.base, r.end().raw() - 1);
    }
    print_cpus(info);
    print_gic(info.gic);
    if (info.timer.present) {
        log::info("platform: timer intids: secure-phys {}, phys {}, virt {}, hyp-phys {}",
                  info.timer.secure_phys_intid, info.timer.nonsecure_phys_intid, info.timer.virt_intid,
                  info.timer.hyp_phys_intid);
    } else {
        log::info("platform: timer: none found");
    }
    log::info("platform: psci method {}{}{}{}", psci_method_name(info.psci.method), info.psci.compatible.empty() ? "" : " (",
              info.psci.compatible, info.psci.compatible.empty() ? "" : ")");
    const ConsoleInfo& console = info.console;
    if (console.kind == ConsoleKind::none) {
        log::info("platform: console: none found");
    } else {
        log::info("platform: console {} at {:#x} ({}, {}){}", console_kind_name(console.kind), console.regs.base,
                  console.path, console.compatible,
                  console.kind == ConsoleKind::unsupported ? ": no driver, staying on the early console" : "");
    }
    for (std::size_t i = 0; i < info.module_count; ++i) {
        const BootModule& m = info.modules[i];
        log::info("platform: module {} at {:#x} size {:#x} bootargs \"{}\"", module_kind_name(m.kind), m.range.base,
                  m.range.size, m.bootargs);
    }
    if (!info.bootargs.empty()) {
        log::info("platform: hypervisor command line \"{}\"", info.bootargs);
    }
}

}  // namespace hyp::platform
