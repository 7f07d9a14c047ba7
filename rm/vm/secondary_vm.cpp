// Secondary VMs' objects (see secondary_vm.h).
#include "rm/vm/secondary_vm.h"

#include <cstring>

#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "rm/dt/secondary_dt.h"
#include "rm/vm/rm_link.h"
#include "rm/vm/vm_console.h"
#include "rm/vm/vm_doorbells.h"

namespace hyp::rm {
namespace {

constexpr std::uint32_t rm_write_attrs =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
constexpr std::uint64_t page = 4096;
// Gunyah RM's default VMMIO window for VMs it does not authenticate: IPA 0 .. 1 GiB.
constexpr std::uint64_t default_vmmio_size = std::uint64_t{1} << 30;

class Builder {
public:
    Builder(VmService& s, VmRecord& vm, Parcel& image) : s_{s}, hv_{*s.hv}, vm_{vm}, image_{image} {}

    std::uint32_t run()
    {
        std::uint32_t e = read_dt();
        if (e == GUNYAH_RM_OK) e = make_address_space();
        if (e == GUNYAH_RM_OK) e = make_vic_and_link();
        if (e == GUNYAH_RM_OK) e = make_vcpus();
        if (e == GUNYAH_RM_OK) e = make_vm_doorbells(s_, vm_, config_);
        if (e == GUNYAH_RM_OK) e = write_dt();
        // The RM keeps no access to the VM's memory.
        for (std::size_t i = 0; i < window_count_; ++i) {
            if (hv_.addrspace_unmap(s_.env.rm_addrspace, windows_[i].extent, windows_[i].ipa, 0, 0, 0) != Error::ok) {
                ++s_.teardown_failures;
            }
        }
        return e;
    }

private:
    std::uint32_t failed(Error e, const char* call, const char* what)
    {
        s_.last_error.set("VM {}: {} ({}) failed: {}", vm_.vmid, call, what, e);
        return e == Error::nomem || e == Error::noresources ? GUNYAH_RM_ERROR_NOMEM : GUNYAH_RM_ERROR_NORESOURCE;
    }

    // The DT area may cross ranges of the parcel (a VMM's pinned pages are contiguous in
    // pieces): each range it touches is mapped into the RM at its physical address (the
    // RM's IPA = PA; the primary VM's IPAs are physical too) and its part copied.
    std::uint32_t read_dt()
    {
        if (vm_.dtb_size > secondary_dt_max_size) {
            s_.last_error.set("VM {}: its DT area is {:#x} bytes, more than the RM's {:#x}", vm_.vmid, vm_.dtb_size,
                              secondary_dt_max_size);
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        const std::uint64_t dt_end = vm_.dtb_offset + vm_.dtb_size;
        std::uint64_t start = 0;
        for (std::size_t i = 0; i < image_.range_count() && start < dt_end; ++i) {
            const ParcelRange& r = image_.range(i);
            const std::uint64_t end = start + r.size;
            if (end > vm_.dtb_offset) {
                if (window_count_ == max_dt_windows) {
                    return failed(Error::arg_inval, "mapping", "the VM's DT: too many ranges");
                }
                const std::uint64_t from = vm_.dtb_offset > start ? vm_.dtb_offset : start;
                const std::uint64_t to = dt_end < end ? dt_end : end;
                Error e = hv_.addrspace_map(s_.env.rm_addrspace, r.extent, r.ipa, rm_write_attrs, 0, 0, 0);
                if (e != Error::ok) {
                    return failed(e, "addrspace_map", "the VM's DT into the RM");
                }
                windows_[window_count_++] = DtWindow{r.extent, r.ipa, from - start, to - from, from - vm_.dtb_offset};
            }
            start = end;
        }
        if (start < dt_end) {
            s_.last_error.set("VM {}: the DT [{:#x}, +{:#x}) is beyond parcel {}", vm_.vmid, vm_.dtb_offset,
                              vm_.dtb_size, image_.handle);
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        for (std::size_t i = 0; i < window_count_; ++i) {
            const DtWindow& w = windows_[i];
            const std::byte* part = s_.memory->at(w.ipa + w.in_range, w.size);
            if (part == nullptr) {
                s_.last_error.set("VM {}: its DT is not readable by the RM", vm_.vmid);
                return GUNYAH_RM_ERROR_MAP_FAILED;
            }
            // Read once into the RM's own copy: a shared parcel's lender could change the
            // tree between libfdt's checks and its later reads. The copy is written back.
            std::memcpy(s_.dt_copy + w.in_dt, part, w.size);
        }
        dt_ = s_.dt_copy;
        Result<SecondaryDtConfig> config = read_secondary_dt(dt_, vm_.dtb_size, secondary_max_vcpus, s_.last_error);
        if (!config) {
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        config_ = *config;
        if (std::uint32_t e = check_vm_doorbells(config_, vm_.vmid, s_.last_error); e != GUNYAH_RM_OK) {
            return e;
        }
        // Without a vm-config memory node the VM sees the image where its owner has it.
        vm_.mem_base = config_.has_mem_base ? config_.mem_base : image_.range(0).ipa;
        vm_.entry = vm_.mem_base + vm_.image_offset;
        vm_.dtb_ipa = vm_.mem_base + vm_.dtb_offset;
        vm_.objects.proxy = config_.proxy;
        return GUNYAH_RM_OK;
    }

    std::uint32_t create(ObjectKind kind, CapId& cap, const char* what)
    {
        CapResult r = hv_.partition_create(kind, s_.env.partition, s_.env.rm_cspace);
        if (!r.ok()) {
            return failed(r.error, create_call_name(kind), what);
        }
        cap = r.cap;
        return GUNYAH_RM_OK;
    }

    std::uint32_t make_address_space()
    {
        SecondaryObjects& o = vm_.objects;
        std::uint32_t e = create(ObjectKind::cspace, o.cspace, "cspace");
        if (e != GUNYAH_RM_OK) return e;
        Error h = hv_.cspace_configure(o.cspace, secondary_cspace_caps);
        if (h == Error::ok) h = hv_.object_activate(o.cspace);
        if (h != Error::ok) return failed(h, "cspace_configure/object_activate", "cspace");
        e = create(ObjectKind::addrspace, o.addrspace, "address space");
        if (e != GUNYAH_RM_OK) return e;
        h = hv_.addrspace_configure(o.addrspace, vm_.vmid);
        // Gunyah's RM gives every VM that is not platform-authenticated (all of ours) the
        // same default virtual-MMIO window before it activates the address space: the
        // first GiB of IPA, from Google's protected virtual platform layout. Accesses
        // there that neither RAM nor a device the hypervisor emulates answers exit to the
        // owner's vcpu_run (proxy-scheduled vCPUs only; docs/virt.md).
        if (h == Error::ok) {
            h = hv_.addrspace_configure_vmmio(o.addrspace, 0, default_vmmio_size, GUNYAH_ADDRSPACE_VMMIO_ADD);
        }
        if (h == Error::ok) h = hv_.object_activate(o.addrspace);
        if (h != Error::ok) return failed(h, "addrspace_configure/configure_vmmio/object_activate", "address space");
        ParcelAccess* access = image_.access_of(vm_.vmid);
        e = map_parcel(hv_, image_, *access, o.addrspace, vm_.mem_base);
        if (e != GUNYAH_RM_OK) {
            s_.last_error.set("VM {}: mapping parcel {} at {:#x} failed", vm_.vmid, image_.handle, vm_.mem_base);
            return e;
        }
        o.image_mapped = true;
        return GUNYAH_RM_OK;
    }

    std::uint32_t make_vic_and_link()
    {
        SecondaryObjects& o = vm_.objects;
        std::uint32_t e = create(ObjectKind::vic, o.vic, "vic");
        if (e != GUNYAH_RM_OK) return e;
        Error h = hv_.vic_configure(o.vic, config_.vcpu_count, secondary_vic_spis, 0, 0);
        if (h == Error::ok) h = hv_.object_activate(o.vic);
        if (h != Error::ok) return failed(h, "vic_configure/object_activate", "vic");
        RmLinkRequest link;
        link.partition = s_.env.partition;
        link.rm_cspace = s_.env.rm_cspace;
        link.rm_vic = s_.env.rm_vic;
        link.rm_rx_intid = secondary_link_rm_rx_intid(vm_.slot);
        link.rm_tx_intid = secondary_link_rm_tx_intid(vm_.slot);
        link.client_cspace = o.cspace;
        link.client_vic = o.vic;
        link.client_tx_intid = secondary_rm_tx_intid;
        link.client_rx_intid = secondary_rm_rx_intid;
        if (!make_rm_link(link, hv_, o.link, s_.last_error)) {
            return GUNYAH_RM_ERROR_NORESOURCE;
        }
        return GUNYAH_RM_OK;
    }

    std::uint32_t make_vcpus()
    {
        SecondaryObjects& o = vm_.objects;
        std::uint32_t e = create(ObjectKind::vpm_group, o.vpm_group, "VPM group");
        if (e != GUNYAH_RM_OK) return e;
        Error h = hv_.object_activate(o.vpm_group);
        if (h != Error::ok) return failed(h, "object_activate", "VPM group");
        h = hv_.vpm_group_bind_virq(o.vpm_group, s_.env.rm_vic, secondary_exit_intid(vm_.slot));
        if (h != Error::ok) return failed(h, "vpm_group_bind_virq", "the RM's exit interrupt");
        o.exit_virq_bound = true;
        const std::uint64_t options = o.proxy ? GUNYAH_VCPU_OPTION_RUN_SCHEDULED : 0;
        for (std::uint32_t i = 0; i < config_.vcpu_count; ++i) {
            e = create(ObjectKind::thread, o.vcpus[i], "vCPU");
            if (e != GUNYAH_RM_OK) return e;
            o.vcpu_count = i + 1;
            const CapId vcpu = o.vcpus[i];
            h = hv_.vcpu_configure(vcpu, options);
            if (h == Error::ok) h = hv_.cspace_attach_thread(o.cspace, vcpu);
            if (h == Error::ok) h = hv_.addrspace_attach_thread(o.addrspace, vcpu);
            if (h == Error::ok) h = hv_.vcpu_set_affinity(vcpu, i % (s_.env.cpu_count == 0 ? 1 : s_.env.cpu_count));
            if (h == Error::ok) h = hv_.vpm_group_attach_vcpu(o.vpm_group, vcpu, i);
            if (h == Error::ok) h = hv_.vic_attach_vcpu(o.vic, vcpu, i);
            if (h == Error::ok) h = hv_.object_activate(vcpu);
            if (h != Error::ok) return failed(h, "configuring", "vCPU");
            CapResult copy = hv_.cspace_copy_cap_from(s_.env.rm_cspace, vcpu, s_.env.primary_cspace, owner_vcpu_rights);
            if (!copy.ok()) return failed(copy.error, "cspace_copy_cap_from", "vCPU cap for the owner");
            o.owner_vcpus[i] = copy.cap;
            if (o.proxy) {
                const std::uint32_t intid = s_.take_wakeup_intid();
                if (intid == 0) {
                    s_.last_error.set("VM {}: no free owner SPI for vCPU {}'s wakeup interrupt", vm_.vmid, i);
                    return GUNYAH_RM_ERROR_NORESOURCE;
                }
                h = hv_.vcpu_bind_virq(vcpu, s_.env.primary_vic, intid, GUNYAH_VCPU_VIRQ_RUN_WAKEUP);
                if (h != Error::ok) {
                    s_.give_wakeup_intid(intid);
                    return failed(h, "vcpu_bind_virq", "run wakeup to the owner");
                }
                o.wakeup_intids[i] = intid;
            }
        }
        return GUNYAH_RM_OK;
    }

    std::uint32_t write_dt()
    {
        SecondaryDtNodes nodes;
        nodes.vmid = vm_.vmid;
        nodes.owner_vmid = vm_.owner;
        nodes.link.present = true;
        nodes.link.tx_cap = vm_.objects.link.client_tx;
        nodes.link.rx_cap = vm_.objects.link.client_rx;
        nodes.link.tx_intid = secondary_rm_tx_intid;
        nodes.link.rx_intid = secondary_rm_rx_intid;
        nodes.link.vmid = vm_.vmid;
        nodes.link.message_size = rm_link_message_size;
        nodes.link.queue_depth = rm_link_queue_depth;
        const SecondaryObjects& o = vm_.objects;
        for (std::uint32_t i = 0; i < o.doorbell_count; ++i) {
            const VmDoorbell& db = o.doorbells[i];
            nodes.doorbells[i] = DoorbellNode{db.node_name, db.source, db.vm_cap, db.source ? 0 : db.intid, db.label};
        }
        nodes.doorbell_count = o.doorbell_count;
        if (!write_secondary_dt(dt_, vm_.dtb_size, nodes, s_.last_error)) {
            return GUNYAH_RM_ERROR_NOMEM;
        }
        for (std::size_t i = 0; i < window_count_; ++i) {
            const DtWindow& w = windows_[i];
            std::byte* part = s_.memory->at(w.ipa + w.in_range, w.size);
            if (part == nullptr) {
                s_.last_error.set("VM {}: its DT is not writable by the RM", vm_.vmid);
                return GUNYAH_RM_ERROR_MAP_FAILED;
            }
            std::memcpy(part, static_cast<const std::byte*>(dt_) + w.in_dt, w.size);
            // The VM starts with its caches off: what the RM wrote must reach memory.
            const std::uint64_t first = w.in_range & ~(page - 1);
            const std::uint64_t end = (w.in_range + w.size + page - 1) & ~(page - 1);
            Error h = hv_.memextent_modify(w.extent, GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE, first, end - first);
            if (h != Error::ok) {
                return failed(h, "memextent_modify", "cleaning the DT");
            }
        }
        return GUNYAH_RM_OK;
    }

    // A part of the DT area: bytes [in_range, + size) of a range mapped into the RM at
    // ipa, which are bytes [in_dt, + size) of the DT.
    struct DtWindow {
        CapId extent = cap_invalid;
        std::uint64_t ipa = 0;
        std::uint64_t in_range = 0;
        std::uint64_t size = 0;
        std::uint64_t in_dt = 0;
    };
    // Ranges are whole pages, so the largest DT area touches at most this many.
    static constexpr std::size_t max_dt_windows = secondary_dt_max_size / page + 1;

    VmService& s_;
    Hypervisor& hv_;
    VmRecord& vm_;
    Parcel& image_;
    SecondaryDtConfig config_;
    DtWindow windows_[max_dt_windows] = {};  // the DT in the VM's memory, mapped into the RM
    std::size_t window_count_ = 0;
    void* dt_ = nullptr;                     // the RM's copy of it (VmService::dt_copy)
};

}  // namespace

std::uint32_t build_secondary_vm(VmService& service, VmRecord& vm, Parcel& image)
{
    std::uint32_t e = Builder{service, vm, image}.run();
    if (e != GUNYAH_RM_OK) {
        teardown_secondary_vm(service, vm);
        return e;
    }
    vm.built = true;
    return GUNYAH_RM_OK;
}

std::uint32_t start_secondary_vm(VmService& service, VmRecord& vm)
{
    Hypervisor& hv = *service.hv;
    const CapId vcpu0 = vm.objects.vcpus[0];
    std::uint64_t flags = 0;
    for (std::size_t i = 0; i < vm.boot_count; ++i) {
        const BootRegister& r = vm.boot[i];
        if (r.reg_set == GUNYAH_VCPU_REG_SET_PC) {
            flags |= GUNYAH_VCPU_POWERON_KEEP_ENTRY;
        } else if (r.reg_set == GUNYAH_VCPU_REG_SET_X && r.reg_index == 0) {
            flags |= GUNYAH_VCPU_POWERON_KEEP_CONTEXT;
        }
        if (hv.vcpu_register_write(vcpu0, r.reg_set, r.reg_index, r.value) != Error::ok) {
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
    }
    Error e = hv.vcpu_poweron(vcpu0, vm.entry, vm.dtb_ipa, flags);
    if (e != Error::ok) {
        service.last_error.set("VM {}: vcpu_poweron failed: {}", vm.vmid, e);
        return GUNYAH_RM_ERROR_NORESOURCE;
    }
    return GUNYAH_RM_OK;
}

void kill_secondary_vcpus(VmService& service, VmRecord& vm)
{
    for (std::uint32_t i = 0; i < vm.objects.vcpu_count; ++i) {
        if (service.hv->vcpu_kill(vm.objects.vcpus[i]) != Error::ok) {
            ++service.teardown_failures;
        }
    }
}

void teardown_secondary_vm(VmService& s, VmRecord& vm)
{
    Hypervisor& hv = *s.hv;
    SecondaryObjects& o = vm.objects;
    flush_console_line(s, vm.vmid, vm.console);
    vm.console = VmConsole{};      // Gunyah's goes with the VM's config
    teardown_vm_doorbells(s, vm);  // while the VM's cspace still holds its ends
    for (std::uint32_t i = o.vcpu_count; i > 0; --i) {
        const std::uint32_t v = i - 1;
        s.drop_cap(s.env.primary_cspace, o.owner_vcpus[v]);
        if (o.wakeup_intids[v] != 0) {
            if (hv.vcpu_unbind_virq(o.vcpus[v], GUNYAH_VCPU_VIRQ_RUN_WAKEUP) != Error::ok) {
                ++s.teardown_failures;
            }
            s.give_wakeup_intid(o.wakeup_intids[v]);
            o.wakeup_intids[v] = 0;
        }
        s.drop_cap(s.env.rm_cspace, o.vcpus[v]);
    }
    o.vcpu_count = 0;
    if (o.exit_virq_bound) {
        if (hv.vpm_group_unbind_virq(o.vpm_group) != Error::ok) {
            ++s.teardown_failures;
        }
        o.exit_virq_bound = false;
    }
    s.drop_cap(s.env.rm_cspace, o.vpm_group);
    // The link's client caps live in the VM's cspace and go with it.
    s.drop_cap(s.env.rm_cspace, o.link.to_rm);
    s.drop_cap(s.env.rm_cspace, o.link.from_rm);
    o.link = RmLink{};
    s.drop_cap(s.env.rm_cspace, o.vic);
    // Every parcel mapped into the VM goes out of it: the image, and any it accepted
    // (MEM_ACCEPT); they stay lent to it, unmapped, for their lenders to reclaim.
    for (std::size_t i = 0; i < max_parcels; ++i) {
        Parcel& parcel = s.parcels.at(i);
        ParcelAccess* access = parcel.used ? parcel.access_of(vm.vmid) : nullptr;
        if (access != nullptr && access->mapped) {
            s.teardown_failures += unmap_parcel(hv, parcel, *access);
        }
    }
    o.image_mapped = false;
    s.drop_cap(s.env.rm_cspace, o.addrspace);
    s.drop_cap(s.env.rm_cspace, o.cspace);
    o = SecondaryObjects{};
    vm.built = false;
}

}  // namespace hyp::rm
