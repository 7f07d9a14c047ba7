// The RPC handlers for VM consoles (docs/rpc.md, "Consoles"): CONSOLE_OPEN, CONSOLE_CLOSE,
// CONSOLE_WRITE and CONSOLE_FLUSH, on the VmService registered as their context. Lengths
// are Gunyah's (vm_console_msg_handler): exactly target:2,res:2 for OPEN/CLOSE/FLUSH,
// exactly target:2,num_bytes:2 + num_bytes for WRITE; anything else MSG_INVALID. The
// logic is rm/vm/vm_console.h's.
#pragma once

#include "rm/rpc/dispatcher.h"
#include "rm/vm/vm_service.h"

namespace hyp::rm::rpc {

// False when the dispatcher refused one (duplicate id or full table).
[[nodiscard]] bool add_console_handlers(Dispatcher& dispatcher, VmService& service);

}  // namespace hyp::rm::rpc
