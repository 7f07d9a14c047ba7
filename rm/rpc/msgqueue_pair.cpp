// A queue pair over the msgqueue hypercalls (see msgqueue_pair.h).
#include "rm/rpc/msgqueue_pair.h"

#include "hyp_api/gunyah_objects.h"

namespace hyp::rm::rpc {

MsgqSendResult MsgqueuePair::send(const std::uint8_t* fragment, std::size_t size, bool push)
{
    if (hypervisor_ == nullptr) {
        return MsgqSendResult{Error::cspace_cap_null, false};
    }
    return hypervisor_->msgqueue_send(tx_, size, fragment, push ? GUNYAH_MSGQUEUE_SEND_PUSH : 0);
}

MsgqReceiveResult MsgqueuePair::receive(std::uint8_t* buffer, std::size_t capacity)
{
    if (hypervisor_ == nullptr) {
        return MsgqReceiveResult{Error::cspace_cap_null, 0, false};
    }
    return hypervisor_->msgqueue_receive(rx_, buffer, capacity);
}

}  // namespace hyp::rm::rpc
