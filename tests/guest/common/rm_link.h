// The primary VM's RPC link to the resource manager, as its device tree describes it
// (/hypervisor/gunyah-resource-mgr@...: reg = the tx and rx queues' capability ids,
// interrupts = tx "no longer full" and rx "has a message", edge SPIs), and the smallest
// RPC client over it: one-fragment requests, replies waited for on the rx interrupt.
#pragma once

#include <cstddef>

#include "hyp_api/client/ipc.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "runtime.h"

namespace guest {

struct RmLink {
    gunyah::CapId tx = 0;
    gunyah::CapId rx = 0;
    u32 tx_intid = 0;
    u32 rx_intid = 0;
};

// Reads the link from the DT at `dt_ipa`, checking its shape (a check() line each);
// false when it is not there or malformed.
bool find_rm_link(u64 dt_ipa, RmLink& link);

// find_rm_link(), then the GIC set up so that the rx interrupt wakes WFI on vCPU 0 (the
// distributor, this vCPU's CPU interface, the SPI). Ends the guest (FAIL) when the GIC
// cannot be set up; false when there is no usable link (the checks said why).
bool open_rm_link(u64 dt_ipa, RmLink& link);

// One fragment: the header (type, continuation count, seq, id), then `size` payload
// bytes (from `payload`, or a counting pattern from `pattern` when null), pushed.
gunyah::MsgqSendResult rm_send(const RmLink& link, u32 type, u32 continuations, u16 seq, u32 id, std::size_t size,
                               const u8* payload = nullptr, u8 pattern = 0);

// Reads one fragment into `buffer` (240 bytes), waiting for the rx interrupt (WFI, the
// virtual timer as a backstop) while the queue is empty; its size, or 0 after
// `timeout_us` or on an error other than empty (reported).
std::size_t rm_receive(const RmLink& link, u8* buffer, u64 timeout_us);

}  // namespace guest
