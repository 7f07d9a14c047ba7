// The RPC handlers for secondary VMs' lifecycle (docs/rpc.md, "VM services"):
// VM_ALLOC_VMID, VM_DEALLOC_VMID, VM_CONFIG_IMAGE, VM_INIT, VM_START, VM_STOP, VM_RESET,
// VM_GET_HYP_RESOURCES, VM_SET_BOOT_CONTEXT, VM_GET_STATE. Each works on the VmService
// registered as its context, checks the request whole before it changes anything, and
// answers Gunyah's RM errors (vm_mgnt.c): exact lengths (MSG_INVALID), the caller's
// ownership, the VMID and the VM's state (VM_STATE).
#pragma once

#include "rm/rpc/dispatcher.h"
#include "rm/vm/vm_service.h"

namespace hyp::rm::rpc {

// False when the dispatcher refused one (duplicate id or full table).
[[nodiscard]] bool add_vm_handlers(Dispatcher& dispatcher, VmService& service);

}  // namespace hyp::rm::rpc
