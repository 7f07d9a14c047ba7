// Dispatching requests by message id (see dispatcher.h).
#include "rm/rpc/dispatcher.h"

namespace hyp::rm::rpc {

bool Dispatcher::add(std::uint32_t msg_id, HandlerFn fn, void* context)
{
    if (fn == nullptr || count_ == max_handlers || find(msg_id) != nullptr) {
        return false;
    }
    table_[count_++] = Entry{msg_id, fn, context};
    return true;
}

const Dispatcher::Entry* Dispatcher::find(std::uint32_t msg_id) const
{
    for (std::size_t i = 0; i < count_; ++i) {
        if (table_[i].msg_id == msg_id) {
            return &table_[i];
        }
    }
    return nullptr;
}

void Dispatcher::on_message(RpcChannel& channel, const Message& message)
{
    switch (message.type) {
    case MsgType::request: break;
    case MsgType::reply: ++stats_.replies_ignored; return;
    case MsgType::notification: ++stats_.notifications_ignored; return;
    case MsgType::continuation: return;  // never a whole message's type
    }

    const Entry* entry = find(message.msg_id);
    HandlerResult result = HandlerResult::error(GUNYAH_RM_ERROR_UNIMPLEMENTED);
    WireWriter data{reply_data_, sizeof(reply_data_)};
    if (entry == nullptr) {
        ++stats_.unimplemented;
    } else {
        ++stats_.requests;
        const Request request{channel.client_vmid(), message.seq, message.msg_id, message.payload, message.size};
        result = entry->fn(entry->context, request, data);
        if (!data.ok()) {
            // The handler's reply did not fit in a message: a bug in the handler, and the
            // client hears of it as the RM being short of memory for the reply.
            ++stats_.reply_overflows;
            result = HandlerResult::error(GUNYAH_RM_ERROR_NOMEM);
        }
    }
    const bool with_data = result.rm_error == GUNYAH_RM_OK || result.data_on_error;
    if (!channel.reply(message.seq, message.msg_id, result.rm_error, reply_data_, with_data ? data.size() : 0)) {
        ++stats_.replies_lost;
    }
}

}  // namespace hyp::rm::rpc
