// Building, starting, stopping and tearing down a secondary VM (VM_INIT, VM_START,
// VM_STOP, VM_RESET) with hypercalls only; docs/rm-secondary-vms.md describes it.
//
// VM_INIT maps the ranges of the image parcel that hold the DT area into the RM (the
// area may cross ranges; at most secondary_dt_max_size bytes), reads it (secondary_dt.h),
// then makes the VM's cspace, address space (its VMID) with the image parcel mapped at
// the vm-config memory base, its vic, its RPC queue pair to the RM, a VPM group and its
// vCPUs (run_scheduled when the DT says "proxy"); copies each vCPU's cap into the owner's
// cspace and binds a proxy vCPU's run-wakeup interrupt to an SPI of the owner's vic;
// writes /hypervisor into the DT and unmaps it from the RM. A failure tears down what was
// made and returns the RM error; the caller moves the VM to INIT_FAILED.
#pragma once

#include <cstdint>

#include "rm/mem/parcel.h"
#include "rm/vm/vm_service.h"
#include "rm/vm/vm_table.h"

namespace hyp::rm {

[[nodiscard]] std::uint32_t build_secondary_vm(VmService& service, VmRecord& vm, Parcel& image);
// vCPU 0 at the entry with x0 = the DT's IPA, after VM_SET_BOOT_CONTEXT's registers.
[[nodiscard]] std::uint32_t start_secondary_vm(VmService& service, VmRecord& vm);
// vcpu_kill on every vCPU (they cannot run again).
void kill_secondary_vcpus(VmService& service, VmRecord& vm);
// Deletes every cap the RM made for the VM (and the owner's copies) and unmaps the image
// parcel from it; the objects die with their last caps. Failures are counted in
// service.teardown_failures; teardown goes on regardless.
void teardown_secondary_vm(VmService& service, VmRecord& vm);

}  // namespace hyp::rm
