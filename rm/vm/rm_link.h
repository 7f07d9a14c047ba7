// The RPC link between the resource manager and one client VM: a pair of message queues
// (240-byte messages, 8 deep: gunyah-rm.md's HLOS queues), one for each direction, made
// in the root partition with hypercalls. The client gets a SEND cap to the queue towards
// the RM and a RECEIVE cap to the queue from it, copied into its cspace; their interrupts
// ("tx no longer full", "rx has a message") are edge SPIs of the client's virtual GIC,
// which its device tree names (the /hypervisor node). The RM keeps the other ends, their
// interrupts bound to SPIs of its own virtual GIC, so that a message wakes it.
//
// Portable: hypercalls through rm/vm/hypervisor.h; the host tests play it on the fake.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

inline constexpr std::uint32_t rm_link_queue_depth = 8;
inline constexpr std::uint32_t rm_link_message_size = 240;

struct RmLinkRequest {
    CapId partition = cap_invalid;      // where the queues are made (the root partition)
    CapId rm_cspace = cap_invalid;      // the RM's cspace: its caps to both queues
    CapId rm_vic = cap_invalid;         // the RM's virtual GIC
    std::uint32_t rm_rx_intid = 0;      // SPI of rm_vic: a message for the RM arrived
    std::uint32_t rm_tx_intid = 0;      // SPI of rm_vic: the client made room to send again
    CapId client_cspace = cap_invalid;  // the client VM's cspace (active)
    CapId client_vic = cap_invalid;     // the client VM's virtual GIC (active)
    std::uint32_t client_tx_intid = 0;  // SPI of client_vic: its tx queue is no longer full
    std::uint32_t client_rx_intid = 0;  // SPI of client_vic: its rx queue has a message
};

struct RmLink {
    // In the RM's cspace: the queue the client sends on (the RM receives from it), and the
    // one the RM sends on.
    CapId to_rm = cap_invalid;
    CapId from_rm = cap_invalid;
    // In the client's cspace, as its device tree gives them.
    CapId client_tx = cap_invalid;
    CapId client_rx = cap_invalid;
};

// Makes both queues, binds their four interrupts and copies the client's caps. Every
// result is checked; a failure names the call and the Gunyah error and leaves what was
// made in `link` (the RM powers the machine off: nothing is undone).
[[nodiscard]] Status make_rm_link(const RmLinkRequest& request, Hypervisor& hv, RmLink& link, Diagnostic& diag);

}  // namespace hyp::rm
