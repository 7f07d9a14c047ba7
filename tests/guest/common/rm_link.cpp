// The primary VM's RPC link to the RM (see rm_link.h).
#include "rm_link.h"

#include "hyp_api/gunyah_objects.h"

namespace guest {

bool find_rm_link(u64 dt, RmLink& link)
{
    static constexpr const char* rm_node[] = {"hypervisor", "gunyah-resource-mgr"};
    static constexpr const char* hyp_node[] = {"hypervisor"};
    u32 size = 0;
    const char* name = "";
    const auto* compat = static_cast<const char*>(dt_property(dt, hyp_node, 1, "compatible", &size));
    check(compat != nullptr && size >= 18 && __builtin_memcmp(compat, "gunyah-hypervisor", 18) == 0,
          "/hypervisor is compatible with \"gunyah-hypervisor\" first");
    const auto* reg = static_cast<const u8*>(dt_property(dt, rm_node, 2, "reg", &size, &name));
    if (!check(reg != nullptr && size == 16, "%s: reg holds two 64-bit capability ids (%u bytes)", name, size)) {
        return false;
    }
    link.tx = (u64{fdt32(reg)} << 32) | fdt32(reg + 4);
    link.rx = (u64{fdt32(reg + 8)} << 32) | fdt32(reg + 12);
    const auto* irqs = static_cast<const u8*>(dt_property(dt, rm_node, 2, "interrupts", &size));
    if (!check(irqs != nullptr && size == 24, "interrupts: two 3-cell specifiers (%u bytes)", size)) {
        return false;
    }
    const bool spis = fdt32(irqs) == 0 && fdt32(irqs + 12) == 0;
    const bool edges = fdt32(irqs + 8) == 1 && fdt32(irqs + 20) == 1;
    link.tx_intid = fdt32(irqs + 4) + 32;
    link.rx_intid = fdt32(irqs + 16) + 32;
    say("RM link: tx cap %#lx, rx cap %#lx, tx INTID %u, rx INTID %u", link.tx, link.rx, link.tx_intid, link.rx_intid);
    return check(spis && edges, "both interrupts are edge-triggered SPIs") &&
           check(link.tx != link.rx, "two different caps");
}

bool open_rm_link(u64 dt_ipa, RmLink& link)
{
    if (!find_rm_link(dt_ipa, link)) {
        return false;
    }
    if (const char* e = gic_enable_distributor()) {
        fail("GIC distributor: %s", e);
    }
    if (const char* e = gic_enable_vtimer()) {
        fail("GIC CPU interface: %s", e);
    }
    gic_enable_spi(link.rx_intid, true);
    return true;
}

gunyah::MsgqSendResult rm_send(const RmLink& link, u32 type, u32 continuations, u16 seq, u32 id, std::size_t size,
                               const u8* payload, u8 pattern)
{
    static u8 fragment[GUNYAH_RM_RPC_FRAGMENT_SIZE];
    if (size > GUNYAH_RM_RPC_FRAGMENT_PAYLOAD) {
        return {gunyah::Error::arg_size, false};
    }
    gunyah_rm_rpc_hdr_write(fragment, type, continuations, seq, id);
    for (std::size_t i = 0; i < size; ++i) {
        fragment[GUNYAH_RM_RPC_HDR_SIZE + i] = payload != nullptr ? payload[i] : static_cast<u8>(pattern + i);
    }
    return gunyah::msgqueue_send(link.tx, GUNYAH_RM_RPC_HDR_SIZE + size, fragment, GUNYAH_MSGQUEUE_SEND_PUSH);
}

std::size_t rm_receive(const RmLink& link, u8* buffer, u64 timeout_us)
{
    const u64 start = counter();
    for (;;) {
        gunyah::MsgqReceiveResult r = gunyah::msgqueue_receive(link.rx, buffer, GUNYAH_RM_RPC_FRAGMENT_SIZE);
        if (r.ok()) {
            return r.size;
        }
        if (r.error != gunyah::Error::msgqueue_empty) {
            bad("msgqueue_receive on the rx cap: error %ld", static_cast<i64>(r.error));
            return 0;
        }
        if (us_from_ticks(counter() - start) > timeout_us) {
            return 0;
        }
        // Sleep until the rx interrupt, with the timer as a backstop.
        arm_vtimer(ticks_from_us(10000));
        const u32 intid = wfi_for_interrupt();
        if (intid < gic_special_intids) {
            gic_end_of_interrupt(intid);
        }
        disarm_vtimer();
    }
}

}  // namespace guest
