// The RM's side of boot info (see boot_info.h).
#include "rm/boot/boot_info.h"

#include <cstdint>

namespace hyp::rm {
namespace {

constexpr PhysRange phys(const rm_boot_range& range) { return PhysRange{PhysAddr{range.base}, range.size}; }
constexpr IpaRange ipa(const rm_boot_range& range) { return IpaRange{Ipa{range.base}, range.size}; }

constexpr bool terminated(const char (&text)[RM_BOOT_INFO_BOOTARGS_SIZE])
{
    for (char c : text) {
        if (c == '\0') {
            return true;
        }
    }
    return false;
}

Status check_module(const rm_boot_module& module, std::size_t index, Diagnostic& diag)
{
    if (module.kind != RM_BOOT_MODULE_KERNEL && module.kind != RM_BOOT_MODULE_RAMDISK &&
        module.kind != RM_BOOT_MODULE_OTHER) {
        return refuse(diag, Error::arg_inval, "boot info: module {} has unknown kind {}", index, module.kind);
    }
    PhysRange range = phys(module.phys);
    if (range.empty() || !range.well_formed()) {
        return refuse(diag, Error::arg_inval, "boot info: module {} range [{:#x}, +{:#x}) is empty or wraps", index,
                      range.base.raw(), range.size);
    }
    if (!terminated(module.bootargs)) {
        return refuse(diag, Error::arg_inval, "boot info: module {} bootargs are not NUL-terminated", index);
    }
    return success();
}

}  // namespace

Status check_boot_info(const rm_boot_info& info, std::size_t available, Diagnostic& diag)
{
    // Nothing past the size field is read before the size is known to be mapped.
    if (available < offsetof(rm_boot_info, size) + sizeof info.size) {
        return refuse(diag, Error::arg_size, "boot info: only {} bytes given", available);
    }
    if (info.magic != RM_BOOT_INFO_MAGIC) {
        return refuse(diag, Error::arg_inval, "boot info: magic {:#x}, expected {:#x} (\"RMBI\")", info.magic,
                      RM_BOOT_INFO_MAGIC);
    }
    if (info.version != RM_BOOT_INFO_VERSION) {
        return refuse(diag, Error::unimplemented, "boot info: version {}, this RM reads version {}", info.version,
                      RM_BOOT_INFO_VERSION);
    }
    if (info.size != sizeof(rm_boot_info) || available < sizeof(rm_boot_info)) {
        return refuse(diag, Error::arg_size, "boot info: size {} with {} bytes mapped, expected {}", info.size,
                      available, sizeof(rm_boot_info));
    }
    if (info.module_count > RM_BOOT_INFO_MAX_MODULES || info.ram_range_count > RM_BOOT_INFO_MAX_RAM_RANGES) {
        return refuse(diag, Error::arg_inval, "boot info: {} modules and {} RAM ranges, at most {} and {}",
                      info.module_count, info.ram_range_count, RM_BOOT_INFO_MAX_MODULES, RM_BOOT_INFO_MAX_RAM_RANGES);
    }
    const rm_boot_platform& platform = info.platform;
    if (platform.cpu_count == 0 || platform.cpu_count > RM_BOOT_INFO_MAX_CPUS ||
        platform.boot_cpu >= platform.cpu_count) {
        return refuse(diag, Error::arg_inval, "boot info: {} CPUs (1 to {}), boot CPU {}", platform.cpu_count,
                      RM_BOOT_INFO_MAX_CPUS, platform.boot_cpu);
    }
    for (std::size_t i = 0; i < info.module_count; ++i) {
        Status status = check_module(info.modules[i], i, diag);
        if (!status) {
            return status;
        }
    }
    if ((info.flags & RM_BOOT_INFO_BOARD_DTB) != 0) {
        // Inside the RM's RAM, below boot info (check_rm_placement() checks it is above
        // the RM's image), and no larger than the contract's room for it.
        const IpaRange dtb = ipa(info.board_dtb);
        const IpaRange ram = ipa(info.ram_ipa);
        const Ipa info_at = ram.end() - RM_BOOT_INFO_RESERVED_SIZE;
        if (dtb.size < 40 || dtb.size > RM_BOOT_INFO_BOARD_DTB_MAX_SIZE || !dtb.well_formed() ||
            !ram.well_formed() || dtb.base < ram.base || dtb.end() > info_at) {
            return refuse(diag, Error::arg_inval,
                          "boot info: the board DTB [{:#x}, +{:#x}) is not below boot info in the RM's RAM (at most "
                          "{:#x} bytes)",
                          info.board_dtb.base, info.board_dtb.size, RM_BOOT_INFO_BOARD_DTB_MAX_SIZE);
        }
    }
    for (std::size_t i = 0; i < info.ram_range_count; ++i) {
        if (!phys(info.ram_ranges[i]).well_formed()) {
            return refuse(diag, Error::arg_inval, "boot info: RAM range {} [{:#x}, +{:#x}) wraps", i,
                          info.ram_ranges[i].base, info.ram_ranges[i].size);
        }
    }
    if (info.hwirq_count > RM_BOOT_INFO_MAX_HWIRQS) {
        return refuse(diag, Error::arg_inval, "boot info: {} hwirqs, at most {}", info.hwirq_count,
                      RM_BOOT_INFO_MAX_HWIRQS);
    }
    if (info.device_range_count > RM_BOOT_INFO_MAX_DEVICE_RANGES) {
        return refuse(diag, Error::arg_inval, "boot info: {} device ranges, at most {}", info.device_range_count,
                      RM_BOOT_INFO_MAX_DEVICE_RANGES);
    }
    for (std::size_t i = 0; i < info.device_range_count; ++i) {
        const PhysRange range = phys(info.device_ranges[i].phys);
        if (range.empty() || !range.well_formed() || (i > 0 && range.base < phys(info.device_ranges[i - 1].phys).end())) {
            return refuse(diag, Error::arg_inval,
                          "boot info: device range {} [{:#x}, +{:#x}) is empty, wraps, or is not above the one before",
                          i, range.base.raw(), range.size);
        }
    }
    return success();
}

Result<PrimaryModules> find_primary_modules(const rm_boot_info& info, Diagnostic& diag)
{
    PrimaryModules found;
    for (std::size_t i = 0; i < info.module_count; ++i) {
        const rm_boot_module& module = info.modules[i];
        if (module.kind == RM_BOOT_MODULE_KERNEL && found.kernel == nullptr) {
            found.kernel = &module;
        } else if (module.kind == RM_BOOT_MODULE_RAMDISK && found.ramdisk == nullptr) {
            found.ramdisk = &module;
        }
    }
    if (found.kernel == nullptr) {
        return refuse(diag, Error::arg_inval,
                      "no multiboot,kernel boot module ({} modules): no primary VM to start, powering off",
                      info.module_count);
    }
    return found;
}

Result<IpaRange> choose_primary_ram(const rm_boot_info& info, std::uint64_t size, Diagnostic& diag)
{
    PhysRange free[RM_BOOT_INFO_MAX_RAM_RANGES];
    std::size_t count = info.ram_range_count < RM_BOOT_INFO_MAX_RAM_RANGES ? info.ram_range_count
                                                                           : RM_BOOT_INFO_MAX_RAM_RANGES;
    for (std::size_t i = 0; i < count; ++i) {
        free[i] = phys(info.ram_ranges[i]);
    }
    Result<PhysRange> chosen = choose_vm_ram(free, count, size, diag);
    if (!chosen) {
        return fail(chosen.error());
    }
    return IpaRange{Ipa{chosen->base.raw()}, chosen->size};  // IPA = PA
}

Status configure_primary_dt(const rm_boot_info& info, const rm_boot_module& kernel, const VmLayout& layout,
                            PrimaryDtConfig& config, Diagnostic& diag)
{
    return configure_primary_dt(info, kernel, layout, info.platform.cpu_count, config, diag);
}

Status configure_primary_dt(const rm_boot_info& info, const rm_boot_module& kernel, const VmLayout& layout,
                            std::size_t vcpus, PrimaryDtConfig& config, Diagnostic& diag)
{
    const rm_boot_platform& platform = info.platform;
    if (gic_redistributor_size(vcpus) > platform.gicr.size) {
        return refuse(diag, Error::arg_inval,
                      "GIC redistributor region [{:#x}, +{:#x}) cannot hold frames for {} vCPUs ({:#x} bytes)",
                      platform.gicr.base, platform.gicr.size, vcpus, gic_redistributor_size(vcpus));
    }
    config = PrimaryDtConfig{};
    config.ram = layout.ram;
    set_vcpus(config, vcpus);
    config.gic_distributor = ipa(platform.gicd);
    config.gic_redistributor_base = Ipa{platform.gicr.base};
    config.gic_maintenance_intid = platform.gic_maintenance_intid;
    config.timer = TimerIntids{platform.timer_secure_phys_intid, platform.timer_nonsecure_phys_intid,
                               platform.timer_virt_intid, platform.timer_hyp_phys_intid};
    config.uart = ipa(platform.uart);
    config.uart_intid = platform.uart_intid;
    config.bootargs = kernel.bootargs;
    config.initrd = layout.initrd;
    return success();
}

}  // namespace hyp::rm
