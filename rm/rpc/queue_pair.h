// What an RPC channel needs from its transport: one client's message-queue pair, seen
// from the RM (docs/rpc.md, "Transport"). On the target it is MsgqueuePair
// (msgqueue_pair.h) over the msgqueue hypercalls; host tests use a scripted fake.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/vm/hypervisor.h"

namespace hyp::rm::rpc {

class QueuePair {
public:
    // Sends one fragment to the client. push asks the hypervisor to raise the client's
    // receive interrupt now (the last fragment of a message, as Linux's driver sends it).
    // msgqueue_full when there is no room; not_full says whether room remains after it.
    virtual MsgqSendResult send(const std::uint8_t* fragment, std::size_t size, bool push) = 0;
    // Receives one fragment from the client into buffer (capacity bytes): msgqueue_empty
    // when nothing waits; not_empty says whether more do.
    virtual MsgqReceiveResult receive(std::uint8_t* buffer, std::size_t capacity) = 0;

protected:
    ~QueuePair() = default;
};

}  // namespace hyp::rm::rpc
