// Building the primary VM (see primary_vm.h).
#include "rm/vm/primary_vm.h"

#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "hyp_api/vcpu_mpidr.h"
#include "rm/dt/board_dt.h"
#include "rm/dt/board_irqs.h"
#include "rm/dt/board_memory.h"
#include "rm/vm/board_devices.h"

namespace hyp::rm {
namespace {

// The VM's RAM: normal cached memory the VM may execute.
constexpr std::uint32_t ram_extent_attrs =
    GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);
// The RM's temporary window on it (to write), on the modules (to read), and the VM's own
// mapping. Normal write-back, as the RM's and the VM's data accesses are.
constexpr std::uint32_t rm_write_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
constexpr std::uint32_t rm_read_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_R, GUNYAH_S2_MEMTYPE_NORMAL_WB);
constexpr std::uint32_t vm_ram_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX, GUNYAH_S2_MEMTYPE_NORMAL_WB);

constexpr std::uint64_t align_down(std::uint64_t v, std::uint64_t a) { return v & ~(a - 1); }
constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

// "<call> (<what>) failed: <error>", the line the RM prints before powering off.
Status call_failed(Diagnostic& diag, Error error, const char* call, const char* what)
{
    return refuse(diag, error, "{} ({}) failed: {}", call, what, error);
}

Status check(Error error, Diagnostic& diag, const char* call, const char* what)
{
    return error == Error::ok ? success() : call_failed(diag, error, call, what);
}

class Builder {
public:
    Builder(const PrimaryVmRequest& request, Hypervisor& hv, Memory& memory, PrimaryVm& vm, Diagnostic& diag)
        : r_{request}, info_{*request.info}, hv_{hv}, memory_{memory}, vm_{vm}, diag_{diag}
    {
    }

    Status run()
    {
        using Step = Status (Builder::*)();
        constexpr Step steps[] = {
            &Builder::check_request, &Builder::map_modules, &Builder::read_kernel_header, &Builder::claim_ram,
            &Builder::derive_ram,    &Builder::plan_layout, &Builder::make_address_space, &Builder::make_vic,
            &Builder::make_link,     &Builder::bind_hwirqs, &Builder::fill_ram,           &Builder::make_vcpus,
            &Builder::power_on};
        for (Step step : steps) {
            Status s = (this->*step)();
            if (!s) {
                return s;
            }
        }
        return success();
    }

private:
    Status check_request()
    {
        if (r_.modules.kernel == nullptr) {
            return refuse(diag_, Error::arg_inval, "no kernel module for the primary VM");
        }
        if (r_.vcpu_count == 0 || r_.vcpu_count > primary_max_vcpus) {
            return refuse(diag_, Error::arg_inval, "{} vCPUs for the primary VM: 1 to {}", r_.vcpu_count,
                          primary_max_vcpus);
        }
        return success();
    }

    // Read-only windows on the modules, at IPA = PA, for as long as the RM copies them.
    Status map_modules()
    {
        const rm_boot_module* modules[] = {r_.modules.kernel, r_.modules.ramdisk};
        const char* names[] = {"the kernel module into the RM", "the ramdisk module into the RM"};
        for (std::size_t i = 0; i < 2; ++i) {
            const rm_boot_module* m = modules[i];
            if (m == nullptr) {
                continue;
            }
            if (m->memextent_cap == cap_invalid) {
                return refuse(diag_, Error::cspace_cap_null, "boot module at {:#x} has no memextent capability",
                              m->phys.base);
            }
            Status s = check(hv_.addrspace_map(info_.addrspace_cap, m->memextent_cap, module_extent_base(*m),
                                               rm_read_attrs, 0, 0, 0),
                             diag_, "addrspace_map", names[i]);
            if (!s) {
                return s;
            }
        }
        return success();
    }

    Status unmap_modules()
    {
        // Modules the VM runs in place left the RM when they were given back.
        const rm_boot_module* modules[] = {vm_.kernel_in_place ? nullptr : r_.modules.kernel,
                                           vm_.initrd_in_place ? nullptr : r_.modules.ramdisk};
        const char* names[] = {"the kernel module from the RM", "the ramdisk module from the RM"};
        for (std::size_t i = 0; i < 2; ++i) {
            const rm_boot_module* m = modules[i];
            if (m == nullptr) {
                continue;
            }
            Status s = check(hv_.addrspace_unmap(info_.addrspace_cap, m->memextent_cap, module_extent_base(*m), 0, 0, 0),
                             diag_, "addrspace_unmap", names[i]);
            if (!s) {
                return s;
            }
        }
        return success();
    }

    Status read_kernel_header()
    {
        const rm_boot_module& kernel = *r_.modules.kernel;
        const std::byte* bytes = memory_.at(kernel.phys.base, kernel.phys.size);
        if (bytes == nullptr) {
            return refuse(diag_, Error::addr_inval, "the kernel module [{:#x}, +{:#x}) is not readable by the RM",
                          kernel.phys.base, kernel.phys.size);
        }
        Result<KernelImage> image = parse_image_header(bytes, kernel.phys.size, diag_);
        if (!image) {
            return fail(image.error());
        }
        vm_.kernel = *image;
        return success();
    }

    // The first 2 MiB-aligned block of ram_size bytes in the free ranges at or above `from`.
    Result<IpaRange> candidate(std::uint64_t from)
    {
        PhysRange free[RM_BOOT_INFO_MAX_RAM_RANGES];
        std::size_t count = 0;
        for (std::size_t i = 0; i < info_.ram_range_count && i < RM_BOOT_INFO_MAX_RAM_RANGES; ++i) {
            const rm_boot_range& range = info_.ram_ranges[i];
            const std::uint64_t end = range.base + range.size;
            if (end <= from) {
                continue;
            }
            const std::uint64_t base = range.base > from ? range.base : from;
            free[count++] = PhysRange{PhysAddr{base}, end - base};
        }
        Result<PhysRange> chosen = choose_vm_ram(free, count, r_.ram_size, diag_);
        if (!chosen) {
            return fail(chosen.error());
        }
        return IpaRange{Ipa{chosen->base.raw()}, chosen->size};  // IPA = PA
    }

    // The module's whole pages, as its extent covers them.
    static PhysRange module_pages(const rm_boot_module& m)
    {
        const std::uint64_t base = module_extent_base(m);
        return PhysRange{PhysAddr{base}, align_up(m.phys.base + m.phys.size, rm_page_size) - base};
    }

    // RAM that holds the kernel module where the boot loader put it (and the initrd, when
    // it lies inside), so that nothing is copied: the modules' pages go back to the root
    // partition (memextent_donate to parent), and one extent over the RAM around them
    // takes them with the free pages in between. The extent object is made first, so
    // that nothing is allocated between the donation and the claim. When the claim is
    // refused (the hypervisor uses a page of it), the modules are taken back and the RM
    // copies them as before: success with vm_.kernel_in_place false.
    Status claim_ram_in_place()
    {
        const rm_boot_module& kernel = *r_.modules.kernel;
        const rm_boot_module* initrd = r_.modules.ramdisk;
        PhysRange free[RM_BOOT_INFO_MAX_RAM_RANGES];
        std::size_t count = 0;
        for (std::size_t i = 0; i < info_.ram_range_count && i < RM_BOOT_INFO_MAX_RAM_RANGES; ++i) {
            free[count++] = PhysRange{PhysAddr{info_.ram_ranges[i].base}, info_.ram_ranges[i].size};
        }
        InPlaceRequest request;
        request.kernel = vm_.kernel;
        request.kernel_pages = module_pages(kernel);
        request.kernel_at = kernel.phys.base;
        if (initrd != nullptr) {
            request.initrd_pages = module_pages(*initrd);
            request.initrd_at = initrd->phys.base;
            request.initrd_size = initrd->phys.size;
        }
        request.free = free;
        request.free_count = count;
        request.ram_size = r_.ram_size;
        const InPlacePlan plan = plan_in_place(request);
        if (!plan.possible) {
            vm_.not_in_place = plan.why;
            return success();
        }
        // The layout it would have, checked before anything changes.
        VmLayoutRequest layout;
        layout.ram = plan.ram;
        layout.kernel = vm_.kernel;
        layout.initrd_size = initrd != nullptr ? initrd->phys.size : 0;
        layout.dtb_max_size = dtb_max_size();
        if (plan.initrd_in_place) {
            layout.initrd_at = initrd->phys.base;
        }
        Diagnostic unused;
        Result<VmLayout> planned = plan_vm_layout(layout, unused);
        if (!planned || planned->kernel.base.raw() != kernel.phys.base) {
            vm_.not_in_place = "the VM's layout around the modules does not work out";
            return success();
        }

        CapResult extent = hv_.partition_create(ObjectKind::memextent, info_.partition_cap, info_.cspace_cap);
        if (!extent.ok()) {
            return call_failed(diag_, extent.error, "partition_create_memextent", "the primary VM's RAM");
        }
        const rm_boot_module* given[2] = {&kernel, plan.initrd_in_place ? initrd : nullptr};
        for (const rm_boot_module* m : given) {
            if (m == nullptr) {
                continue;
            }
            Status s = check(hv_.addrspace_unmap(info_.addrspace_cap, m->memextent_cap, module_extent_base(*m), 0, 0, 0),
                             diag_, "addrspace_unmap", "a module the VM will run in place, from the RM");
            if (s) {
                s = check(hv_.memextent_donate(GUNYAH_DONATE_TO_PARENT, m->memextent_cap, info_.partition_cap, 0,
                                               module_pages(*m).size),
                          diag_, "memextent_donate", "a module back to the root partition");
            }
            if (!s) {
                return s;
            }
        }
        Error e = hv_.memextent_configure(extent.cap, plan.ram.base.raw(), plan.ram.size, ram_extent_attrs);
        if (e == Error::ok) {
            e = hv_.object_activate(extent.cap);
        }
        if (e == Error::ok) {
            vm_.ram_root = extent.cap;
            vm_.layout = *planned;
            vm_.kernel_in_place = true;
            vm_.initrd_in_place = plan.initrd_in_place;
            return success();
        }
        // Refused: the modules go back to their extents and to the RM, to be copied.
        vm_.not_in_place = "the hypervisor uses some of the RAM around the modules";
        for (const rm_boot_module* m : given) {
            if (m == nullptr) {
                continue;
            }
            Status s = check(hv_.memextent_donate(GUNYAH_DONATE_TO_CHILD, info_.partition_cap, m->memextent_cap, 0,
                                                  module_pages(*m).size),
                             diag_, "memextent_donate", "a module back from the root partition");
            if (s) {
                s = check(hv_.addrspace_map(info_.addrspace_cap, m->memextent_cap, module_extent_base(*m),
                                            rm_read_attrs, 0, 0, 0),
                          diag_, "addrspace_map", "a module into the RM again");
            }
            if (!s) {
                return s;
            }
        }
        return check(hv_.cspace_delete_cap_from(info_.cspace_cap, extent.cap), diag_, "cspace_delete_cap_from",
                     "a RAM extent the hypervisor was using");
    }

    // The RAM's memextent comes first, before any other object: the hypervisor allocates
    // object memory from the same root partition and may have taken pages of a candidate,
    // which activation then refuses (busy); the RM tries the next 2 MiB boundary.
    Status claim_ram()
    {
        if (Status s = claim_ram_in_place(); !s || vm_.kernel_in_place) {
            return s;
        }
        std::uint64_t from = 0;
        for (std::size_t attempt = 0; attempt < max_ram_candidates; ++attempt) {
            Result<IpaRange> ram = candidate(from);
            if (!ram) {
                if (vm_.busy_candidates != 0) {
                    return refuse(diag_, ram.error(),
                                  "no free RAM for the primary VM ({:#x} bytes) after {} candidates in use by the "
                                  "hypervisor",
                                  r_.ram_size, vm_.busy_candidates);
                }
                return fail(ram.error());
            }
            CapResult extent = hv_.partition_create(ObjectKind::memextent, info_.partition_cap, info_.cspace_cap);
            if (!extent.ok()) {
                return call_failed(diag_, extent.error, "partition_create_memextent", "the primary VM's RAM");
            }
            const char* call = "memextent_configure";
            Error e = hv_.memextent_configure(extent.cap, ram->base.raw(), ram->size, ram_extent_attrs);
            if (e == Error::ok) {
                call = "object_activate";
                e = hv_.object_activate(extent.cap);
            }
            if (e == Error::ok) {
                vm_.ram_root = extent.cap;
                vm_.layout.ram = *ram;
                return success();
            }
            if (e != Error::busy) {
                return call_failed(diag_, e, call, "the primary VM's RAM");
            }
            Status s = check(hv_.cspace_delete_cap_from(info_.cspace_cap, extent.cap), diag_, "cspace_delete_cap_from",
                             "a RAM extent the hypervisor was using");
            if (!s) {
                return s;
            }
            ++vm_.busy_candidates;
            from = ram->base.raw() + vm_ram_alignment;
        }
        return refuse(diag_, Error::nomem, "no free RAM for the primary VM after {} candidates in use by the hypervisor",
                      vm_.busy_candidates);
    }

    // The extent the VM sees its RAM through: a child over all of the RM's root extent,
    // so that a lend can take a range out of the VM's view by donating it back to the
    // root (rm/mem/parcel_ops.h) without splitting the VM's mapping.
    Status derive_ram()
    {
        CapResult extent = hv_.partition_create(ObjectKind::memextent, info_.partition_cap, info_.cspace_cap);
        if (!extent.ok()) {
            return call_failed(diag_, extent.error, "partition_create_memextent", "the primary VM's view of its RAM");
        }
        vm_.ram_extent = extent.cap;
        Error e = hv_.memextent_configure_derive(extent.cap, vm_.ram_root, 0, vm_.layout.ram.size, ram_extent_attrs);
        if (e != Error::ok) {
            return call_failed(diag_, e, "memextent_configure_derive", "the primary VM's view of its RAM");
        }
        return check(hv_.object_activate(extent.cap), diag_, "object_activate", "the primary VM's view of its RAM");
    }

    Status plan_layout()
    {
        if (vm_.kernel_in_place) {
            return success();  // laid out when the RAM was claimed around the modules
        }
        VmLayoutRequest request;
        request.ram = vm_.layout.ram;
        request.kernel = vm_.kernel;
        request.initrd_size = r_.modules.ramdisk != nullptr ? r_.modules.ramdisk->phys.size : 0;
        request.dtb_max_size = dtb_max_size();
        Result<VmLayout> layout = plan_vm_layout(request, diag_);
        if (!layout) {
            return fail(layout.error());
        }
        vm_.layout = *layout;
        return success();
    }

    Status copy(IpaRange to, const rm_boot_module& from, const char* what)
    {
        std::byte* dst = memory_.at(to.base.raw(), to.size);
        const std::byte* src = memory_.at(from.phys.base, to.size);
        if (dst == nullptr || src == nullptr) {
            return refuse(diag_, Error::addr_inval, "copying the {} to {:#x}: memory not mapped in the RM", what,
                          to.base);
        }
        __builtin_memcpy(dst, src, to.size);
        return success();
    }

    bool board_dt() const { return (info_.flags & RM_BOOT_INFO_BOARD_DTB) != 0; }

    // The VM's DT slot: ours is a few KiB; the board's own tree, edited, is the board's
    // size plus the /hypervisor node, the carve-outs and /chosen (well under 64 KiB more).
    std::uint64_t dtb_max_size() const
    {
        if (!board_dt()) {
            return default_dtb_max_size;
        }
        const std::uint64_t wanted = align_up(info_.board_dtb.size + default_dtb_max_size, rm_page_size);
        return wanted < dtb_size_limit ? wanted : dtb_size_limit;
    }

    RmLinkNode link_node() const
    {
        RmLinkNode link;
        link.present = true;
        link.tx_cap = vm_.rm_link.client_tx;
        link.rx_cap = vm_.rm_link.client_rx;
        link.tx_intid = vm_.rm_tx_intid;
        link.rx_intid = vm_.rm_rx_intid;
        link.vmid = GUNYAH_RM_VMID_HLOS;
        link.message_size = rm_link_message_size;
        link.queue_depth = rm_link_queue_depth;
        return link;
    }

    Status write_dt()
    {
        std::byte* buffer = memory_.at(vm_.layout.dtb.base.raw(), vm_.layout.dtb.size);
        if (buffer == nullptr) {
            return refuse(diag_, Error::addr_inval, "writing the DT at {:#x}: memory not mapped in the RM",
                          vm_.layout.dtb.base);
        }
        Result<std::size_t> size = board_dt() ? write_board_dt(buffer) : write_own_dt(buffer);
        if (!size) {
            return fail(size.error());
        }
        vm_.dtb_size = *size;
        return success();
    }

    // QEMU virt: the tree the RM writes itself (rm/dt/primary_dt.h).
    Result<std::size_t> write_own_dt(std::byte* buffer)
    {
        PrimaryDtConfig config;
        Status s = configure_primary_dt(info_, *r_.modules.kernel, vm_.layout, r_.vcpu_count, config, diag_);
        if (!s) {
            return fail(s.error());
        }
        config.rm_link = link_node();
        return build_primary_dt(config, buffer, vm_.layout.dtb.size, diag_);
    }

    // A board: its own tree (boot info's board_dtb, in the RM's RAM), edited
    // (rm/dt/board_dt.h). The VM's RAM is at IPA = PA, so the board's /memory holds it;
    // the rest of /memory becomes no-map carve-outs (rm/dt/board_memory.h).
    Result<const std::byte*> board_dtb()
    {
        const std::byte* board = memory_.at(info_.board_dtb.base, info_.board_dtb.size);
        if (board == nullptr) {
            return refuse(diag_, Error::addr_inval, "the board DTB at {:#x} is not readable by the RM",
                          info_.board_dtb.base);
        }
        return board;
    }

    Result<std::size_t> write_board_dt(std::byte* buffer)
    {
        Result<const std::byte*> dtb = board_dtb();
        if (!dtb) {
            return fail(dtb.error());
        }
        const std::byte* board = *dtb;
        PhysRange memory[board_max_memory_ranges];
        Result<std::size_t> banks = board_memory(board, info_.board_dtb.size, memory, board_max_memory_ranges, diag_);
        if (!banks) {
            return fail(banks.error());
        }
        BoardDtEdits edits;
        const PhysRange vm_ram{PhysAddr{vm_.layout.ram.base.raw()}, vm_.layout.ram.size};  // IPA = PA
        const PhysRange hypervisor{PhysAddr{info_.hyp_phys.base}, info_.hyp_phys.size};
        const PhysRange rm_ram{PhysAddr{info_.ram_phys.base}, info_.ram_phys.size};
        Status s = plan_board_carve_outs(memory, *banks, vm_ram, hypervisor, rm_ram, edits, diag_);
        if (!s) {
            return fail(s.error());
        }
        // The board's first CPUs in /cpus order, one per vCPU, each renamed to its vCPU's
        // MPIDR (board MPIDRs such as sc7280's 0x0, 0x100, ... are not vCPUs' MPIDRs).
        Result<std::size_t> board_cpus =
            board_cpu_mpidrs(board, info_.board_dtb.size, edits.cpu_mpidrs, primary_max_vcpus, diag_);
        if (!board_cpus) {
            return fail(board_cpus.error());
        }
        if (*board_cpus < r_.vcpu_count) {
            return refuse(diag_, Error::arg_inval, "the board DT lists {} CPUs, fewer than the VM's {} vCPUs",
                          *board_cpus, r_.vcpu_count);
        }
        edits.cpu_count = r_.vcpu_count;
        edits.renumber_cpus = true;
        for (std::uint32_t i = 0; i < r_.vcpu_count; ++i) {
            edits.cpu_vcpu_mpidrs[i] = hyp_abi::vcpu_mpidr(i);
        }
        edits.rm_link = link_node();
        // The virtual PL011 sits where the board's console is (a GENI UART on Qualcomm).
        edits.console.regs = IpaRange{Ipa{info_.platform.uart.base}, info_.platform.uart.size};
        edits.console.intid = info_.platform.uart_intid;
        edits.bootargs = r_.modules.kernel->bootargs;
        edits.initrd = vm_.layout.initrd;
        return build_board_dt(board, info_.board_dtb.size, edits, buffer, vm_.layout.dtb.size, diag_);
    }

    // The VM starts with its MMU and caches off: what the RM wrote through its cached
    // window must reach the point of coherency first, and so must modules used in place
    // (whatever wrote them may have left lines in the caches).
    Status clean(IpaRange range, const char* what)
    {
        if (range.empty()) {
            return success();
        }
        const std::uint64_t offset = align_down(range.base - vm_.layout.ram.base, rm_page_size);
        const std::uint64_t end = align_up(range.end() - vm_.layout.ram.base, rm_page_size);
        return check(hv_.memextent_modify(vm_.ram_extent, GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE, offset,
                                          end - offset),
                     diag_, "memextent_modify (cache_clean_range)", what);
    }

    // The part of the VM's RAM the RM writes: the DT, and the modules it copies; page
    // aligned, as offsets in the RAM extent. Only that is mapped into the RM (a mapping
    // of all the RAM costs a stage-2 entry per page where the board maps pages only).
    IpaRange write_window() const
    {
        const VmLayout& layout = vm_.layout;
        std::uint64_t lo = layout.dtb.base.raw();
        std::uint64_t hi = layout.dtb.end().raw();
        auto add = [&](IpaRange r) {
            if (!r.empty()) {
                lo = r.base.raw() < lo ? r.base.raw() : lo;
                hi = r.end().raw() > hi ? r.end().raw() : hi;
            }
        };
        if (!vm_.kernel_in_place) {
            add(layout.kernel_file);
        }
        if (!vm_.initrd_in_place) {
            add(layout.initrd);
        }
        lo = align_down(lo, rm_page_size);
        hi = align_up(hi, rm_page_size);
        return IpaRange{Ipa{lo}, hi - lo};
    }

    Status fill_ram()
    {
        const VmLayout& layout = vm_.layout;
        const IpaRange window = write_window();
        const std::uint64_t window_offset = window.base - layout.ram.base;
        Status s = check(hv_.addrspace_map(info_.addrspace_cap, vm_.ram_extent, window.base.raw(), rm_write_attrs,
                                           GUNYAH_ADDRSPACE_MAP_PARTIAL, window_offset, window.size),
                         diag_, "addrspace_map", "the primary VM's RAM into the RM");
        if (!s) {
            return s;
        }
        if (!vm_.kernel_in_place) {
            s = copy(layout.kernel_file, *r_.modules.kernel, "kernel");
        }
        if (s && r_.modules.ramdisk != nullptr && !vm_.initrd_in_place) {
            s = copy(layout.initrd, *r_.modules.ramdisk, "initrd");
        }
        if (s) {
            s = write_dt();
        }
        if (!s) {
            return s;
        }
        const IpaRange written[] = {layout.kernel_file, IpaRange{layout.dtb.base, vm_.dtb_size}, layout.initrd};
        const char* names[] = {"the kernel", "the DT", "the initrd"};
        for (std::size_t i = 0; i < 3; ++i) {
            s = clean(written[i], names[i]);
            if (!s) {
                return s;
            }
        }
        // The RM keeps no access to the VM's memory, nor to the modules it has copied.
        s = check(hv_.addrspace_unmap(info_.addrspace_cap, vm_.ram_extent, window.base.raw(),
                                      GUNYAH_ADDRSPACE_MAP_PARTIAL, window_offset, window.size),
                  diag_, "addrspace_unmap", "the primary VM's RAM from the RM");
        if (!s) {
            return s;
        }
        return unmap_modules();
    }

    Status create(ObjectKind kind, CapId& cap, const char* what)
    {
        CapResult created = hv_.partition_create(kind, info_.partition_cap, info_.cspace_cap);
        if (!created.ok()) {
            return call_failed(diag_, created.error, create_call_name(kind), what);
        }
        cap = created.cap;
        return success();
    }

    // Its cspace and its address space (VMID 3, HLOS, as in gunyah-rm.md), with the RAM
    // mapped at IPA = PA.
    Status make_address_space()
    {
        Status s = create(ObjectKind::cspace, vm_.cspace, "the primary VM's cspace");
        if (!s) {
            return s;
        }
        Error e = hv_.cspace_configure(vm_.cspace, primary_cspace_caps);
        if (e != Error::ok) {
            return call_failed(diag_, e, "cspace_configure", "the primary VM's cspace");
        }
        e = hv_.object_activate(vm_.cspace);
        if (e != Error::ok) {
            return call_failed(diag_, e, "object_activate", "the primary VM's cspace");
        }
        s = create(ObjectKind::addrspace, vm_.addrspace, "the primary VM's address space");
        if (!s) {
            return s;
        }
        e = hv_.addrspace_configure(vm_.addrspace, GUNYAH_RM_VMID_HLOS);
        if (e != Error::ok) {
            return call_failed(diag_, e, "addrspace_configure", "the primary VM's address space, VMID 3");
        }
        e = hv_.object_activate(vm_.addrspace);
        if (e != Error::ok) {
            return call_failed(diag_, e, "object_activate", "the primary VM's address space");
        }
        e = hv_.addrspace_map(vm_.addrspace, vm_.ram_extent, vm_.layout.ram.base.raw(), vm_ram_attrs, 0, 0, 0);
        s = check(e, diag_, "addrspace_map", "the primary VM's RAM into its address space");
        if (s && board_dt()) {
            s = map_device_memory(hv_, info_, vm_.addrspace, diag_);  // its tree names the board's devices
        }
        return s;
    }

    Status vcpu_failed(Error error, const char* call, std::uint32_t index)
    {
        return refuse(diag_, error, "{} (the primary VM's vCPU {}) failed: {}", call, index, error);
    }

    // Its vic's size and the link's SPIs (make_link, link_node): QEMU virt's fixed ones,
    // or on a board all the SPIs and the two highest its DT leaves free (board_vic_spis).
    Status choose_spis()
    {
        vm_.vic_spis = primary_vic_spis;
        vm_.rm_tx_intid = primary_rm_tx_intid;
        vm_.rm_rx_intid = primary_rm_rx_intid;
        if (!board_dt()) {
            return success();
        }
        Result<const std::byte*> board = board_dtb();
        Result<BoardLinkSpis> spis = board ? board_link_spis(*board, info_.board_dtb.size, info_.platform.uart_intid,
                                                             diag_)
                                           : Result<BoardLinkSpis>{fail(board.error())};
        if (!spis) {
            return fail(spis.error());
        }
        vm_.vic_spis = board_vic_spis;
        vm_.rm_tx_intid = spis->tx_intid;
        vm_.rm_rx_intid = spis->rx_intid;
        return success();
    }

    // The virtual GIC, for all the VM's vCPUs; active before any vCPU is attached to it
    // (vic_attach_vcpu needs an active vic).
    Status make_vic()
    {
        Status s = choose_spis();
        if (s) {
            s = create(ObjectKind::vic, vm_.vic, "the primary VM's virtual GIC");
        }
        if (!s) {
            return s;
        }
        Error e = hv_.vic_configure(vm_.vic, r_.vcpu_count, vm_.vic_spis, 0, 0);
        if (e != Error::ok) {
            return call_failed(diag_, e, "vic_configure", "the primary VM's virtual GIC");
        }
        e = hv_.object_activate(vm_.vic);
        if (e != Error::ok) {
            return call_failed(diag_, e, "object_activate", "the primary VM's virtual GIC");
        }
        return success();
    }

    // Its RPC queue pair to the RM: the RM's ends wake the RM through its own vic.
    Status make_link()
    {
        if (info_.vic_spis < primary_link_rm_tx_intid + 1 - 32) {
            return refuse(diag_, Error::arg_inval, "boot info gives the RM {} SPIs; its link to the primary VM uses "
                          "INTIDs {} and {}", info_.vic_spis, primary_link_rm_rx_intid, primary_link_rm_tx_intid);
        }
        RmLinkRequest link;
        link.partition = info_.partition_cap;
        link.rm_cspace = info_.cspace_cap;
        link.rm_vic = info_.vic_cap;
        link.rm_rx_intid = primary_link_rm_rx_intid;
        link.rm_tx_intid = primary_link_rm_tx_intid;
        link.client_cspace = vm_.cspace;
        link.client_vic = vm_.vic;
        link.client_tx_intid = vm_.rm_tx_intid;
        link.client_rx_intid = vm_.rm_rx_intid;
        return make_rm_link(link, hv_, vm_.rm_link, diag_);
    }

    // On a board, the board's interrupts: each hardware interrupt to the same INTID of
    // its vic, now that its RPC link has taken its two (rm/vm/board_devices.h).
    Status bind_hwirqs()
    {
        if (!board_dt()) {
            return success();
        }
        Result<HwirqBinding> bound = bind_hardware_interrupts(hv_, info_, vm_.vic, vm_.vic_spis, diag_);
        if (!bound) {
            return fail(bound.error());
        }
        vm_.hwirqs = *bound;
        return success();
    }

    // Each vCPU is set up while in init, as Gunyah requires for the attach calls (its
    // vpm_group_attach_vcpu and vic_attach_vcpu answer object_state for an active
    // thread), then activated.
    Status make_vcpus()
    {
        Status s = create(ObjectKind::vpm_group, vm_.vpm_group, "the primary VM's VPM group");
        if (!s) {
            return s;
        }
        Error e = hv_.object_activate(vm_.vpm_group);
        if (e != Error::ok) {
            return call_failed(diag_, e, "object_activate", "the primary VM's VPM group");
        }
        for (std::uint32_t i = 0; i < r_.vcpu_count; ++i) {
            CapResult vcpu = hv_.partition_create(ObjectKind::thread, info_.partition_cap, info_.cspace_cap);
            if (!vcpu.ok()) {
                return vcpu_failed(vcpu.error, "partition_create_thread", i);
            }
            vm_.vcpus[i] = vcpu.cap;
            vm_.vcpu_count = i + 1;
            Status configured = configure_vcpu(i, vcpu.cap);
            if (!configured) {
                return configured;
            }
        }
        return success();
    }

    Status configure_vcpu(std::uint32_t i, CapId vcpu)
    {
        Error e = hv_.vcpu_configure(vcpu, GUNYAH_VCPU_OPTION_HLOS_VM);
        if (e != Error::ok) {
            return vcpu_failed(e, "vcpu_configure", i);
        }
        e = hv_.cspace_attach_thread(vm_.cspace, vcpu);
        if (e != Error::ok) {
            return vcpu_failed(e, "cspace_attach_thread", i);
        }
        e = hv_.addrspace_attach_thread(vm_.addrspace, vcpu);
        if (e != Error::ok) {
            return vcpu_failed(e, "addrspace_attach_thread", i);
        }
        // More vCPUs than CPUs share them round-robin.
        e = hv_.vcpu_set_affinity(vcpu, i % info_.platform.cpu_count);
        if (e != Error::ok) {
            return vcpu_failed(e, "vcpu_set_affinity", i);
        }
        e = hv_.vpm_group_attach_vcpu(vm_.vpm_group, vcpu, i);
        if (e != Error::ok) {
            return vcpu_failed(e, "vpm_group_attach_vcpu", i);
        }
        // The same index in the vic as in the VPM group, as the kernel requires.
        e = hv_.vic_attach_vcpu(vm_.vic, vcpu, i);
        if (e != Error::ok) {
            return vcpu_failed(e, "vic_attach_vcpu", i);
        }
        e = hv_.object_activate(vcpu);
        if (e != Error::ok) {
            return vcpu_failed(e, "object_activate", i);
        }
        return success();
    }

    // vCPU 0 at the kernel's entry with x0 = the DT; Linux starts the others with PSCI
    // CPU_ON.
    Status power_on()
    {
        return check(hv_.vcpu_poweron(vm_.vcpus[0], vm_.layout.entry().raw(), vm_.layout.dtb_address().raw(), 0),
                     diag_, "vcpu_poweron", "the primary VM's vCPU 0 at the kernel's entry");
    }

    const PrimaryVmRequest& r_;
    const rm_boot_info& info_;
    Hypervisor& hv_;
    Memory& memory_;
    PrimaryVm& vm_;
    Diagnostic& diag_;
};

}  // namespace

Status build_primary_vm(const PrimaryVmRequest& request, Hypervisor& hv, Memory& memory, PrimaryVm& vm,
                        Diagnostic& diag)
{
    if (request.info == nullptr) {
        return refuse(diag, Error::arg_inval, "no boot info");
    }
    return Builder{request, hv, memory, vm, diag}.run();
}

}  // namespace hyp::rm
