// Doorbells between a secondary VM and its owner, made at VM_INIT from the VM config's
// vdevices, as Gunyah's RM does (vm_config.c: add_doorbell, vm_config_add_doorbell):
//
//   "doorbell"         the VM receives: its SPI (from 32 up, below its RM link's 62/63,
//                      or the config's `interrupts`), the owner gets a SEND cap.
//   "doorbell-source"  the VM sends: the owner receives, on one of its SPIs from the
//                      pool its proxy vCPUs' wakeup interrupts use (64..93).
//
// Each is partition_create_doorbell + activate in the RM's cspace, a copy with
// GUNYAH_RIGHT_DOORBELL_SEND into the sender's cspace and one with _RECEIVE into the
// receiver's, and doorbell_bind_virq to the receiver's vic. The VM's end is a node in
// its DT (secondary_dt.h), the owner's an entry of VM_GET_HYP_RESOURCES. VM_RESET (and a
// failed VM_INIT) takes it all back.
#pragma once

#include <cstdint>

#include "rm/core/diagnostic.h"
#include "rm/dt/secondary_dt.h"
#include "rm/vm/vm_service.h"
#include "rm/vm/vm_table.h"

namespace hyp::rm {

// The config's doorbell interrupts, before anything is made: an SPI the VM may use for
// a doorbell (32 .. secondary_rm_tx_intid - 1), none twice. ARG_INVALID with the reason.
[[nodiscard]] std::uint32_t check_vm_doorbells(const SecondaryDtConfig& config, std::uint16_t vmid, Diagnostic& diag);

// Makes the config's doorbells (after the VM's cspace and vic exist). On failure what
// was made stays in vm.objects for teardown_vm_doorbells().
[[nodiscard]] std::uint32_t make_vm_doorbells(VmService& service, VmRecord& vm, const SecondaryDtConfig& config);

// Unbinds, deletes the owner's, the VM's and the RM's caps and gives the owner's SPIs
// back. Failures are counted in service.teardown_failures.
void teardown_vm_doorbells(VmService& service, VmRecord& vm);

}  // namespace hyp::rm
