// The other end of a doorbell, run as a secondary VM by the vmm and bench guests (not
// booted by the QEMU cases): the RM has put the receiving end of one doorbell in its DT
// (/hypervisor/doorbell: reg = its capability, interrupts = its SPI). It takes x1 rings
// (x1 as the VMM set it with VM_SET_BOOT_CONTEXT): each time, WFI until the doorbell's
// interrupt, doorbell_receive (the flags must be set), end of interrupt, then a write of
// the count to the VMMIO register PEER_VM_REG_RINGS, which exits to the VMM's vcpu_run.
// With x2 = its vmid (set the same way) it first asks the RM over its own RPC link
// (/hypervisor/gunyah-resource-mgr, which the RM wrote into its DT) for VM_GET_VMID,
// checks the answer, and writes 0 to PEER_VM_REG_RINGS: ready for the rings.
#include "hyp_api/client/ipc.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "rm_client.h"
#include "rm_link.h"
#include "runtime.h"
#include "tiny_vm.h"

GUEST_NAME("peer");

using namespace guest;

void guest::run(u64 dt_ipa)
{
    static constexpr const char* doorbell[] = {"hypervisor", "doorbell"};
    u32 size = 0;
    const char* name = "";
    const auto* reg = static_cast<const u8*>(dt_property(dt_ipa, doorbell, 2, "reg", &size, &name));
    if (!check(reg != nullptr && size == 8, "/hypervisor/doorbell: reg holds a 64-bit capability id (%u bytes)",
               size)) {
        return;
    }
    const gunyah::CapId cap = (u64{fdt32(reg)} << 32) | fdt32(reg + 4);
    const auto* irq = static_cast<const u8*>(dt_property(dt_ipa, doorbell, 2, "interrupts", &size));
    if (!check(irq != nullptr && size == 12 && fdt32(irq) == 0, "%s: one SPI (%u bytes)", name, size)) {
        return;
    }
    const u32 intid = fdt32(irq + 4) + 32;
    if (const char* e = gic_enable_distributor()) {
        fail("GIC distributor: %s", e);
    }
    if (const char* e = gic_enable_vtimer()) {
        fail("GIC CPU interface: %s", e);
    }
    gic_enable_spi(intid, true);
    const u64 rings = boot_state().x[1];
    const u64 expected_vmid = boot_state().x[2];
    auto* counter_register = reinterpret_cast<volatile u32*>(TINY_VM_MMIO + PEER_VM_REG_RINGS);
    if (expected_vmid != 0) {
        static RmReply reply;
        RmLink link;
        if (!open_rm_link(dt_ipa, link)) {
            return;
        }
        const u32 e = rm_call(link, GUNYAH_RM_MSG_VM_GET_VMID, nullptr, 0, reply);
        const u32 vmid = reply.size >= 4 ? le32_at(reply.data) & 0xffff : 0;
        if (!check(e == GUNYAH_RM_OK && vmid == expected_vmid, "VM_GET_VMID over its own RM link: %u (error %#x)",
                   vmid, e)) {
            return;
        }
        *counter_register = 0;  // ready
    }
    say("%s: cap %#lx, INTID %u; taking %lu rings", name, cap, intid, rings);
    unsigned others = 0;
    for (u64 i = 0; i < rings; ++i) {
        u32 got = wfi_for_interrupt();
        // Another interrupt first (the virtual timer that backed up the wait for the RM's
        // reply may have fired meanwhile): ended, and the wait goes on.
        while (got != intid && got < gic_special_intids && others < 16) {
            gic_end_of_interrupt(got);
            ++others;
            got = wfi_for_interrupt();
        }
        const gunyah::DoorbellResult r = gunyah::doorbell_receive(cap, ~u64{0});
        if (got < gic_special_intids) {
            gic_end_of_interrupt(got);
        }
        if (got != intid || !r.ok() || r.old_flags == 0) {
            bad("ring %lu: INTID %u, doorbell_receive %ld with flags %#lx", i, got, static_cast<i64>(r.error),
                r.old_flags);
            return;
        }
        *counter_register = static_cast<u32>(i + 1);
    }
}
