// The primary VM's IPA layout (see vm_layout.h): kernel first, at the bottom of RAM as
// booting.rst recommends, then the DT and the initrd packed above it.
#include "rm/vm/vm_layout.h"

#include <bit>

#include "hyp_api/rm_boot_info.h"

namespace hyp::rm {
namespace {

constexpr std::uint64_t last_of(const IpaRange& range) { return range.base.raw() + (range.size - 1); }

// Whether `inner` (non-empty) lies entirely inside `outer` (non-empty, well formed).
constexpr bool inside(const IpaRange& outer, const IpaRange& inner)
{
    return !inner.empty() && inner.well_formed() && outer.contains(inner.base) &&
           last_of(inner) <= last_of(outer);
}

// Ranges a new placement must avoid: the kernel and whatever the request fixed.
struct Taken {
    IpaRange ranges[3];
    std::size_t count = 0;

    void add(const IpaRange& range)
    {
        if (!range.empty() && count < sizeof ranges / sizeof ranges[0]) {
            ranges[count++] = range;
        }
    }
};

// The lowest `alignment`-aligned address at or above `start` with `size` (> 0) bytes
// free inside `ram`. Each move jumps past one taken range for good (the candidate only
// rises), so count + 1 rounds settle it.
bool first_fit(const IpaRange& ram, Ipa start, std::uint64_t size, std::uint64_t alignment, const Taken& taken,
               Ipa& found)
{
    Ipa candidate = start.align_up(alignment);
    for (std::size_t round = 0; round <= taken.count; ++round) {
        if (!ram.contains(candidate) || size - 1 > last_of(ram) - candidate.raw()) {
            return false;
        }
        IpaRange trial{candidate, size};
        bool moved = false;
        for (std::size_t i = 0; i < taken.count && !moved; ++i) {
            if (trial.overlaps(taken.ranges[i])) {
                std::uint64_t last = last_of(taken.ranges[i]);
                if (last == ~std::uint64_t{0}) {
                    return false;
                }
                candidate = Ipa{last + 1}.align_up(alignment);
                moved = true;
            }
        }
        if (!moved) {
            found = candidate;
            return true;
        }
    }
    return false;
}

Status check_fixed(const IpaRange& ram, const IpaRange& wanted, std::uint64_t alignment, const char* what,
                   Diagnostic& diag)
{
    if (!wanted.base.is_aligned(alignment)) {
        return refuse(diag, Error::arg_align, "{} at {:#x} is not {}-byte aligned", what, wanted.base.raw(), alignment);
    }
    if (!inside(ram, wanted)) {
        return refuse(diag, Error::addr_inval, "{} [{:#x}, +{:#x}) is not inside VM RAM [{:#x}, +{:#x})", what,
                      wanted.base.raw(), wanted.size, ram.base.raw(), ram.size);
    }
    return success();
}

Status check_apart(const IpaRange& a, const char* a_name, const IpaRange& b, const char* b_name, Diagnostic& diag)
{
    if (a.overlaps(b)) {
        return refuse(diag, Error::arg_inval, "{} [{:#x}, +{:#x}) overlaps {} [{:#x}, +{:#x})", a_name, a.base.raw(),
                      a.size, b_name, b.base.raw(), b.size);
    }
    return success();
}

Status check_request(const VmLayoutRequest& request, Diagnostic& diag)
{
    const IpaRange& ram = request.ram;
    if (ram.empty() || !ram.well_formed()) {
        return refuse(diag, Error::arg_inval, "VM RAM [{:#x}, +{:#x}) is empty or wraps", ram.base.raw(), ram.size);
    }
    if (!ram.base.is_aligned(vm_ram_granule) || ram.size % vm_ram_granule != 0) {
        return refuse(diag, Error::arg_align, "VM RAM [{:#x}, +{:#x}) is not whole 4 KiB pages", ram.base.raw(),
                      ram.size);
    }
    if (request.dtb_max_size == 0 || request.dtb_max_size > dtb_size_limit) {
        return refuse(diag, Error::arg_size, "device tree size limit {:#x} is not between 1 byte and 2 MiB",
                      request.dtb_max_size);
    }
    return success();
}

}  // namespace

Result<VmLayout> plan_vm_layout(const VmLayoutRequest& request, Diagnostic& diag)
{
    Status status = check_request(request, diag);
    if (!status) {
        return fail(status.error());
    }
    const IpaRange& ram = request.ram;
    Result<KernelPlacement> placed = place_kernel(request.kernel, ram, diag);
    if (!placed) {
        return fail(placed.error());
    }
    VmLayout layout;
    layout.ram = ram;
    layout.kernel_base = placed->base;
    layout.kernel = placed->reserved;
    layout.kernel_file = IpaRange{placed->load, request.kernel.file_size};

    Taken taken;
    taken.add(layout.kernel);
    bool dtb_fixed = request.dtb_at != place_automatically;
    bool initrd_fixed = request.initrd_size != 0 && request.initrd_at != place_automatically;
    if (dtb_fixed) {
        layout.dtb = IpaRange{Ipa{request.dtb_at}, request.dtb_max_size};
        status = check_fixed(ram, layout.dtb, dtb_alignment, "device tree", diag);
        if (status) {
            status = check_apart(layout.dtb, "device tree", layout.kernel, "the kernel", diag);
        }
        if (!status) {
            return fail(status.error());
        }
        taken.add(layout.dtb);
    }
    if (initrd_fixed) {
        layout.initrd = IpaRange{Ipa{request.initrd_at}, request.initrd_size};
        status = check_fixed(ram, layout.initrd, initrd_alignment, "initrd", diag);
        if (status) {
            status = check_apart(layout.initrd, "initrd", layout.kernel, "the kernel", diag);
        }
        if (status) {
            status = check_apart(layout.initrd, "initrd", layout.dtb, "the device tree", diag);
        }
        if (!status) {
            return fail(status.error());
        }
        taken.add(layout.initrd);
    }

    // Aligned to its size's power of two (at most 2 MiB), the DT never straddles 2 MiB.
    Ipa above_kernel = layout.kernel.end();
    if (!dtb_fixed) {
        std::uint64_t alignment = std::bit_ceil(request.dtb_max_size < dtb_alignment ? dtb_alignment
                                                                                     : request.dtb_max_size);
        Ipa at;
        if (!first_fit(ram, above_kernel, request.dtb_max_size, alignment, taken, at)) {
            return refuse(diag, Error::nomem,
                          "device tree ({:#x} bytes) does not fit in VM RAM [{:#x}, +{:#x}) above the kernel "
                          "(which ends at {:#x})",
                          request.dtb_max_size, ram.base.raw(), ram.size, above_kernel.raw());
        }
        layout.dtb = IpaRange{at, request.dtb_max_size};
        taken.add(layout.dtb);
    }
    if (request.initrd_size != 0 && !initrd_fixed) {
        Ipa at;
        if (!first_fit(ram, above_kernel, request.initrd_size, initrd_alignment, taken, at)) {
            return refuse(diag, Error::nomem,
                          "initrd ({:#x} bytes) does not fit in VM RAM [{:#x}, +{:#x}) above the kernel (which "
                          "ends at {:#x}) and the device tree",
                          request.initrd_size, ram.base.raw(), ram.size, above_kernel.raw());
        }
        layout.initrd = IpaRange{at, request.initrd_size};
    }

    status = check_vm_layout(layout, diag);
    if (!status) {
        return fail(status.error());
    }
    return layout;
}

Status check_vm_layout(const VmLayout& layout, Diagnostic& diag)
{
    const IpaRange& ram = layout.ram;
    if (ram.empty() || !ram.well_formed()) {
        return refuse(diag, Error::arg_inval, "VM RAM [{:#x}, +{:#x}) is empty or wraps", ram.base.raw(), ram.size);
    }
    if (!layout.kernel_base.is_aligned(image_base_alignment) || layout.kernel.base < layout.kernel_base) {
        return refuse(diag, Error::arg_align, "kernel base {:#x} is not 2 MiB aligned below the kernel at {:#x}",
                      layout.kernel_base.raw(), layout.kernel.base.raw());
    }
    Status status = check_fixed(ram, layout.kernel, 1, "the kernel", diag);
    if (!status) {
        return status;
    }
    if (layout.kernel_file.base != layout.kernel.base || layout.kernel_file.size > layout.kernel.size) {
        return refuse(diag, Error::arg_inval, "kernel file [{:#x}, +{:#x}) is not at the start of the kernel's range",
                      layout.kernel_file.base.raw(), layout.kernel_file.size);
    }
    if (layout.dtb.size > dtb_size_limit) {
        return refuse(diag, Error::arg_size, "device tree slot of {:#x} bytes exceeds the 2 MiB the boot protocol allows",
                      layout.dtb.size);
    }
    status = check_fixed(ram, layout.dtb, dtb_alignment, "device tree", diag);
    if (status) {
        status = check_apart(layout.dtb, "device tree", layout.kernel, "the kernel", diag);
    }
    if (!status || layout.initrd.empty()) {
        return status;
    }
    status = check_fixed(ram, layout.initrd, initrd_alignment, "initrd", diag);
    if (status) {
        status = check_apart(layout.initrd, "initrd", layout.kernel, "the kernel", diag);
    }
    if (status) {
        status = check_apart(layout.initrd, "initrd", layout.dtb, "the device tree", diag);
    }
    if (!status) {
        return status;
    }
    std::uint64_t lowest = layout.kernel.base < layout.initrd.base ? layout.kernel.base.raw() : layout.initrd.base.raw();
    std::uint64_t window = lowest & ~(initrd_window_alignment - 1);
    std::uint64_t highest = last_of(layout.kernel) > last_of(layout.initrd) ? last_of(layout.kernel)
                                                                            : last_of(layout.initrd);
    if (highest - window >= initrd_window_size) {
        return refuse(diag, Error::addr_inval,
                      "initrd at {:#x} and kernel at {:#x} do not fit in one 1 GiB-aligned 32 GiB window",
                      layout.initrd.base.raw(), layout.kernel.base.raw());
    }
    return success();
}

Result<PhysRange> choose_vm_ram(const PhysRange* free, std::size_t count, std::uint64_t size, Diagnostic& diag)
{
    if (size == 0 || size % vm_ram_granule != 0) {
        return refuse(diag, Error::arg_size, "VM RAM size {:#x} is not a non-zero number of 4 KiB pages", size);
    }
    std::uint64_t largest = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const PhysRange& range = free[i];
        if (range.empty() || !range.well_formed()) {
            continue;
        }
        largest = range.size > largest ? range.size : largest;
        PhysAddr base = range.base.align_up(vm_ram_alignment);
        std::uint64_t last = range.base.raw() + (range.size - 1);
        if (range.contains(base) && size - 1 <= last - base.raw()) {
            return PhysRange{base, size};
        }
    }
    return refuse(diag, Error::nomem,
                  "no free RAM range holds {:#x} bytes at a 2 MiB boundary ({} ranges, the largest {:#x} bytes)", size,
                  count, largest);
}

namespace {

constexpr bool phys_inside(const PhysRange& outer, const PhysRange& inner)
{
    return !inner.empty() && inner.base >= outer.base && inner.end() <= outer.end();
}

// Whether every byte of `range` lies in one of `ranges` (which may touch or overlap).
bool covered_by(const PhysRange& range, const PhysRange* ranges, std::size_t count)
{
    std::uint64_t at = range.base.raw();
    const std::uint64_t end = range.end().raw();
    while (at < end) {
        std::uint64_t furthest = at;
        for (std::size_t i = 0; i < count; ++i) {
            const PhysRange& r = ranges[i];
            if (!r.empty() && r.base.raw() <= at && r.end().raw() > furthest) {
                furthest = r.end().raw();
            }
        }
        if (furthest == at) {
            return false;
        }
        at = furthest;
    }
    return true;
}

InPlacePlan not_in_place(const char* why)
{
    InPlacePlan plan;
    plan.why = why;
    return plan;
}

}  // namespace

InPlacePlan plan_in_place(const InPlaceRequest& r)
{
    if (r.ram_size == 0 || r.ram_size % vm_ram_granule != 0) {
        return not_in_place("the RAM size is not whole pages");
    }
    if (r.kernel_at < r.kernel.text_offset || (r.kernel_at - r.kernel.text_offset) % vm_ram_alignment != 0) {
        return not_in_place("the kernel module is not at a 2 MiB boundary plus its text_offset");
    }
    const std::uint64_t base = r.kernel_at - r.kernel.text_offset;
    if (base > ~std::uint64_t{0} - r.ram_size) {
        return not_in_place("the RAM would wrap");
    }
    const PhysRange ram{PhysAddr{base}, r.ram_size};
    if (r.kernel.text_offset + r.kernel.image_size > r.ram_size) {
        return not_in_place("the kernel does not fit in the RAM");
    }
    InPlacePlan plan;
    plan.ram = IpaRange{Ipa{base}, r.ram_size};
    PhysRange pieces[RM_BOOT_INFO_MAX_RAM_RANGES + 2];
    std::size_t count = 0;
    for (std::size_t i = 0; i < r.free_count && count < RM_BOOT_INFO_MAX_RAM_RANGES; ++i) {
        pieces[count++] = r.free[i];
    }
    pieces[count++] = r.kernel_pages;
    if (!r.initrd_pages.empty()) {
        const IpaRange kernel{Ipa{r.kernel_at}, r.kernel.image_size};
        const IpaRange initrd{Ipa{r.initrd_at}, r.initrd_size};
        if (phys_inside(ram, r.initrd_pages)) {
            if (r.initrd_at % initrd_alignment != 0 || initrd.overlaps(kernel)) {
                return not_in_place("the initrd module lies in the RAM but not where it could be used");
            }
            plan.initrd_in_place = true;
            pieces[count++] = r.initrd_pages;
        } else if (r.initrd_pages.overlaps(ram)) {
            return not_in_place("the initrd module straddles the edge of the RAM");
        }
    }
    if (!covered_by(ram, pieces, count)) {
        return not_in_place("the RAM around the kernel module is not all free");
    }
    plan.possible = true;
    return plan;
}

}  // namespace hyp::rm
