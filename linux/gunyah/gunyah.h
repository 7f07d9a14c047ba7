/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of gunyah.ko share: the RM RPC client (rsc_mgr.c, rm_calls.c), the
 * hypercalls (hypercall.h), the VM manager behind /dev/gunyah (vm_mgr.c, vm_mem.c) and
 * its functions (vcpu.c, irqfd.c, ioeventfd.c). Numbers and wire layouts come from the
 * project's hyp_api/ headers, the same ones the hypervisor and the RM are built from.
 */
#ifndef GUNYAH_DRIVER_H
#define GUNYAH_DRIVER_H

#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "hyp_api/gunyah_rm_rpc.h"

#include "uapi/gunyah.h"

/* ---- RM RPC client (rsc_mgr.c) ---------------------------------------------------------- */

struct gh_rm;

/* The one resource manager this VM talks to (from /hypervisor), or NULL. */
struct gh_rm *gh_rm_probe(void);
void gh_rm_remove(struct gh_rm *rm);

/*
 * One request and its reply. req may be NULL when req_size is 0. On success *resp holds a
 * kmalloc'd copy of the reply's data after the RM error (NULL when there is none; the
 * caller kfrees it) and *resp_size its size. The RM's error becomes an errno
 * (gh_rm_errno); *rm_error, when given, receives it as sent.
 */
int gh_rm_call(struct gh_rm *rm, u32 message_id, const void *req, size_t req_size, void **resp,
	       size_t *resp_size, u32 *rm_error);
int gh_rm_errno(u32 rm_error);

/* Notifications: called in process context (a work item), one at a time, with the
 * message id as `action` and a struct gh_rm_notification as data. */
struct gh_rm_notification {
	u32 message_id;
	const void *payload;
	size_t size;
};
int gh_rm_notifier_register(struct gh_rm *rm, struct notifier_block *nb);
int gh_rm_notifier_unregister(struct gh_rm *rm, struct notifier_block *nb);

/* The interrupt controller's node that RM-given virqs (GIC INTIDs) are mapped through. */
struct device_node *gh_rm_irq_parent(struct gh_rm *rm);

/* ---- Typed RM calls (rm_calls.c) --------------------------------------------------------- */

int gh_rm_get_vmid(struct gh_rm *rm, u16 *vmid);
int gh_rm_alloc_vmid(struct gh_rm *rm, u16 *vmid);
int gh_rm_dealloc_vmid(struct gh_rm *rm, u16 vmid);
int gh_rm_vm_config_image(struct gh_rm *rm, u16 vmid, u32 mem_handle, u64 image_offset, u64 image_size,
			  u64 dtb_offset, u64 dtb_size);
int gh_rm_vm_init(struct gh_rm *rm, u16 vmid);
int gh_rm_vm_start(struct gh_rm *rm, u16 vmid);
int gh_rm_vm_stop(struct gh_rm *rm, u16 vmid, bool force);
int gh_rm_vm_reset(struct gh_rm *rm, u16 vmid);
/* *resources: kmalloc'd array of *count entries (kfree it). */
int gh_rm_get_hyp_resources(struct gh_rm *rm, u16 vmid, struct gunyah_rm_hyp_resource **resources, u32 *count);

struct gh_rm_mem_range {
	u64 ipa;
	u64 size;
};
/* MEM_LEND (lend) or MEM_SHARE of n ranges (as many MEM_APPENDs as it takes). *handle
 * names the parcel whenever one was made, even when an append then failed (the caller
 * reclaims it); else GH_NO_PARCEL. */
#define GH_NO_PARCEL U32_MAX
int gh_rm_mem_lend_or_share(struct gh_rm *rm, bool lend, u32 label, const struct gunyah_rm_mem_acl_entry *acl,
			    u32 acl_count, const struct gh_rm_mem_range *ranges, u32 n, u32 *handle);
int gh_rm_mem_reclaim(struct gh_rm *rm, u32 handle);

/* ---- Hypercalls the driver makes (hypercall.h) are inline there. ------------------------- */

/* ---- VM manager (vm_mgr.c) --------------------------------------------------------------- */

#define GH_MAX_VCPUS 8
#define GH_MAX_MEM_REGIONS 8

struct gh_vm;

/* One guest memory region: the VMM's pages, pinned (vm_mem.c). */
struct gh_vm_mem {
	struct list_head list;
	struct gh_userspace_memory_region region;
	struct page **pages;
	unsigned long npages;
	struct gh_rm_mem_range *ranges; /* physically contiguous runs of pages */
	u32 nranges;
	bool parcel_live; /* lent or shared: the RM has a handle for it */
	u32 parcel_handle;
};

/* Pins the region's pages (charged to mm's locked memory) and finds their runs. */
int gh_vm_mem_pin(struct mm_struct *mm, struct gh_vm_mem *mem);
/* Unpins the pages: only ever once the RM has given them back. */
void gh_vm_mem_unpin(struct mm_struct *mm, struct gh_vm_mem *mem);

enum gh_vm_phase {
	GH_VM_PHASE_NEW,      /* memory, DT and functions may be set */
	GH_VM_PHASE_RUNNING,  /* started */
	GH_VM_PHASE_EXITED,   /* the RM said it exited (or a vCPU asked for a reset) */
	GH_VM_PHASE_FAILED,   /* a start failed part way; only teardown is left */
};

struct gh_vcpu;
struct gh_irqfd;
struct gh_ioeventfd;

struct gh_vm {
	struct kref kref;
	struct gh_rm *rm;
	struct mm_struct *mm; /* the VMM's, for locked-memory accounting */
	struct mutex lock;    /* everything below but what says otherwise */
	enum gh_vm_phase phase;
	u16 vmid;             /* 0 until VM_ALLOC_VMID */
	bool configured;      /* VM_CONFIG_IMAGE done: VM_RESET is owed */
	bool started;         /* VM_START done: a stop is owed unless it exited */
	struct list_head mems;
	u32 nmems;
	bool dtb_set;
	struct gh_vm_dtb_config dtb;
	struct gh_vcpu *vcpus[GH_MAX_VCPUS];
	struct list_head irqfds;
	struct list_head ioeventfds; /* read by vCPUs under ioeventfd_lock */
	spinlock_t ioeventfd_lock;

	/* From the RM's notifications (under status_lock; status_wq wakes waiters). */
	struct notifier_block nb;
	spinlock_t status_lock;
	wait_queue_head_t status_wq;
	u8 rm_status;         /* last VM_STATUS vm_status */
	bool exited;          /* the RM said so, or a vCPU asked for a reset */
	bool exit_info_valid; /* VM_EXITED came */
	struct gh_vm_exit_info exit_info;
};

void gh_vm_get(struct gh_vm *vm);
void gh_vm_put(struct gh_vm *vm);
/* True once the VM can no longer run (exited or failed); fills *info when it exited. */
bool gh_vm_is_over(struct gh_vm *vm, enum gh_vm_status *status, struct gh_vm_exit_info *info);
/* A vCPU saw the VM end (power-off of the last vCPU, a reset request, a fault). */
void gh_vm_mark_exited(struct gh_vm *vm, u16 exit_type);

long gh_dev_create_vm(struct gh_rm *rm);

/* ---- Functions ------------------------------------------------------------------------------ */

/* vcpu.c */
long gh_vcpu_create(struct gh_vm *vm, u32 id);
int gh_vcpu_remove(struct gh_vm *vm, u32 id);
int gh_vcpu_bind(struct gh_vm *vm, struct gh_vcpu *vcpu, const struct gunyah_rm_hyp_resource *res);
void gh_vcpu_unbind(struct gh_vcpu *vcpu);
void gh_vcpu_kick(struct gh_vcpu *vcpu);
void gh_vcpu_release_from_vm(struct gh_vcpu *vcpu);

/* irqfd.c */
int gh_irqfd_add(struct gh_vm *vm, const struct gh_fn_irqfd_arg *arg);
int gh_irqfd_remove(struct gh_vm *vm, const struct gh_fn_irqfd_arg *arg);
int gh_irqfd_bind(struct gh_vm *vm, const struct gunyah_rm_hyp_resource *res);
void gh_irqfd_unbind_all(struct gh_vm *vm);
void gh_irqfd_free_all(struct gh_vm *vm);

/* ioeventfd.c */
int gh_ioeventfd_add(struct gh_vm *vm, const struct gh_fn_ioeventfd_arg *arg);
int gh_ioeventfd_remove(struct gh_vm *vm, const struct gh_fn_ioeventfd_arg *arg);
/* A guest MMIO write: true when an ioeventfd took it (the vCPU resumes at once). */
bool gh_ioeventfd_signal(struct gh_vm *vm, u64 addr, u32 len, u64 value);
void gh_ioeventfd_free_all(struct gh_vm *vm);

/* Wires a virq the RM handed out (a GIC INTID) to a Linux interrupt; 0 when there is none. */
unsigned int gh_map_rm_virq(struct gh_rm *rm, u32 virq);

#endif
