// The /dev/gunyah interface (linux/gunyah/uapi/gunyah.h, the contract with the driver)
// with its layouts pinned: a change on either side fails the build here instead of
// corrupting an ioctl's argument.
#pragma once

#include <cstddef>

#include "linux/gunyah/uapi/gunyah.h"

static_assert(sizeof(gh_userspace_memory_region) == 32);
static_assert(offsetof(gh_userspace_memory_region, guest_phys_addr) == 8);
static_assert(offsetof(gh_userspace_memory_region, userspace_addr) == 24);
static_assert(sizeof(gh_vm_dtb_config) == 16);
static_assert(sizeof(gh_fn_vcpu_arg) == 4);
static_assert(sizeof(gh_fn_irqfd_arg) == 16);
static_assert(sizeof(gh_fn_desc) == 16);
static_assert(offsetof(gh_fn_desc, arg) == 8);
static_assert(sizeof(gh_vm_exit_info) == 16);

static_assert(offsetof(gh_vcpu_run, immediate_exit) == 0);
static_assert(offsetof(gh_vcpu_run, exit_reason) == 8);
static_assert(offsetof(gh_vcpu_run, mmio.phys_addr) == 16);
static_assert(offsetof(gh_vcpu_run, mmio.data) == 24);
static_assert(offsetof(gh_vcpu_run, mmio.len) == 32);
static_assert(offsetof(gh_vcpu_run, mmio.is_write) == 36);
static_assert(offsetof(gh_vcpu_run, status.status) == 16);
static_assert(offsetof(gh_vcpu_run, status.exit_info) == 20);
static_assert(sizeof(gh_vcpu_run) == 40);
