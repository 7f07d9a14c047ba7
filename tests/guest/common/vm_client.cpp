// A VMM's calls to the RM's VM and memory services (see vm_client.h).
#include "vm_client.h"

#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rm_mem.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "hyp_api/gunyah_rm_vm.h"
#include "tiny_vm.h"

extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_image[];
extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_image_end[];
extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_dtb[];
extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_dtb_end[];
extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_scheduled_dtb[];
extern "C" GUEST_HIDDEN const guest::u8 tiny_vm_scheduled_dtb_end[];
extern "C" GUEST_HIDDEN const guest::u8 peer_vm_image[];
extern "C" GUEST_HIDDEN const guest::u8 peer_vm_image_end[];
extern "C" GUEST_HIDDEN const guest::u8 peer_vm_dtb[];
extern "C" GUEST_HIDDEN const guest::u8 peer_vm_dtb_end[];

namespace guest {

u32 vm_call(const RmLink& link, RmReply& reply, u32 id, u32 vmid)
{
    u8 p[sizeof(gunyah_rm_vm_vmid)] = {};
    put_le16(p, vmid);
    return rm_call(link, id, p, sizeof p, reply);
}

u32 vm_alloc_dynamic(const RmLink& link, RmReply& reply, u32& vmid)
{
    const u32 e = vm_call(link, reply, GUNYAH_RM_MSG_VM_ALLOC_VMID, 0);
    vmid = e == GUNYAH_RM_OK && reply.size == sizeof(gunyah_rm_vm_vmid) ? le16_at(reply.data) : 0;
    return e;
}

u32 mem_give(const RmLink& link, RmReply& reply, u32 id, u32 vmid, u64 base, u64 size, u32 rights, u32& handle)
{
    // header 8, ACL (count 4 + 1 entry 4), SGL (count 2 + pad 2 + 1 entry 16), attributes (count 2 + pad 2)
    u8 p[40] = {};
    p[0] = GUNYAH_RM_MEM_TYPE_NORMAL;
    put_le32(p + 8, 1);
    put_le16(p + 12, vmid);
    p[14] = static_cast<u8>(rights);
    put_le16(p + 16, 1);
    put_le64(p + 20, base);
    put_le64(p + 28, size);
    put_le16(p + 36, 0);
    const u32 e = rm_call(link, id, p, sizeof p, reply);
    handle = e == GUNYAH_RM_OK && reply.size >= 4 ? le32_at(reply.data) : 0;
    return e;
}

u32 mem_reclaim(const RmLink& link, RmReply& reply, u32 handle)
{
    u8 p[sizeof(gunyah_rm_mem_release_req)] = {};
    put_le32(p, handle);
    return rm_call(link, GUNYAH_RM_MSG_MEM_RECLAIM, p, sizeof p, reply);
}

u32 vm_config_image(const RmLink& link, RmReply& reply, u32 vmid, u32 handle, u64 image_offset, u64 image_size,
                    u64 dt_offset, u64 dt_size)
{
    u8 p[sizeof(gunyah_rm_vm_config_image_req)] = {};
    put_le16(p, vmid);
    put_le16(p + 2, GUNYAH_RM_VM_AUTH_NONE);
    put_le32(p + 4, handle);
    put_le64(p + 8, image_offset);
    put_le64(p + 16, image_size);
    put_le64(p + 24, dt_offset);
    put_le64(p + 32, dt_size);
    return rm_call(link, GUNYAH_RM_MSG_VM_CONFIG_IMAGE, p, sizeof p, reply);
}

u32 vm_stop(const RmLink& link, RmReply& reply, u32 vmid, u8 flags)
{
    u8 p[sizeof(gunyah_rm_vm_stop_req)] = {};
    put_le16(p, vmid);
    p[2] = flags;
    return rm_call(link, GUNYAH_RM_MSG_VM_STOP, p, sizeof p, reply);
}

u32 vm_set_boot_context(const RmLink& link, RmReply& reply, u32 vmid, u8 reg_set, u8 reg_index, u64 value)
{
    u8 p[sizeof(gunyah_rm_vm_set_boot_context_req)] = {};
    put_le16(p, vmid);
    p[2] = reg_set;
    p[3] = reg_index;
    put_le64(p + 8, value);
    return rm_call(link, GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, p, sizeof p, reply);
}

u32 vm_get_resources(const RmLink& link, RmReply& reply, u32 vmid, VmResources& out)
{
    out = VmResources{};
    const u32 e = vm_call(link, reply, GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid);
    if (e != GUNYAH_RM_OK) {
        return e;
    }
    const u32 n = reply.size >= 4 ? le32_at(reply.data) : 0;
    if (reply.size < 4 || reply.size != 4 + n * sizeof(gunyah_rm_hyp_resource)) {
        bad("VM_GET_HYP_RESOURCES: %zu bytes for %u entries", reply.size, n);
        return rm_no_reply;
    }
    for (u32 i = 0; i < n; ++i) {
        const u8* entry = reply.data + 4 + i * sizeof(gunyah_rm_hyp_resource);
        if (entry[0] == GUNYAH_RM_RES_VCPU) {
            if (out.vcpus++ == 0) {
                out.vcpu.partner_vmid = le16_at(entry + 2);
                out.vcpu.label = le32_at(entry + 8);
                out.vcpu.cap = le64_at(entry + 12);
                out.vcpu.virq = le32_at(entry + 24);
            }
        } else if (entry[0] == GUNYAH_RM_RES_DOORBELL_SEND) {
            if (out.doorbells++ == 0) {
                out.doorbell_label = le32_at(entry + 8);
                out.doorbell = le64_at(entry + 12);
            }
        } else {
            ++out.others;
        }
    }
    return e;
}

unsigned drain_interrupts()
{
    unsigned n = 0;
    while (interrupt_pending() && n < 64) {
        const u32 intid = gic_acknowledge();
        if (intid >= gic_special_intids) {
            break;
        }
        gic_end_of_interrupt(intid);
        ++n;
    }
    return n;
}

gunyah::RunResult vcpu_run_on(gunyah::CapId vcpu, u64 resume0, u64 resume1, unsigned* ready)
{
    gunyah::RunResult r = gunyah::vcpu_run(vcpu, resume0, resume1, 0);
    // The first call took the resume data (it answered the last exit report); after a
    // READY there is nothing to answer, and the same data passed again is ignored.
    for (unsigned again = 0; r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_READY && again < 100000; ++again) {
        if (ready != nullptr) {
            ++*ready;
        }
        (void)drain_interrupts();
        r = gunyah::vcpu_run(vcpu, resume0, resume1, 0);
    }
    return r;
}

u32 vm_launch(const RmLink& link, RmReply& reply, u64 region, u64 image_size, u64 dt_offset, u64 dt_size, u64 x1,
              LaunchedVm& vm)
{
    constexpr u32 rwx = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
    u32 e = vm_alloc_dynamic(link, reply, vm.vmid);
    if (e == GUNYAH_RM_OK) {
        e = mem_give(link, reply, GUNYAH_RM_MSG_MEM_LEND, vm.vmid, region, TINY_VM_RAM_SIZE, rwx, vm.handle);
    }
    if (e == GUNYAH_RM_OK) {
        e = vm_config_image(link, reply, vm.vmid, vm.handle, TINY_VM_IMAGE_OFFSET, image_size, dt_offset, dt_size);
    }
    if (e == GUNYAH_RM_OK) {
        e = vm_call(link, reply, GUNYAH_RM_MSG_VM_INIT, vm.vmid);
    }
    if (e == GUNYAH_RM_OK) {
        e = vm_get_resources(link, reply, vm.vmid, vm.resources);
    }
    if (e == GUNYAH_RM_OK) {
        e = vm_set_boot_context(link, reply, vm.vmid, GUNYAH_VCPU_REG_SET_X, 1, x1);
    }
    if (e == GUNYAH_RM_OK) {
        e = vm_call(link, reply, GUNYAH_RM_MSG_VM_START, vm.vmid);
    }
    return e;
}

bool vm_teardown(const RmLink& link, RmReply& reply, LaunchedVm& vm)
{
    bool ok = true;
    if (vm.vmid != 0) {
        ok = vm_call(link, reply, GUNYAH_RM_MSG_VM_RESET, vm.vmid) == GUNYAH_RM_OK;
    }
    if (vm.handle != 0) {
        ok = mem_reclaim(link, reply, vm.handle) == GUNYAH_RM_OK && ok;
    }
    if (vm.vmid != 0) {
        ok = vm_call(link, reply, GUNYAH_RM_MSG_VM_DEALLOC_VMID, vm.vmid) == GUNYAH_RM_OK && ok;
    }
    vm = LaunchedVm{};
    return ok;
}

u64 top_of_ram(u64 dt_ipa, u64 size)
{
    static constexpr const char* memory[] = {"memory"};
    u32 bytes = 0;
    const auto* reg = static_cast<const u8*>(dt_property(dt_ipa, memory, 1, "reg", &bytes));
    if (reg == nullptr || bytes < 16) {
        bad("/memory has no 64-bit reg (%u bytes)", bytes);
        return 0;
    }
    const u64 base = (u64{fdt32(reg)} << 32) | fdt32(reg + 4);
    const u64 length = (u64{fdt32(reg + 8)} << 32) | fdt32(reg + 12);
    const u64 region = base + length - size;
    say("RAM %#lx..%#lx; lending %#lx..%#lx; the image ends at %#lx, the DT is at %#lx", base, base + length, region,
        region + size, image_end(), dt_ipa);
    // The RM places the DT above the image and gives it at most 64 KiB here.
    if (length < size || region < image_end() || region < dt_ipa + 0x10000) {
        bad("no room for %#lx bytes above the image and the DT", size);
        return 0;
    }
    return region;
}

namespace {

void copy_out(u64 to_ipa, const u8* from, const u8* end)
{
    auto* to = reinterpret_cast<volatile u8*>(to_ipa);
    while (from < end) {
        *to++ = *from++;
    }
}

}  // namespace

void load_tiny_vm(u64 region, bool scheduled)
{
    copy_out(region + TINY_VM_IMAGE_OFFSET, tiny_vm_image, tiny_vm_image_end);
    if (scheduled) {
        copy_out(region + TINY_VM_DT_OFFSET, tiny_vm_scheduled_dtb, tiny_vm_scheduled_dtb_end);
    } else {
        copy_out(region + TINY_VM_DT_OFFSET, tiny_vm_dtb, tiny_vm_dtb_end);
    }
    dsb();
}

void load_peer_vm(u64 region)
{
    copy_out(region + TINY_VM_IMAGE_OFFSET, peer_vm_image, peer_vm_image_end);
    copy_out(region + PEER_VM_DT_OFFSET, peer_vm_dtb, peer_vm_dtb_end);
    dsb();
}

u64 peer_vm_image_size() { return static_cast<u64>(peer_vm_image_end - peer_vm_image); }

u64 tiny_vm_image_size() { return static_cast<u64>(tiny_vm_image_end - tiny_vm_image); }

}  // namespace guest
