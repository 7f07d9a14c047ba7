// Console handlers (see console_handlers.h).
#include "rm/rpc/console_handlers.h"

#include "rm/vm/vm_console.h"

namespace hyp::rm::rpc {
namespace {

VmService& service_of(void* context) { return *static_cast<VmService*>(context); }

// target:2,res:2; Gunyah checks the length only, not the reserved half.
bool read_target(const Request& request, std::uint16_t& target)
{
    WireReader r = request.reader();
    target = r.le16();
    (void)r.le16();
    return r.done();
}

HandlerResult open_or_close(void* context, const Request& request, bool open)
{
    std::uint16_t target = 0;
    if (!read_target(request, target)) {
        return HandlerResult::error(malformed_request);
    }
    return HandlerResult::error(console_open(service_of(context), request.client_vmid, target, open));
}

HandlerResult console_open_handler(void* c, const Request& q, WireWriter& /*reply*/) { return open_or_close(c, q, true); }
HandlerResult console_close_handler(void* c, const Request& q, WireWriter& /*reply*/)
{
    return open_or_close(c, q, false);
}

HandlerResult console_write_handler(void* context, const Request& request, WireWriter& /*reply*/)
{
    WireReader r = request.reader();
    const std::uint16_t target = r.le16();
    const std::uint16_t count = r.le16();
    if (!r.ok() || request.size != 4 + std::size_t{count}) {
        return HandlerResult::error(malformed_request);
    }
    return HandlerResult::error(
        console_write(service_of(context), request.client_vmid, target, request.payload + 4, count));
}

HandlerResult console_flush_handler(void* context, const Request& request, WireWriter& /*reply*/)
{
    std::uint16_t target = 0;
    if (!read_target(request, target)) {
        return HandlerResult::error(malformed_request);
    }
    return HandlerResult::error(console_flush(service_of(context), request.client_vmid, target));
}

}  // namespace

bool add_console_handlers(Dispatcher& d, VmService& s)
{
    return d.add(GUNYAH_RM_MSG_CONSOLE_OPEN, &console_open_handler, &s) &&
           d.add(GUNYAH_RM_MSG_CONSOLE_CLOSE, &console_close_handler, &s) &&
           d.add(GUNYAH_RM_MSG_CONSOLE_WRITE, &console_write_handler, &s) &&
           d.add(GUNYAH_RM_MSG_CONSOLE_FLUSH, &console_flush_handler, &s);
}

}  // namespace hyp::rm::rpc
