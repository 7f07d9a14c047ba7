// Handlers that need only the request and its channel (see builtin_handlers.h).
#include "rm/rpc/builtin_handlers.h"

namespace hyp::rm::rpc {

HandlerResult vm_get_vmid(void* /*context*/, const Request& request, WireWriter& reply)
{
    if (!request.reader().done()) {
        return HandlerResult::error(malformed_request);
    }
    reply.le32(request.client_vmid);
    return HandlerResult::ok();
}

bool add_builtin_handlers(Dispatcher& dispatcher) { return dispatcher.add(GUNYAH_RM_MSG_VM_GET_VMID, &vm_get_vmid); }

}  // namespace hyp::rm::rpc
