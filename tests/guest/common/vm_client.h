// A VMM's calls to the resource manager's VM and memory services, over rm_client.h, and
// the tiny secondary VM (secondary/) that test guests carrying it lend memory to. Each
// call returns the RM error (rm_no_reply when none came); replies land in `reply`.
#pragma once

#include <cstddef>

#include "hyp_api/client/call.h"
#include "hyp_api/client/vcpu.h"
#include "rm_client.h"
#include "runtime.h"

namespace guest {

// A request whose payload is one vmid (VM_INIT, VM_START, VM_RESET, ...).
u32 vm_call(const RmLink& link, RmReply& reply, u32 id, u32 vmid);
// VM_ALLOC_VMID(0): the dynamic vmid picked, or 0.
u32 vm_alloc_dynamic(const RmLink& link, RmReply& reply, u32& vmid);
// MEM_LEND / MEM_SHARE (`id`) of [base, +size) to `vmid` with `rights` (X 1, W 2, R 4):
// one ACL entry, one SGL entry, no attributes. `handle` gets the parcel's handle, or 0.
u32 mem_give(const RmLink& link, RmReply& reply, u32 id, u32 vmid, u64 base, u64 size, u32 rights, u32& handle);
u32 mem_reclaim(const RmLink& link, RmReply& reply, u32 handle);
// VM_CONFIG_IMAGE with no authentication.
u32 vm_config_image(const RmLink& link, RmReply& reply, u32 vmid, u32 handle, u64 image_offset, u64 image_size,
                    u64 dt_offset, u64 dt_size);
u32 vm_stop(const RmLink& link, RmReply& reply, u32 vmid, u8 flags);
// VM_SET_BOOT_CONTEXT: one register of the boot vCPU before VM_START.
u32 vm_set_boot_context(const RmLink& link, RmReply& reply, u32 vmid, u8 reg_set, u8 reg_index, u64 value);
// VM_GET_HYP_RESOURCES, its entries counted by type, with the first vCPU's (cap, label,
// virq) and the first doorbell the caller may ring (type DOORBELL_SEND). Returns RM_OK
// only for a reply whose length matches its count.
struct VcpuResource {
    gunyah::CapId cap = 0;
    u32 label = 0;
    u32 virq = 0;
    u32 partner_vmid = 0;
};
struct VmResources {
    VcpuResource vcpu;           // the first vCPU
    unsigned vcpus = 0;
    gunyah::CapId doorbell = 0;  // the first doorbell to send on
    u32 doorbell_label = 0;
    unsigned doorbells = 0;      // DOORBELL_SEND entries
    unsigned others = 0;         // entries of any other type
};
u32 vm_get_resources(const RmLink& link, RmReply& reply, u32 vmid, VmResources& out);

// vcpu_run of `vcpu` (resume data as given), called again while it answers READY: the
// caller's CPU had something else to do first, often an interrupt for the caller itself
// (the VM's run-wakeup SPI, an RPC reply), which a VMM running with IRQs masked must take
// (acknowledge and end) before the run can go on, or every call would answer READY.
// `ready` (if given) counts the READY answers.
gunyah::RunResult vcpu_run_on(gunyah::CapId vcpu, u64 resume0 = 0, u64 resume1 = 0, unsigned* ready = nullptr);
// Acknowledges and ends every interrupt pending at this vCPU; how many there were.
unsigned drain_interrupts();

// A whole VM set up without checks of its own (for benchmarks): VM_ALLOC_VMID, MEM_LEND
// of [region, +TINY_VM_RAM_SIZE) RWX, VM_CONFIG_IMAGE (image at offset 0), VM_INIT,
// VM_GET_HYP_RESOURCES, x1 = `x1` by VM_SET_BOOT_CONTEXT, VM_START. The first RM error,
// or OK; `vm` holds what was made either way, for vm_teardown().
struct LaunchedVm {
    u32 vmid = 0;
    u32 handle = 0;
    VmResources resources;
};
u32 vm_launch(const RmLink& link, RmReply& reply, u64 region, u64 image_size, u64 dt_offset, u64 dt_size, u64 x1,
              LaunchedVm& vm);
// VM_RESET, MEM_RECLAIM and VM_DEALLOC_VMID of what vm_launch() made: true if all worked.
bool vm_teardown(const RmLink& link, RmReply& reply, LaunchedVm& vm);

// The last `size` bytes of this VM's RAM (the first /memory reg entry of the DT at
// `dt_ipa`): memory to lend, above the image, the DT and the stacks, which the RM puts at
// the bottom. 0 (with a line) when the DT has no such RAM or the region would overlap
// the image or the DT.
u64 top_of_ram(u64 dt_ipa, u64 size);

// The tiny VM (secondary/tiny_vm.h has its layout): its image and DT copied into the
// memory at `region` (this VM's IPA = where the tiny VM's RAM comes from), byte by byte.
// `scheduled`: the DT that has the hypervisor schedule its vCPU (tiny_vm_scheduled.dts)
// instead of the VMM's vcpu_run.
void load_tiny_vm(u64 region, bool scheduled = false);
// The peer guest (peer.cpp, secondary/peer_vm.dts): its Image at the bottom of `region`,
// its DT at PEER_VM_DT_OFFSET.
void load_peer_vm(u64 region);
u64 peer_vm_image_size();
u64 tiny_vm_image_size();

}  // namespace guest
