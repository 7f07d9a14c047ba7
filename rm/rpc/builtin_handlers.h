// The RPC handlers that need nothing but the request and the channel it came on, and
// the one place that registers them (docs/rpc.md, "Handlers").
//
// Handlers that act on VMs, memory or consoles live beside what they act on (rm/vm, ...)
// and are registered the same way, once at start-up, before the first poll:
//     if (!dispatcher.add(GUNYAH_RM_MSG_VM_START, &vm_start, &vm_table)) { ... }
// each with the object it works on as its context.
#pragma once

#include "rm/rpc/dispatcher.h"

namespace hyp::rm::rpc {

// VM_GET_VMID (0x56000024): an empty request; the reply is le32 holding the caller's vmid.
// A payload of any length is malformed (MSG_INVALID, as the reference RM answers a
// request of the wrong length).
HandlerResult vm_get_vmid(void* context, const Request& request, WireWriter& reply);

// Registers every handler above; false if any could not be (a full or clashing table).
[[nodiscard]] bool add_builtin_handlers(Dispatcher& dispatcher);

}  // namespace hyp::rm::rpc
