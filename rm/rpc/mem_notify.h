// MEM_NOTIFY (docs/rpc.md, "Memory parcels"), as Gunyah's memparcel.c memparcel_notify:
// a party to a parcel tells the others. flags is exactly one of
//   SHARED    the owner tells the listed VMs of its ACL: MEM_SHARED to each
//   RELEASED  a VM of the ACL that no longer has it mapped tells the owner: MEM_RELEASED
//   ACCEPTED  a VM of the ACL that has it mapped tells the owner: MEM_ACCEPTED
//   RECALL    the owner asks the listed VMs to release it: MEM_RECALL to each
// mem_info_tag: SHARED fixes it on the parcel the first time; once fixed every notify must
// carry it (ARG_INVALID otherwise); the notifications echo the parcel's.
#pragma once

#include "rm/rpc/dispatcher.h"
#include "rm/vm/vm_service.h"

namespace hyp::rm::rpc {

[[nodiscard]] bool add_mem_notify_handler(Dispatcher& dispatcher, VmService& service);

}  // namespace hyp::rm::rpc
