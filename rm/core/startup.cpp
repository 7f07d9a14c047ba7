// The resource manager's boot flow (see startup.h).
#include "rm/core/startup.h"

#include "rm/boot/boot_info.h"

namespace hyp::rm {
namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

std::uint64_t free_ram_bytes(const rm_boot_info& info)
{
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < info.ram_range_count; ++i) {
        total += info.ram_ranges[i].size;
    }
    return total;
}

bool read_options(const rm_boot_info& info, Console& console, RmOptions& options)
{
    if ((info.flags & RM_BOOT_INFO_OPTIONS_TRUNCATED) != 0) {
        console.print("warning: some rm. options did not fit in boot info and were left out");
    }
    UnknownOptions unknown;
    Diagnostic diag;
    Status status = parse_rm_options(info.options, sizeof info.options, options, unknown, diag);
    for (std::size_t i = 0; i < unknown.count; ++i) {
        console.print("unknown option {} ignored", unknown.words[i]);
    }
    if (unknown.more != 0) {
        console.print("{} more unknown options ignored", unknown.more);
    }
    if (!status) {
        console.print("{}; powering off", diag.c_str());
        return false;
    }
    return true;
}

void print_started(const PrimaryVm& vm, Console& console)
{
    const VmLayout& layout = vm.layout;
    // Modules the VM runs where the boot loader put them, not copied. The line stays
    // short of the 160 characters the hypervisor gives a console line.
    const char* in_place = vm.initrd_in_place ? " (in place)"
                           : vm.kernel_in_place ? " (kernel in place)"
                                                : "";
    if (layout.initrd.empty()) {
        console.print("primary VM started: {} vCPUs, {} MiB RAM at IPA {:#x}, kernel at {:#x}, DT at {:#x}{}",
                      vm.vcpu_count, layout.ram.size / mib, layout.ram.base, layout.entry(), layout.dtb_address(),
                      in_place);
    } else {
        console.print("primary VM started: {} vCPUs, {} MiB RAM at IPA {:#x}, kernel at {:#x}, DT at {:#x}, "
                      "initrd at {:#x}{}",
                      vm.vcpu_count, layout.ram.size / mib, layout.ram.base, layout.entry(), layout.dtb_address(),
                      layout.initrd.base, in_place);
    }
    const HwirqBinding& hwirqs = vm.hwirqs;
    if (hwirqs.bound + hwirqs.in_use + hwirqs.beyond != 0) {
        console.print("primary VM: {} hardware interrupts forwarded; left out: {} its own devices use, {} past its "
                      "vGIC's SPIs",
                      hwirqs.bound, hwirqs.in_use, hwirqs.beyond);
    }
}

}  // namespace

std::size_t boot_info_available(const RmPlacement& placement)
{
    const std::uint64_t ram_end = placement.image_start + RM_RAM_SIZE;
    if (placement.boot_info < placement.image_start || placement.boot_info >= ram_end) {
        return 0;
    }
    return static_cast<std::size_t>(ram_end - placement.boot_info);
}

Status check_rm_placement(const rm_boot_info& info, const RmPlacement& placement, Diagnostic& diag)
{
    const rm_boot_range& ram = info.ram_ipa;
    if (ram.base != placement.image_start || ram.size != RM_RAM_SIZE) {
        return refuse(diag, Error::arg_inval,
                      "boot info says the RM's RAM is [{:#x}, +{:#x}), but the RM runs at {:#x} with {:#x} bytes", ram.base,
                      ram.size, placement.image_start, RM_RAM_SIZE);
    }
    const std::uint64_t expected = ram.base + ram.size - RM_BOOT_INFO_RESERVED_SIZE;
    if (placement.boot_info != expected) {
        return refuse(diag, Error::arg_inval, "boot info is at {:#x}, expected at the top of the RM's RAM, {:#x}",
                      placement.boot_info, expected);
    }
    if (placement.image_end > placement.boot_info) {
        return refuse(diag, Error::arg_inval, "the RM's image ends at {:#x}, above boot info at {:#x}",
                      placement.image_end, placement.boot_info);
    }
    if ((info.flags & RM_BOOT_INFO_BOARD_DTB) != 0 && placement.image_end > info.board_dtb.base) {
        return refuse(diag, Error::arg_inval, "the RM's image ends at {:#x}, above the board DTB at {:#x}",
                      placement.image_end, info.board_dtb.base);
    }
    return success();
}

bool start_primary_vm(const rm_boot_info& info, const RmPlacement& placement, Hypervisor& hv, Memory& memory,
                      Console& console, PrimaryVm& vm)
{
    Diagnostic diag;
    if (Status s = check_boot_info(info, boot_info_available(placement), diag); !s) {
        console.print("{}; powering off", diag.c_str());
        return false;
    }
    if (Status s = check_rm_placement(info, placement, diag); !s) {
        console.print("{}; powering off", diag.c_str());
        return false;
    }
    console.print("resource manager starting ({} CPUs, {} MiB free RAM, {} modules)", info.platform.cpu_count,
                  free_ram_bytes(info) / mib, info.module_count);
    if ((info.flags & RM_BOOT_INFO_RAM_RANGES_TRUNCATED) != 0) {
        console.print("warning: the hypervisor has more free RAM ranges than boot info lists ({})",
                      RM_BOOT_INFO_MAX_RAM_RANGES);
    }

    RmOptions options;
    if (!read_options(info, console, options)) {
        return false;
    }

    Result<PrimaryModules> modules = find_primary_modules(info, diag);
    if (!modules) {
        console.print("no primary VM kernel: boot one with -device guest-loader,addr=...,kernel=IMAGE");
        return false;
    }
    if ((modules->kernel->flags & RM_BOOT_MODULE_BOOTARGS_TRUNCATED) != 0) {
        console.print("warning: the kernel's bootargs were longer than {} bytes and were cut",
                      RM_BOOT_INFO_BOOTARGS_SIZE - 1);
    }

    PrimaryVmRequest request;
    request.info = &info;
    request.modules = *modules;
    request.ram_size = options.primary_ram_size;
    request.vcpu_count = primary_vcpu_count(options, info.platform.cpu_count);
    Status built = build_primary_vm(request, hv, memory, vm, diag);
    if (vm.busy_candidates != 0) {
        console.print("{} RAM candidates were in use by the hypervisor and skipped", vm.busy_candidates);
    }
    if (!built) {
        console.print("cannot start the primary VM: {}; powering off", diag.c_str());
        return false;
    }
    print_started(vm, console);
    return true;
}

}  // namespace hyp::rm
