/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * /dev/gunyah: the userspace interface of the Linux Gunyah series (ioctl type 'G'), as
 * shared/reference/gunyah-abi.md gives it, so that a VMM written for that series (crosvm's
 * Gunyah backend, our vmm/) drives this driver unchanged. Numbers and layouts are the
 * series'; the words are ours. Included by the driver (linux/gunyah) and by vmm/.
 *
 * The life of a VM, as the VMM sees it:
 *   vm = ioctl(open("/dev/gunyah"), GH_CREATE_VM)
 *   ioctl(vm, GH_VM_SET_USER_MEM_REGION, ...)   guest RAM from the VMM's own memory
 *   ioctl(vm, GH_VM_SET_DTB_CONFIG, ...)        where in it the VM's device tree is
 *   vcpu = ioctl(vm, GH_VM_ADD_FUNCTION, {GH_FN_VCPU, id})   and irqfds, ioeventfds
 *   ioctl(vm, GH_VM_START)
 *   run = mmap(vcpu, GH_VCPU_MMAP_SIZE); loop ioctl(vcpu, GH_VCPU_RUN), serving exits
 *   close(vm) (or the VMM dies): the VM is stopped, reset, its memory reclaimed, unpinned.
 */
#ifndef HYP_UAPI_GUNYAH_H
#define HYP_UAPI_GUNYAH_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define GH_IOCTL_TYPE 'G'

/* On /dev/gunyah: a new VM; returns its fd. */
#define GH_CREATE_VM _IO(GH_IOCTL_TYPE, 0x0)

/* struct gh_userspace_memory_region.flags */
#define GH_MEM_ALLOW_READ (1UL << 0)
#define GH_MEM_ALLOW_WRITE (1UL << 1)
#define GH_MEM_ALLOW_EXEC (1UL << 2)
/* Lend (the VMM loses access while the VM has it) instead of share. */
#define GH_MEM_LENT (1UL << 3)

/*
 * Guest RAM: memory_size bytes of the caller's memory at userspace_addr, seen by the VM
 * at guest_phys_addr. All three page-aligned; label unique in the VM. The pages are
 * pinned until the VM is gone.
 */
struct gh_userspace_memory_region {
	__u32 label;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};
#define GH_VM_SET_USER_MEM_REGION _IOW(GH_IOCTL_TYPE, 0x1, struct gh_userspace_memory_region)

/* The VM's device tree: inside one memory region, at most size bytes. The VM starts at
 * that region's first byte with x0 = guest_phys_addr. */
struct gh_vm_dtb_config {
	__u64 guest_phys_addr;
	__u64 size;
};
#define GH_VM_SET_DTB_CONFIG _IOW(GH_IOCTL_TYPE, 0x2, struct gh_vm_dtb_config)

#define GH_VM_START _IO(GH_IOCTL_TYPE, 0x3)

/* Functions (GH_VM_ADD_FUNCTION / GH_VM_REMOVE_FUNCTION), gh_fn_desc.type: */
#define GH_FN_VCPU 1      /* arg: gh_fn_vcpu_arg; ADD returns the vCPU's fd */
#define GH_FN_IRQFD 2     /* arg: gh_fn_irqfd_arg: eventfd -> the VM's doorbell `label` */
#define GH_FN_IOEVENTFD 3 /* arg: gh_fn_ioeventfd_arg: a guest MMIO write -> eventfd */
#define GH_FN_MAX_ARG_SIZE 256

struct gh_fn_vcpu_arg {
	__u32 id;
};

#define GH_IRQFD_LEVEL (1UL << 0)

struct gh_fn_irqfd_arg {
	__u32 fd;
	__u32 label;
	__u32 flags;
	__u32 padding;
};

#define GH_IOEVENTFD_DATAMATCH (1UL << 0)

struct gh_fn_ioeventfd_arg {
	__u64 datamatch;
	__u64 addr; /* guest physical, in the VM's MMIO space */
	__u32 len;  /* 1, 2, 4 or 8; 0: any */
	__s32 fd;
	__u32 flags;
	__u32 padding;
};

struct gh_fn_desc {
	__u32 type;
	__u32 arg_size;
	__u64 arg; /* user pointer to the type's argument */
};

#define GH_VM_ADD_FUNCTION _IOW(GH_IOCTL_TYPE, 0x4, struct gh_fn_desc)
#define GH_VM_REMOVE_FUNCTION _IOW(GH_IOCTL_TYPE, 0x7, struct gh_fn_desc)

/* gh_vcpu_run.status.status */
enum gh_vm_status {
	GH_VM_STATUS_LOAD_FAILED = 1,
	GH_VM_STATUS_EXITED = 2,
	GH_VM_STATUS_CRASHED = 3,
};

#define GH_VM_MAX_EXIT_REASON_SIZE 8u

/* From the RM's VM_EXITED: type (0 VM_EXIT, 1 PLAT_OFF, 2 PLAT_RESET, 3 PSCI_RESET2,
 * 4 WDOG_BITE, 5 SW_ERR, 6 ASYNC_HW_ERR, 7 STOP_FORCED) and its reason words. */
struct gh_vm_exit_info {
	__u16 type;
	__u16 padding;
	__u32 reason_size;
	__u8 reason[GH_VM_MAX_EXIT_REASON_SIZE];
};

/* gh_vcpu_run.exit_reason */
#define GH_VCPU_EXIT_UNKNOWN 0
#define GH_VCPU_EXIT_MMIO 1
#define GH_VCPU_EXIT_STATUS 2

/*
 * The vCPU's run structure, mmap'ed from its fd (GH_VCPU_MMAP_SIZE bytes). An MMIO exit
 * gives the access; for a read the VMM fills data[0..len) before the next GH_VCPU_RUN,
 * which completes the access and resumes the vCPU.
 */
struct gh_vcpu_run {
	/* in */
	__u8 immediate_exit; /* set: GH_VCPU_RUN returns -EINTR at once */
	__u8 padding[7];

	/* out */
	__u32 exit_reason;

	union {
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
		} mmio;

		struct {
			enum gh_vm_status status;
			struct gh_vm_exit_info exit_info;
		} status;
	};
};

#define GH_VCPU_RUN _IO(GH_IOCTL_TYPE, 0x5)
#define GH_VCPU_MMAP_SIZE _IO(GH_IOCTL_TYPE, 0x6)

#endif /* HYP_UAPI_GUNYAH_H */
