// The RPC handlers for memory parcels (docs/rpc.md, "Memory parcels"): MEM_LEND,
// MEM_SHARE, MEM_APPEND, MEM_RECLAIM from the lender (the primary VM), MEM_ACCEPT and
// MEM_RELEASE from a borrower. Each checks the whole request first; a refused request
// changes nothing (parcel_ops.h undoes its own partial work).
#pragma once

#include "rm/rpc/dispatcher.h"
#include "rm/vm/vm_service.h"

namespace hyp::rm::rpc {

[[nodiscard]] bool add_mem_handlers(Dispatcher& dispatcher, VmService& service);

}  // namespace hyp::rm::rpc
