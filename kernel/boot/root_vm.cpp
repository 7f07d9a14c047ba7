// Building the root VM, the resource manager (see root_vm.h). The kernel makes the same
// objects the hypercalls make, in the root partition and the root cspace, so the RM finds
// itself described by caps like any VM it will build.
#include "kernel/boot/root_vm.h"

#include <algorithm>

#include <arch/cache.h>

#include "hyp_api/gunyah_memory.h"
#include "hyp_api/rm_boot_info.h"
#include "support/range_pieces.h"
#include "kernel/boot/gunzip.h"
#include "kernel/core/log.h"
#include "kernel/boot/rm_boot_info_builder.h"
#include "kernel/core/irq.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/hwirq.h"
#include "kernel/object/lifecycle.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"
#include "kernel/object/root_objects.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"
#include "platform/dt/usable_ram.h"

// rm/boot/rm_blob.S: rm.bin as a gzip member (cmake/rm.cmake), in the image's read-only
// data; unpacked into the RM's RAM below.
extern "C" const std::uint8_t rm_image_start[];
extern "C" const std::uint8_t rm_image_end[];

namespace hyp {
namespace {

constexpr std::uint64_t page = 4096;
constexpr std::uint64_t block = std::uint64_t{2} << 20;
constexpr std::uint64_t rm_vmid = 255;  // gunyah-rm.md: the RM is VMID 0xFF
constexpr std::uint64_t rm_ram_size = RM_RAM_SIZE;
// The RM's virtual GIC: one vCPU, and SPIs for its side of every client's message queues
// (one receive interrupt per client VM, more for doorbells later).
constexpr std::uint64_t rm_vic_spis = 64;
// How many 2 MiB steps down from the top of RAM we try for the RM's RAM before giving up.
constexpr unsigned rm_ram_attempts = 256;

constexpr std::uint64_t ram_attrs =
    GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);

PhysRange pages_around(PhysRange r)
{
    PhysAddr first = r.base.align_down(page);
    PhysAddr last = r.end().align_up(page);
    return PhysRange{first, last - first};
}

// A new object of type T in the root partition with a cap in the root cspace (which
// keeps it alive). The returned pointer is valid as long as the cap is.
template <typename T>
Result<T*> make(CapId& cap)
{
    const RootObjects& roots = root_objects();
    Result<Object*> object = create_object(*roots.partition, T::object_type);
    if (!object) {
        return fail(object.error());
    }
    Result<CapId> id = roots.cspace->insert_root(**object, all_rights(T::object_type));
    (*object)->put();  // the cap holds it now, or it is gone again
    if (!id) {
        return fail(id.error());
    }
    cap = *id;
    return object_as<T>(*object);
}

bool failed(const char* what, Error error)
{
    log::error("hyp: root VM: {}: {}", what, error);
    return false;
}

// A memory extent over `range` of the root partition's memory, active.
Result<MemExtent*> extent_over(PhysRange range, std::uint64_t attrs, CapId& cap)
{
    Result<MemExtent*> extent = make<MemExtent>(cap);
    if (!extent) {
        return extent;
    }
    if (Status s = (*extent)->configure(range.base.raw(), range.size, attrs); !s) {
        return fail(s.error());
    }
    if (Status s = (*extent)->activate(); !s) {
        return fail(s.error());
    }
    return extent;
}

// The boot modules become the root partition's memory, contents kept, each under an
// extent the RM is given (it maps them to read them).
bool adopt_modules(const platform::PlatformInfo& info, RmBootCaps& caps, PhysRange* taken, std::size_t& taken_count)
{
    Partition& partition = *root_objects().partition;
    for (std::size_t i = 0; i < info.module_count; ++i) {
        PhysRange pages = pages_around(info.modules[i].range);
        if (Status s = partition.add_memory_in_place(pages, mem::Owner::hypervisor()); !s) {
            log::warn("hyp: root VM: boot module {} at {:#x} ({} bytes) cannot be given to the RM: {}", i,
                      info.modules[i].range.base, info.modules[i].range.size, s.error());
            continue;
        }
        CapId cap = invalid_cap_id;
        constexpr std::uint64_t module_attrs =
            GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);
        if (Result<MemExtent*> extent = extent_over(pages, module_attrs, cap); !extent) {
            return failed("boot module extent", extent.error());
        }
        caps.modules[i] = cap;
        taken[taken_count++] = pages;
    }
    return true;
}

// Device memory, an extent over each range, for the RM to map into VMs as it decides.
bool device_extents(const RootVmBoard& board, std::uint64_t* caps)
{
    constexpr std::uint64_t device_attrs =
        GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE, GUNYAH_MEMEXTENT_TYPE_BASIC);
    for (std::size_t i = 0; i < board.device_count; ++i) {
        CapId cap = invalid_cap_id;
        if (Result<MemExtent*> extent = extent_over(board.device_memory[i], device_attrs, cap); !extent) {
            return failed("device memory extent", extent.error());
        }
        caps[i] = cap;
    }
    return true;
}

// Hardware interrupts: a hwirq object for every SPI the hypervisor leaves to VMs (static:
// 8 KB, too much for the boot stack).
constinit std::uint64_t hwirq_caps[RM_BOOT_INFO_MAX_HWIRQS];

Result<std::size_t> hardware_interrupts()
{
    const RootObjects& roots = root_objects();
    Result<std::size_t> made = create_hwirqs(*roots.partition, *roots.cspace, hwirq_caps, RM_BOOT_INFO_MAX_HWIRQS);
    if (!made) {
        return fail(made.error());
    }
    const std::uint32_t end = irq_spi_end();
    const std::size_t spis = end > 32 ? std::min<std::size_t>(end - 32, RM_BOOT_INFO_MAX_HWIRQS) : 0;
    log::info("hyp: {} hardware interrupts for VMs: SPIs 32..{} less {} the hypervisor handles", *made, 31 + spis,
              spis - *made);
    return spis;
}

// The RM's RAM: the highest 2 MiB-aligned range of the root partition's free memory.
Result<MemExtent*> rm_ram_extent(const platform::PlatformInfo& info, CapId& cap, PhysRange& ram)
{
    Result<MemExtent*> extent = make<MemExtent>(cap);
    if (!extent) {
        return extent;
    }
    PhysRange usable[platform::max_memory_ranges * 4];
    std::size_t usable_count = 0;
    platform::UsableRamWalk walk{info};
    PhysRange range;
    while (usable_count < sizeof usable / sizeof usable[0] && walk.next(range)) {
        usable[usable_count++] = range;
    }
    unsigned attempts = 0;
    for (std::size_t i = usable_count; i-- > 0 && attempts < rm_ram_attempts;) {
        if (usable[i].size < rm_ram_size) {
            continue;
        }
        PhysAddr top = PhysAddr{usable[i].end().raw() - rm_ram_size}.align_down(block);
        for (PhysAddr base = top; base >= usable[i].base && attempts < rm_ram_attempts; base = base - block) {
            ++attempts;
            if (!(*extent)->configure(base.raw(), rm_ram_size, ram_attrs) || !(*extent)->activate()) {
                if (base.raw() < block) {
                    break;
                }
                continue;  // some of it is the kernel's, or in use: try lower
            }
            ram = PhysRange{base, rm_ram_size};
            return extent;
        }
    }
    return fail(Error::nomem);
}

// Free RAM for the RM to give to VMs: usable RAM less what the kernel keeps, the modules
// and the RM's own RAM. A few pages in it may hold kernel objects; the RM's extents
// then fail with `busy` and it picks other memory.
std::size_t free_ram(const platform::PlatformInfo& info, const PhysRange* holes, std::size_t hole_count,
                     PhysRange* out, std::size_t capacity)
{
    std::size_t count = 0;
    platform::UsableRamWalk walk{info};
    PhysRange usable;
    while (walk.next(usable)) {
        (void)for_each_piece(usable, holes, hole_count, [&](PhysRange piece) -> Status {
            PhysAddr base = piece.base.align_up(page);
            PhysAddr end = piece.end().align_down(page);
            if (end > base && count < capacity) {
                out[count++] = PhysRange{base, end - base};
            }
            return success();
        });
    }
    return count;
}

}  // namespace

bool start_root_vm(const platform::PlatformInfo& info, fmt::StrView command_line, const PhysRange* kept,
                   std::size_t kept_count, const RootVmBoard& board)
{
    const RootObjects& roots = root_objects();
    const auto packed_size = static_cast<std::size_t>(rm_image_end - rm_image_start);
    const std::uint64_t image_size = gunzip_stated_size(rm_image_start, packed_size);
    if (image_size == 0 || image_size + RM_BOOT_INFO_RESERVED_SIZE > rm_ram_size) {
        log::error("hyp: root VM: rm.bin is {} bytes; it must fit in {} bytes with its boot info", image_size,
                   rm_ram_size);
        return false;
    }

    RmBootCaps caps;
    caps.partition = roots.partition_cap;
    caps.cspace = roots.cspace_cap;

    PhysRange holes[16];
    std::size_t hole_count = 0;
    for (std::size_t i = 0; i < kept_count && hole_count < 8; ++i) {
        holes[hole_count++] = pages_around(kept[i]);
    }
    if (!adopt_modules(info, caps, holes, hole_count)) {
        return false;
    }

    PhysRange ram;
    CapId ram_cap = invalid_cap_id;
    Result<MemExtent*> ram_extent = rm_ram_extent(info, ram_cap, ram);
    if (!ram_extent) {
        log::error("hyp: root VM: no {} MiB of free RAM at a 2 MiB boundary for the resource manager",
                   rm_ram_size >> 20);
        return false;
    }
    caps.ram_memextent = ram_cap;
    holes[hole_count++] = ram;

    CapId as_cap = invalid_cap_id;
    Result<AddrSpace*> as = make<AddrSpace>(as_cap);
    if (!as) {
        return failed("address space", as.error());
    }
    if (Status s = (*as)->configure(rm_vmid); !s) {
        return failed("address space configure", s.error());
    }
    if (Status s = (*as)->activate(); !s) {
        return failed("address space activate", s.error());
    }
    caps.addrspace = as_cap;
    MappingAccess rwx{GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX};
    if (Status s = addrspace_map(**as, **ram_extent, MappingRequest{Ipa{ram.base.raw()}}, rwx,
                                 GUNYAH_S2_MEMTYPE_NORMAL_WB);
        !s) {
        return failed("mapping its RAM", s.error());
    }

    // Its virtual GIC, so that message queues and doorbells can interrupt it; made before
    // boot info is written, which names it.
    CapId vic_cap = invalid_cap_id;
    Result<Vic*> vic = make<Vic>(vic_cap);
    if (!vic) {
        return failed("virtual GIC", vic.error());
    }
    if (Status s = (*vic)->configure(1, rm_vic_spis, 0, 0); !s) {
        return failed("virtual GIC configure", s.error());
    }
    if (Status s = activate_object(**vic); !s) {
        return failed("virtual GIC activate", s.error());
    }

    caps.vic = vic_cap;
    caps.vic_spis = rm_vic_spis;

    // The program, then the boot info at the top of its RAM.
    auto* base = reinterpret_cast<std::uint8_t*>(ram.base.raw());
    if (GunzipResult r = gunzip(rm_image_start, packed_size, base, image_size); r.status != GunzipStatus::ok) {
        log::error("hyp: root VM: rm.bin does not unpack ({}): the image is damaged", gunzip_status_name(r.status));
        return false;
    }
    std::uint64_t device_caps[RM_BOOT_INFO_MAX_DEVICE_RANGES];
    if (board.device_count > RM_BOOT_INFO_MAX_DEVICE_RANGES || !device_extents(board, device_caps)) {
        return false;
    }
    Result<std::size_t> hwirq_count = hardware_interrupts();
    if (!hwirq_count) {
        return failed("hardware interrupts", hwirq_count.error());
    }
    PhysRange free_ranges[RM_BOOT_INFO_MAX_RAM_RANGES];
    std::size_t free_count = free_ram(info, holes, hole_count, free_ranges, RM_BOOT_INFO_MAX_RAM_RANGES);
    RmBootInfoInputs inputs;
    inputs.platform = &info;
    inputs.caps = caps;
    inputs.rm_ram = ram;
    inputs.free_ram = free_ranges;
    inputs.free_ram_count = free_count;
    inputs.cmdline = command_line;
    inputs.boot_cpu = 0;
    inputs.hypervisor = board.hypervisor;
    inputs.device_memory = board.device_memory;
    inputs.device_caps = device_caps;
    inputs.device_count = board.device_count;
    inputs.hwirq_caps = hwirq_caps;
    inputs.hwirq_count = *hwirq_count;
    PhysAddr info_address = rm_boot_info_address(ram);
    auto* boot_info = reinterpret_cast<rm_boot_info*>(info_address.raw());
    Result<RmBootInfoReport> report = build_rm_boot_info(inputs, *boot_info);
    if (!report) {
        return failed("boot info", report.error());
    }
    if (report->options_dropped != 0 || report->bootargs_truncated != 0 || report->ram_ranges_dropped != 0) {
        log::warn("hyp: root VM: boot info: {} rm. options did not fit, {} modules' bootargs cut, {} free RAM "
                  "ranges left out",
                  report->options_dropped, report->bootargs_truncated, report->ram_ranges_dropped);
    }
    if (board.board_dtb != nullptr) {
        if (Status s = add_board_dtb(board.board_dtb, board.board_dtb_size, ram, base, image_size, *boot_info); !s) {
            log::error("hyp: root VM: the board's device tree ({} bytes) does not fit the {} KiB the RM's RAM keeps "
                       "for it, or is not a DTB ({}): the primary VM cannot get it",
                       board.board_dtb_size, RM_BOOT_INFO_BOARD_DTB_MAX_SIZE / 1024, s.error());
            return false;
        }
        arch::cache_clean_range(reinterpret_cast<const void*>(boot_info->board_dtb.base), board.board_dtb_size);
        log::info("hyp: root VM: the board's device tree ({} bytes) at {:#x} for the primary VM",
                  board.board_dtb_size, boot_info->board_dtb.base);
    }
    // The RM starts with its MMU off (data cacheable through HCR_EL2.DC, instruction
    // fetches maybe not): its code must be in memory and no stale instructions cached.
    arch::cache_clean_range(base, image_size);
    arch::cache_clean_range(boot_info, sizeof *boot_info);
    arch::icache_invalidate_all();

    CapId vpm_cap = invalid_cap_id;
    Result<VpmGroup*> vpm = make<VpmGroup>(vpm_cap);
    if (!vpm) {
        return failed("VPM group", vpm.error());
    }
    if (Status s = activate_object(**vpm); !s) {
        return failed("VPM group activate", s.error());
    }
    (*vpm)->set_system_power_physical(true);

    CapId vcpu_cap = invalid_cap_id;
    Result<Vcpu*> vcpu = make<Vcpu>(vcpu_cap);
    if (!vcpu) {
        return failed("vCPU", vcpu.error());
    }
    Vcpu& v = **vcpu;
    if (Status s = v.attach_cspace(*roots.cspace); !s) {
        return failed("vCPU cspace", s.error());
    }
    if (Status s = v.attach_addrspace(**as); !s) {
        return failed("vCPU address space", s.error());
    }
    if (Status s = v.set_mmu_off_cacheable(); !s) {
        return failed("vCPU options", s.error());
    }
    if (Status s = v.attach_vpm_group(**vpm, 0); !s) {
        return failed("vCPU VPM group", s.error());
    }
    if (Status s = v.attach_vic(**vic, 0); !s) {
        return failed("vCPU virtual GIC", s.error());
    }
    if (Status s = v.activate(); !s) {
        return failed("vCPU activate", s.error());
    }
    if (Status s = v.poweron(ram.base.raw(), false, info_address.raw(), false); !s) {
        return failed("vCPU power on", s.error());
    }
    (*vpm)->vcpu_powered_on(v);

    log::info("hyp: root VM: resource manager ({} KiB, {} KiB packed) at {:#x}, {} MiB RAM, boot info at {:#x}",
              image_size / 1024, packed_size / 1024, ram.base, rm_ram_size >> 20, info_address);
    return true;
}

}  // namespace hyp
