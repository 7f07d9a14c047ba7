// Cold boot of the hypervisor, from head.S to the point where CPUs are up:
// early map, device-tree discovery, final map, console, PSCI, secondary CPUs.
// Anything that stops us from running is reported with what is missing, and the
// machine is powered off rather than left hanging.
#include <cstdint>

#include <arch/mmu.h>
#include <arch/psci.h>
#include <arch/registers.h>
#include <arch/sysreg.h>

#include "hyp_api/rm_boot_info.h"
#include "support/cmdline.h"
#include "kernel/core/irq.h"
#include "kernel/core/log.h"
#include "kernel/core/percpu.h"
#include "kernel/boot/root_vm.h"
#include "kernel/boot/selftest.h"
#include "kernel/boot/smp.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/mem/hyp_map.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/mem/vmid_allocator.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/root_objects.h"
#include "kernel/virt/lazy_fp.h"
#include "kernel/virt/vcpu_run.h"
#include "kernel/virt/vm_devices.h"
#include "platform/boards/board.h"
#include "platform/console.h"
#include "platform/dt/discover.h"
#include "platform/dt/root_compatible.h"
#include "platform/dt/summary.h"
#include "platform/dt/usable_ram.h"
#include "platform/dt/vm_device_memory.h"

extern "C" char __image_start[], __image_end[];

namespace hyp {
namespace {

// Holds what discovery found for the rest of boot (large: not on the stack).
constinit platform::PlatformInfo platform_info;

// The blob's size from its header, read with the MMU off. Anything implausible maps
// just the first page, and discovery reports the problem.
std::uint64_t early_dtb_size(std::uintptr_t dtb)
{
    const std::size_t size = platform::early_blob_size(reinterpret_cast<const std::uint8_t*>(dtb));
    return size != 0 && size <= mem::max_dtb_size ? size : 4096;
}

PhysRange hypervisor_image()
{
    auto start = reinterpret_cast<std::uintptr_t>(__image_start);
    return PhysRange{PhysAddr{start}, reinterpret_cast<std::uintptr_t>(__image_end) - start};
}

[[noreturn]] void fatal(const char* what)
{
    log::error("hyp: fatal: {}; powering off", what);
    arch::psci::system_off();
}

struct BootOptions {
    fmt::StrView selftest;
    bool debug_calls = false;  // hyp.debug_calls=1: the hyp_debug_stats vendor call answers
};

// Options the hypervisor understands; anything else is reported, not ignored.
BootOptions parse_command_line(const platform::DtString& line)
{
    BootOptions options;
    cmdline::for_each(fmt::StrView{line.data, line.length}, [&](const cmdline::Option& option) {
        if (cmdline::equals(option.name, "selftest") && option.value.length > 0) {
            options.selftest = option.value;
        } else if (cmdline::equals(option.name, "loglevel")) {
            if (cmdline::equals(option.value, "debug")) {
                log::set_level(log::Level::debug);
            } else if (cmdline::equals(option.value, "info")) {
                log::set_level(log::Level::info);
            } else if (cmdline::equals(option.value, "warn")) {
                log::set_level(log::Level::warn);
            } else if (cmdline::equals(option.value, "error")) {
                log::set_level(log::Level::error);
            } else {
                log::warn("hyp: loglevel=\"{}\" not understood (debug, info, warn, error)", option.value);
            }
        } else if (cmdline::equals(option.name, "hyp.fp")) {
            if (cmdline::equals(option.value, "lazy")) {
                virt::lazy_fp::set_mode(virt::lazy_fp::Mode::lazy);
            } else if (cmdline::equals(option.value, "eager")) {
                virt::lazy_fp::set_mode(virt::lazy_fp::Mode::eager);
            } else {
                log::warn("hyp: hyp.fp=\"{}\" not understood (lazy, eager)", option.value);
            }
        } else if (cmdline::equals(option.name, "hyp.debug_calls")) {
            if (cmdline::equals(option.value, "1")) {
                options.debug_calls = true;
            } else if (!cmdline::equals(option.value, "0")) {
                log::warn("hyp: hyp.debug_calls=\"{}\" not understood (0, 1)", option.value);
            }
        } else if (option.name.length > 3 && option.name.data[0] == 'r' && option.name.data[1] == 'm' &&
                   option.name.data[2] == '.') {
            // The resource manager's: passed on in its boot info, and checked by it.
        } else {
            log::warn("hyp: unknown command-line option \"{}\" ignored", option.name);
        }
    });
    return options;
}

// The board, chosen from the device tree's root compatible with the MMU off.
constinit const platform::Board* board = nullptr;

// The UART written before the device tree has been read: the board's (empty: none).
PhysRange early_uart() { return PhysRange{PhysAddr{board->early_uart.base}, board->early_uart.size}; }

// RAM less what firmware reserved, computed once: the EL2 map and the root partition
// both take it from here.
constexpr std::size_t max_usable_ranges = platform::max_memory_ranges + platform::max_reserved_ranges;
constinit PhysRange usable_ram[max_usable_ranges];

// The EL2 map's inputs: usable RAM, the blob, and the devices the hypervisor drives
// (the GIC, the console when we have its driver, and the early UART).
// Device memory for VMs (platform/dt/vm_device_memory.h): at most as many ranges as the
// RM's boot info lists. More is a board this table was not sized for: VMs then get none,
// and the log says so.
constinit PhysRange device_memory_ranges[RM_BOOT_INFO_MAX_DEVICE_RANGES];

BootDeviceMemory vm_device_memory(const platform::PlatformInfo& info)
{
    Result<std::size_t> count =
        platform::vm_device_memory(info, device_memory_ranges, RM_BOOT_INFO_MAX_DEVICE_RANGES);
    if (!count) {
        log::warn("hyp: device memory: more than {} ranges below the top of RAM; VMs get no device memory",
                  RM_BOOT_INFO_MAX_DEVICE_RANGES);
        return BootDeviceMemory{};
    }
    return BootDeviceMemory{device_memory_ranges, *count};
}

mem::HypMapLayout final_map_layout(PhysRange dtb, std::size_t usable_count)
{
    static constinit PhysRange devices[2 + platform::max_redistributor_regions + 1];
    std::size_t count = 0;
    devices[count++] = platform_info.gic.distributor;
    for (std::size_t i = 0; i < platform_info.gic.redistributor_region_count; ++i) {
        devices[count++] = platform_info.gic.redistributor_regions[i];
    }
    if (platform_info.console.kind == platform::ConsoleKind::pl011 ||
        platform_info.console.kind == platform::ConsoleKind::geni) {
        devices[count++] = platform_info.console.regs;
    }
    devices[count++] = early_uart();
    return mem::HypMapLayout{usable_ram, usable_count, dtb, devices, count};
}

void apply_psci_conduit(const platform::PsciInfo& psci)
{
    arch::psci::set_conduit(psci.method == platform::PsciMethod::hvc ? arch::psci::Conduit::hvc
                                                                     : arch::psci::Conduit::smc);
}

}  // namespace

extern "C" [[noreturn]] void cold_boot_primary(std::uintptr_t dtb_address)
{
    std::uint64_t mpidr = arch::read_mpidr_el1() & arch::mpidr::affinity_mask;
    percpu_install(0, mpidr);
    __atomic_store_n(&per_cpu(0).online, 1, __ATOMIC_RELEASE);

    PhysAddr dtb{dtb_address};
    std::uint64_t dtb_size = early_dtb_size(dtb_address);
    board = &platform::select_board(reinterpret_cast<const std::uint8_t*>(dtb_address), dtb_size);
    platform::console_use_early(board->early_uart);
    mem::enable_early_map(dtb, dtb_size, early_uart());

    log::info("hyp: EL2 hypervisor starting on cpu 0 (mpidr {:#x}), device tree at {:#x}, board {}", mpidr, dtb,
              board->name);
    if (dtb_address == 0) {
        fatal("no device tree: the boot loader passed 0 in x0");
    }

    platform::Diagnostic diag;
    if (!platform::discover(reinterpret_cast<const void*>(dtb_address), dtb_size, platform_info, diag)) {
        fatal(diag.c_str());
    }
    platform::print_summary(platform_info);
    BootOptions options = parse_command_line(platform_info.bootargs);
    if (!platform::check_runnable(platform_info, diag)) {
        fatal(diag.c_str());
    }
    apply_psci_conduit(platform_info.psci);

    Result<std::size_t> usable_count = platform::usable_ram(platform_info, usable_ram, max_usable_ranges);
    if (!usable_count) {
        fatal("more usable RAM ranges than the hypervisor tracks");
    }
    if (!mem::switch_to_final_map(final_map_layout(PhysRange{dtb, dtb_size}, *usable_count))) {
        fatal("the EL2 memory map does not fit");
    }
    if (platform_info.console.kind == platform::ConsoleKind::pl011) {
        platform::console_use_pl011(platform_info.console.regs.base.raw());
    } else if (platform_info.console.kind == platform::ConsoleKind::geni) {
        platform::console_use_geni(platform_info.console.regs.base.raw());
    }
    if (board->early_uart.kind == platform::EarlyUartKind::none) {
        log::info("hyp: EL2 hypervisor on board {}, device tree at {:#x}: its first console lines, before the "
                  "device tree named this console, went nowhere (the board has no early UART)",
                  board->name, dtb);
    }

    irq_init_boot(platform_info.gic, platform_info.timer, mpidr);  // GICD, this CPU's GICR and ICC

    // RAM the hypervisor keeps: its own image, the device tree, and the boot modules
    // (the resource manager is given those later).
    PhysRange kept[2 + platform::max_boot_modules];
    std::size_t kept_count = 0;
    kept[kept_count++] = hypervisor_image();
    kept[kept_count++] = PhysRange{dtb, dtb_size};
    for (std::size_t i = 0; i < platform_info.module_count; ++i) {
        kept[kept_count++] = platform_info.modules[i].range;
    }

    // What stage 2 can do on this machine, for every address space created from now on.
    addrspace_platform::set(mem::pa_bits_from_mmfr0(arch::read_id_aa64mmfr0_el1()),
                            mem::vmid_bits_from_mmfr1(arch::read_id_aa64mmfr1_el1()));
    addrspace_platform::set_stage2_blocks(board->stage2_blocks);
    log::info("hyp: stage 2: {}-bit PA, {}-bit IPA for VMs, {}-bit VMIDs, {}", addrspace_platform::pa_bits(),
              addrspace_platform::ipa_bits(), addrspace_platform::vmids().bits(),
              board->stage2_blocks ? "blocks where they fit" : "4 KiB pages only");

    const BootRam boot_ram{platform_info.memory, platform_info.memory_count, usable_ram, *usable_count};
    const BootDeviceMemory device_memory = vm_device_memory(platform_info);
    if (!create_root_objects(boot_ram, device_memory, kept, kept_count)) {
        fatal("cannot create the root partition and cspace");
    }
    if (options.debug_calls) {
        hypercall::set_debug_partition(root_objects().partition);
        hypercall::enable_debug_calls(true);
        log::info("hyp: debug calls on (hyp_debug_stats)");
    }

    // Secondaries start with the final tables; they read these with their MMU off.
    secondary_mmu_params = arch::el2_mmu_params(mem::current_root());
    arch::dcache_clean_to_poc(&secondary_mmu_params, sizeof secondary_mmu_params);

    SmpReport smp = start_secondary_cpus(platform_info, mpidr);
    log::info("cpus online: {}/{}", smp.online, smp.found);
    irq_report();

    if (options.selftest.length > 0) {
        run_selftest(options.selftest.data, options.selftest.length);
    }

    // From here on the CPUs run VMs: first the resource manager, which builds the rest.
    if (smp.online != smp.found) {
        log::warn("hyp: VMs run on the {} CPUs that came online", smp.online);
    }
    if (!virt::run_loop_init(addrspace_platform::ipa_bits(), addrspace_platform::pa_bits(),
                             addrspace_platform::vmids().bits(), static_cast<std::uint32_t>(smp.online))) {
        fatal("cannot set up stage 2 for VMs");
    }
    virt::VmDevicePlatform devices;
    devices.console = &log::console();
    if (platform_info.console.kind == platform::ConsoleKind::pl011 ||
        platform_info.console.kind == platform::ConsoleKind::geni) {
        // VMs' virtual PL011 sits where the hypervisor's console is, PL011 or not: an
        // address the board's tree already gives a UART, and one the hypervisor keeps
        // from every VM (platform/dt/discover_kept_devices.cpp), so no device is there.
        devices.uart = IpaRange{Ipa{platform_info.console.regs.base.raw()}, virt::pl011::region_size};
        devices.uart_intid = platform_info.console.intid;
    } else {
        log::warn("hyp: no console the hypervisor drives: VMs get no virtual UART");
    }
    // A VM's virtual GIC sits where the real one is, so its device tree can say the same.
    devices.gic_distributor = IpaRange{Ipa{platform_info.gic.distributor.base.raw()}, 0x10000};
    devices.gic_redistributors = Ipa{platform_info.gic.redistributor_regions[0].base.raw()};
    devices.vtimer_intid = irq_vtimer_intid();
    virt::set_vm_device_platform(devices);
    virt::set_qcom_sip_forwarding(board->forwards_qcom_sip);
    if (platform_info.console.kind == platform::ConsoleKind::pl011 ||
        platform_info.console.kind == platform::ConsoleKind::geni) {
        virt::console_input_init(platform_info.console.intid);
    }
    RootVmBoard root_board;
    root_board.hypervisor = hypervisor_image();
    root_board.device_memory = device_memory.ranges;
    root_board.device_count = device_memory.count;
    if (board->primary_gets_board_dt) {
        root_board.board_dtb = reinterpret_cast<const void*>(dtb_address);
        root_board.board_dtb_size = dtb_size;
    }
    if (!start_root_vm(platform_info, fmt::StrView{platform_info.bootargs.data, platform_info.bootargs.length}, kept,
                       2, root_board)) {
        fatal("cannot start the resource manager");
    }
    release_secondary_cpus();
    virt::run_vcpus();
}

// Entered at EL1 (no virtualization extensions given to us) or EL3: we cannot run.
// The MMU is off and nothing is set up, so write to the board's early UART directly
// (aligned stores to Device memory are fine) and ask firmware to power off over HVC,
// the conduit an EL1 kernel has.
extern "C" [[noreturn]] void refuse_wrong_exception_level(std::uint64_t el, std::uintptr_t dtb)
{
    platform::console_use_early(
        platform::select_board(reinterpret_cast<const std::uint8_t*>(dtb), early_dtb_size(dtb)).early_uart);
    char line[160];
    std::size_t length =
        fmt::format_buffer(line, sizeof line,
                           "hyp: fatal: entered at EL{}, but the hypervisor needs EL2 (on QEMU: "
                           "-M virt,virtualization=on); powering off\n",
                           el);
    platform::console_write(line, length);
    if (el == 1) {
        arch::psci::set_conduit(arch::psci::Conduit::hvc);
        arch::psci::system_off();
    }
    for (;;) {
        arch::wfe();
    }
}

}  // namespace hyp
