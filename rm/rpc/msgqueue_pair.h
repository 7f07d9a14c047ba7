// A client's message-queue pair through the RM's hypercall interface (rm/vm/hypervisor.h):
// the RM sends on its TX queue's send cap and receives on its RX queue's receive cap.
// Portable: on the target the Hypervisor is HvcHypervisor, in host tests the fake.
#pragma once

#include "rm/rpc/queue_pair.h"

namespace hyp::rm::rpc {

class MsgqueuePair final : public QueuePair {
public:
    constexpr MsgqueuePair() = default;
    constexpr MsgqueuePair(Hypervisor& hypervisor, CapId tx, CapId rx) : hypervisor_{&hypervisor}, tx_{tx}, rx_{rx} {}

    MsgqSendResult send(const std::uint8_t* fragment, std::size_t size, bool push) override;
    MsgqReceiveResult receive(std::uint8_t* buffer, std::size_t capacity) override;

private:
    Hypervisor* hypervisor_ = nullptr;
    CapId tx_ = cap_invalid;
    CapId rx_ = cap_invalid;
};

}  // namespace hyp::rm::rpc
