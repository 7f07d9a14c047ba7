// Filling the RM's boot-info structure (see rm_boot_info_builder.h).
#include "kernel/boot/rm_boot_info_builder.h"

#include "support/cmdline.h"
#include "platform/dt/root_compatible.h"

namespace hyp {
namespace {

constexpr rm_boot_range boot_range(PhysRange r) { return rm_boot_range{r.base.raw(), r.size}; }

std::uint32_t module_kind(platform::ModuleKind kind)
{
    switch (kind) {
    case platform::ModuleKind::kernel: return RM_BOOT_MODULE_KERNEL;
    case platform::ModuleKind::ramdisk: return RM_BOOT_MODULE_RAMDISK;
    case platform::ModuleKind::other: break;
    }
    return RM_BOOT_MODULE_OTHER;
}

// Copies a DT string (not NUL-terminated in general, and possibly holding a NUL before
// its length) into `field`, always terminated. Returns whether all of it fitted.
template <std::size_t N>
bool copy_string(char (&field)[N], const char* data, std::size_t length)
{
    std::size_t n = 0;
    while (n < length && data[n] != '\0') {
        ++n;
    }
    const std::size_t kept = n < N - 1 ? n : N - 1;
    for (std::size_t i = 0; i < kept; ++i) {
        field[i] = data[i];
    }
    field[kept] = '\0';
    return kept == n;
}

// The command line's "rm." words, space-separated. A word that does not fit is left
// out whole, so the RM never sees half an option; later words that fit are kept.
std::size_t collect_options(fmt::StrView cmdline, char (&options)[RM_BOOT_INFO_OPTIONS_SIZE])
{
    std::size_t used = 0;
    std::size_t dropped = 0;
    cmdline::for_each(cmdline, [&](const cmdline::Option& option) {
        if (option.name.length < 3 || option.name.data[0] != 'r' || option.name.data[1] != 'm' ||
            option.name.data[2] != '.') {
            return;
        }
        // The whole word: name, and "=value" when there is one.
        const char* word = option.name.data;
        std::size_t length = option.name.length;
        if (option.value.data != nullptr) {
            length = static_cast<std::size_t>(option.value.data + option.value.length - word);
        }
        const std::size_t separator = used == 0 ? 0 : 1;
        if (used + separator + length > RM_BOOT_INFO_OPTIONS_SIZE - 1) {
            ++dropped;
            return;
        }
        if (separator != 0) {
            options[used++] = ' ';
        }
        for (std::size_t i = 0; i < length; ++i) {
            options[used++] = word[i];
        }
    });
    options[used] = '\0';
    return dropped;
}

}  // namespace

Result<RmBootInfoReport> build_rm_boot_info(const RmBootInfoInputs& inputs, rm_boot_info& out)
{
    const platform::PlatformInfo* p = inputs.platform;
    if (p == nullptr || inputs.boot_cpu >= p->cpu_count || p->cpu_count > RM_BOOT_INFO_MAX_CPUS ||
        p->module_count > RM_BOOT_INFO_MAX_MODULES) {
        return fail(Error::arg_inval);
    }
    if (inputs.rm_ram.size != RM_RAM_SIZE || !inputs.rm_ram.base.is_aligned(RM_RAM_ALIGNMENT) ||
        !inputs.rm_ram.well_formed()) {
        return fail(Error::arg_inval);
    }
    if (inputs.free_ram_count != 0 && inputs.free_ram == nullptr) {
        return fail(Error::arg_inval);
    }
    if (inputs.device_count > RM_BOOT_INFO_MAX_DEVICE_RANGES ||
        (inputs.device_count != 0 && (inputs.device_memory == nullptr || inputs.device_caps == nullptr)) ||
        inputs.hwirq_count > RM_BOOT_INFO_MAX_HWIRQS || (inputs.hwirq_count != 0 && inputs.hwirq_caps == nullptr)) {
        return fail(Error::arg_inval);
    }

    // Free ranges sorted by base (insertion sort of indices: no allocator, few ranges).
    constexpr std::size_t max_sorted = 64;
    std::size_t order[max_sorted];
    std::size_t sorted = 0;
    RmBootInfoReport report;
    for (std::size_t i = 0; i < inputs.free_ram_count; ++i) {
        const PhysRange& r = inputs.free_ram[i];
        if (!r.well_formed()) {
            return fail(Error::arg_inval);
        }
        if (r.empty()) {
            continue;
        }
        if (sorted == max_sorted) {
            ++report.ram_ranges_dropped;
            continue;
        }
        std::size_t at = sorted;
        while (at > 0 && inputs.free_ram[order[at - 1]].base > r.base) {
            order[at] = order[at - 1];
            --at;
        }
        order[at] = i;
        ++sorted;
    }
    for (std::size_t i = 1; i < sorted; ++i) {
        if (inputs.free_ram[order[i - 1]].overlaps(inputs.free_ram[order[i]])) {
            return fail(Error::arg_inval);
        }
    }

    // Every byte, reserved fields and padding included, starts as zero.
    auto* bytes = reinterpret_cast<unsigned char*>(&out);
    for (std::size_t i = 0; i < sizeof out; ++i) {
        bytes[i] = 0;
    }
    out.magic = RM_BOOT_INFO_MAGIC;
    out.version = RM_BOOT_INFO_VERSION;
    out.size = sizeof(rm_boot_info);

    out.partition_cap = inputs.caps.partition;
    out.cspace_cap = inputs.caps.cspace;
    out.addrspace_cap = inputs.caps.addrspace;
    out.ram_memextent_cap = inputs.caps.ram_memextent;
    out.vic_cap = inputs.caps.vic;
    out.vic_spis = inputs.caps.vic_spis;
    out.ram_ipa = boot_range(inputs.rm_ram);  // IPA = PA
    out.ram_phys = boot_range(inputs.rm_ram);
    out.hyp_phys = boot_range(inputs.hypervisor);
    out.device_range_count = static_cast<std::uint32_t>(inputs.device_count);
    for (std::size_t i = 0; i < inputs.device_count; ++i) {
        out.device_ranges[i].phys = boot_range(inputs.device_memory[i]);
        out.device_ranges[i].memextent_cap = inputs.device_caps[i];
    }
    out.hwirq_count = static_cast<std::uint32_t>(inputs.hwirq_count);
    for (std::size_t i = 0; i < RM_BOOT_INFO_MAX_HWIRQS; ++i) {
        out.hwirq_caps[i] = i < inputs.hwirq_count ? inputs.hwirq_caps[i] : GUNYAH_CAP_ID_INVALID;
    }

    for (std::size_t i = 0; i < sorted; ++i) {
        if (out.ram_range_count == RM_BOOT_INFO_MAX_RAM_RANGES) {
            ++report.ram_ranges_dropped;
            continue;
        }
        out.ram_ranges[out.ram_range_count++] = boot_range(inputs.free_ram[order[i]]);
    }

    rm_boot_platform& bp = out.platform;
    bp.gicd = boot_range(p->gic.distributor);
    if (p->gic.redistributor_region_count > 0) {
        bp.gicr = boot_range(p->gic.redistributor_regions[0]);
    }
    bp.gicr_stride = p->gic.redistributor_stride;
    if (p->console.kind == platform::ConsoleKind::pl011 || p->console.kind == platform::ConsoleKind::geni) {
        bp.uart = boot_range(PhysRange{p->console.regs.base, RM_BOOT_INFO_VUART_SIZE});
        bp.uart_intid = p->console.intid;
    }
    bp.gic_maintenance_intid = p->gic.maintenance_intid;
    bp.timer_secure_phys_intid = p->timer.secure_phys_intid;
    bp.timer_nonsecure_phys_intid = p->timer.nonsecure_phys_intid;
    bp.timer_virt_intid = p->timer.virt_intid;
    bp.timer_hyp_phys_intid = p->timer.hyp_phys_intid;
    bp.timer_frequency_hz = p->timer.frequency_hz;
    bp.cpu_count = static_cast<std::uint32_t>(p->cpu_count);
    bp.boot_cpu = inputs.boot_cpu;
    for (std::size_t i = 0; i < p->cpu_count; ++i) {
        bp.cpu_mpidrs[i] = p->cpus[i].mpidr;
    }

    out.module_count = static_cast<std::uint32_t>(p->module_count);
    for (std::size_t i = 0; i < p->module_count; ++i) {
        const platform::BootModule& from = p->modules[i];
        rm_boot_module& to = out.modules[i];
        to.kind = module_kind(from.kind);
        to.phys = boot_range(from.range);
        to.memextent_cap = inputs.caps.modules[i];
        if (!copy_string(to.bootargs, from.bootargs.data, from.bootargs.length)) {
            to.flags |= RM_BOOT_MODULE_BOOTARGS_TRUNCATED;
            ++report.bootargs_truncated;
        }
    }

    report.options_dropped = collect_options(inputs.cmdline, out.options);
    if (report.options_dropped != 0) {
        out.flags |= RM_BOOT_INFO_OPTIONS_TRUNCATED;
    }
    if (report.ram_ranges_dropped != 0) {
        out.flags |= RM_BOOT_INFO_RAM_RANGES_TRUNCATED;
    }
    return report;
}

Status add_board_dtb(const void* dtb, std::size_t size, PhysRange rm_ram, std::uint8_t* rm_ram_bytes,
                     std::uint64_t rm_image_size, rm_boot_info& out)
{
    if (dtb == nullptr || rm_ram_bytes == nullptr || size < 40) {
        return fail(Error::arg_inval);
    }
    if (size > RM_BOOT_INFO_BOARD_DTB_MAX_SIZE) {
        return fail(Error::arg_size);
    }
    // An FDT header (magic, 8-byte aligned) whose totalsize is `size`.
    const auto* header = static_cast<const std::uint8_t*>(dtb);
    if (platform::early_blob_size(header) != size) {
        return fail(Error::arg_inval);
    }
    const PhysRange range = rm_board_dtb_range(rm_ram, size);
    const std::uint64_t offset = range.base - rm_ram.base;
    if (offset < rm_image_size) {
        return fail(Error::arg_size);
    }
    std::uint8_t* to = rm_ram_bytes + offset;
    for (std::size_t i = 0; i < size; ++i) {
        to[i] = header[i];
    }
    out.board_dtb = boot_range(range);  // IPA = PA
    out.flags |= RM_BOOT_INFO_BOARD_DTB;
    return success();
}

}  // namespace hyp
