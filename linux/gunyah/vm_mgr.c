// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM manager: a VM fd per GH_CREATE_VM, and what it takes to turn the VMM's
 * description (memory regions, a DT location, functions) into a running VM through the
 * RM, and back into nothing.
 *
 * GH_VM_START, in the order Linux's Gunyah series uses: VM_ALLOC_VMID; each memory
 * region lent (GH_MEM_LENT) or shared with the new VM; VM_CONFIG_IMAGE naming the parcel
 * that holds the DT (image_offset 0: the VM starts at that region's first byte, x0 = the
 * DT); VM_INIT; VM_GET_HYP_RESOURCES, whose vCPUs and doorbells are bound to the vCPU and
 * irqfd functions by label; VM_START.
 *
 * Teardown (the last fd closed, a VMM that died included, or a start that failed half
 * way): a VM still running is stopped (forced), VM_RESET, every parcel reclaimed and only
 * then its pages unpinned, VM_DEALLOC_VMID. A parcel the RM will not give back keeps its
 * pages pinned for ever (and says so): unpinning memory a VM can still reach would hand
 * it to whoever gets those pages next.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/unaligned.h>

#include "gunyah.h"
#include "hyp_api/gunyah_rm_mem.h"
#include "hyp_api/gunyah_rm_vm.h"

#define GH_MEM_FLAGS_ALL (GH_MEM_ALLOW_READ | GH_MEM_ALLOW_WRITE | GH_MEM_ALLOW_EXEC | GH_MEM_LENT)
/* booting.rst: a DT is at most 2 MiB. */
#define GH_DTB_SIZE_MAX (2UL << 20)
/* How long teardown waits for the RM's word that a VM stopped or was reset. */
#define GH_VM_STATUS_WAIT_MS 5000

static const struct file_operations gh_vm_fops;

void gh_vm_get(struct gh_vm *vm)
{
	kref_get(&vm->kref);
}

bool gh_vm_is_over(struct gh_vm *vm, enum gh_vm_status *status, struct gh_vm_exit_info *info)
{
	unsigned long flags;
	bool over;

	spin_lock_irqsave(&vm->status_lock, flags);
	over = vm->exited || vm->phase == GH_VM_PHASE_FAILED;
	if (over) {
		*status = vm->exited ? GH_VM_STATUS_EXITED : GH_VM_STATUS_LOAD_FAILED;
		*info = vm->exit_info;
	}
	spin_unlock_irqrestore(&vm->status_lock, flags);
	return over;
}

static void gh_vm_kick_vcpus(struct gh_vm *vm)
{
	int i;

	for (i = 0; i < GH_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			gh_vcpu_kick(vm->vcpus[i]);
}

void gh_vm_mark_exited(struct gh_vm *vm, u16 exit_type)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->status_lock, flags);
	if (!vm->exited) {
		vm->exited = true;
		vm->exit_info.type = exit_type;
	}
	spin_unlock_irqrestore(&vm->status_lock, flags);
	wake_up_all(&vm->status_wq);
	gh_vm_kick_vcpus(vm);
}

/* VM_STATUS and VM_EXITED for this VM (the RM tells the owner of every change). */
static int gh_vm_rm_notification(struct notifier_block *nb, unsigned long action, void *data)
{
	struct gh_vm *vm = container_of(nb, struct gh_vm, nb);
	struct gh_rm_notification *n = data;
	const u8 *p = n->payload;
	unsigned long flags;
	u16 vmid;

	if (n->size < 4)
		return NOTIFY_DONE;
	vmid = get_unaligned_le16(p);
	if (!vmid || vmid != READ_ONCE(vm->vmid))
		return NOTIFY_DONE;

	spin_lock_irqsave(&vm->status_lock, flags);
	if (action == GUNYAH_RM_NOTIF_VM_STATUS && n->size >= 5) {
		vm->rm_status = p[4];
		if (vm->rm_status == GUNYAH_RM_VM_STATUS_EXITED)
			vm->exited = true;
	} else if (action == GUNYAH_RM_NOTIF_VM_EXITED && n->size >= 8) {
		u32 reason_size = n->size >= 8 ? get_unaligned_le32(p + 4) : 0;

		vm->exited = true;
		vm->exit_info.type = get_unaligned_le16(p + 2);
		reason_size = min3(reason_size, (u32)(n->size - 8), (u32)GH_VM_MAX_EXIT_REASON_SIZE);
		vm->exit_info.reason_size = reason_size;
		memcpy(vm->exit_info.reason, p + 8, reason_size);
		vm->exit_info_valid = true;
	}
	spin_unlock_irqrestore(&vm->status_lock, flags);
	wake_up_all(&vm->status_wq);
	gh_vm_kick_vcpus(vm);
	return NOTIFY_OK;
}

static bool gh_vm_rm_status_is(struct gh_vm *vm, u8 status)
{
	unsigned long flags;
	bool is;

	spin_lock_irqsave(&vm->status_lock, flags);
	is = vm->rm_status == status || (status == GUNYAH_RM_VM_STATUS_EXITED && vm->exit_info_valid);
	spin_unlock_irqrestore(&vm->status_lock, flags);
	return is;
}

static void gh_vm_wait_status(struct gh_vm *vm, u8 status, const char *what)
{
	if (!wait_event_timeout(vm->status_wq, gh_vm_rm_status_is(vm, status),
				msecs_to_jiffies(GH_VM_STATUS_WAIT_MS)))
		pr_warn("gunyah: VM %u: no word from the RM that it %s\n", vm->vmid, what);
}

/* Everything the RM holds for this VM given back; safe to call more than once. Called
 * with vm->lock held. */
static void gh_vm_teardown(struct gh_vm *vm)
{
	struct gh_vm_mem *mem;
	bool all_back = true;
	int i, ret;

	if (vm->started) {
		if (!gh_vm_rm_status_is(vm, GUNYAH_RM_VM_STATUS_EXITED)) {
			ret = gh_rm_vm_stop(vm->rm, vm->vmid, true);
			if (ret && ret != -EBADFD) /* VM_STATE: it exited meanwhile */
				pr_warn("gunyah: VM %u: VM_STOP failed: %d\n", vm->vmid, ret);
			gh_vm_wait_status(vm, GUNYAH_RM_VM_STATUS_EXITED, "stopped");
		}
		vm->started = false;
	}
	for (i = 0; i < GH_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			gh_vcpu_unbind(vm->vcpus[i]);
	gh_irqfd_unbind_all(vm);
	if (vm->configured) {
		ret = gh_rm_vm_reset(vm->rm, vm->vmid);
		if (ret)
			pr_warn("gunyah: VM %u: VM_RESET failed: %d\n", vm->vmid, ret);
		else
			gh_vm_wait_status(vm, GUNYAH_RM_VM_STATUS_RESET, "was reset");
		vm->configured = false;
	}
	list_for_each_entry(mem, &vm->mems, list) {
		if (!mem->parcel_live)
			continue;
		ret = gh_rm_mem_reclaim(vm->rm, mem->parcel_handle);
		if (ret) {
			pr_err("gunyah: VM %u: parcel %#x (label %u) could not be reclaimed (%d): its %lu pages stay pinned\n",
			       vm->vmid, mem->parcel_handle, mem->region.label, ret, mem->npages);
			all_back = false;
			continue;
		}
		mem->parcel_live = false;
	}
	if (vm->vmid && all_back) {
		ret = gh_rm_dealloc_vmid(vm->rm, vm->vmid);
		if (ret)
			pr_warn("gunyah: VM %u: VM_DEALLOC_VMID failed: %d\n", vm->vmid, ret);
		WRITE_ONCE(vm->vmid, 0);
	}
}

static void gh_vm_release(struct kref *kref)
{
	struct gh_vm *vm = container_of(kref, struct gh_vm, kref);
	struct gh_vm_mem *mem, *next;
	int i;

	mutex_lock(&vm->lock);
	gh_vm_teardown(vm);
	mutex_unlock(&vm->lock);
	gh_rm_notifier_unregister(vm->rm, &vm->nb);
	for (i = 0; i < GH_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			gh_vcpu_release_from_vm(vm->vcpus[i]);
	gh_irqfd_free_all(vm);
	gh_ioeventfd_free_all(vm);
	list_for_each_entry_safe(mem, next, &vm->mems, list) {
		if (mem->parcel_live)
			continue; /* pinned for good: see gh_vm_teardown */
		gh_vm_mem_unpin(vm->mm, mem);
		list_del(&mem->list);
		kfree(mem);
	}
	mmdrop(vm->mm);
	kfree(vm);
	module_put(THIS_MODULE);
}

void gh_vm_put(struct gh_vm *vm)
{
	kref_put(&vm->kref, gh_vm_release);
}

static bool gh_ranges_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

static long gh_vm_set_user_mem_region(struct gh_vm *vm, const struct gh_userspace_memory_region *region)
{
	struct gh_vm_mem *mem, *other;
	u64 end;
	int ret;

	if (region->flags & ~GH_MEM_FLAGS_ALL)
		return -EINVAL;
	if (!PAGE_ALIGNED(region->guest_phys_addr) || !PAGE_ALIGNED(region->userspace_addr) ||
	    !PAGE_ALIGNED(region->memory_size))
		return -EINVAL;
	if (check_add_overflow(region->guest_phys_addr, region->memory_size, &end) ||
	    check_add_overflow(region->userspace_addr, region->memory_size, &end))
		return -EOVERFLOW;

	/* The pages pinned are the caller's: only the VM's own process may give them. */
	if (current->mm != vm->mm)
		return -EPERM;
	mutex_lock(&vm->lock);
	ret = -EBUSY;
	if (vm->phase != GH_VM_PHASE_NEW)
		goto out;

	/* Size 0 takes the region with that label away again. */
	if (region->memory_size == 0) {
		ret = -ENOENT;
		list_for_each_entry(mem, &vm->mems, list) {
			if (mem->region.label == region->label) {
				list_del(&mem->list);
				vm->nmems--;
				gh_vm_mem_unpin(vm->mm, mem);
				kfree(mem);
				ret = 0;
				break;
			}
		}
		goto out;
	}
	ret = -EINVAL;
	if (!(region->flags & (GH_MEM_ALLOW_READ | GH_MEM_ALLOW_WRITE | GH_MEM_ALLOW_EXEC)))
		goto out;
	ret = -ENOSPC;
	if (vm->nmems >= GH_MAX_MEM_REGIONS)
		goto out;
	ret = -EEXIST;
	list_for_each_entry(other, &vm->mems, list) {
		if (other->region.label == region->label ||
		    gh_ranges_overlap(other->region.guest_phys_addr, other->region.memory_size,
				      region->guest_phys_addr, region->memory_size) ||
		    gh_ranges_overlap(other->region.userspace_addr, other->region.memory_size,
				      region->userspace_addr, region->memory_size))
			goto out;
	}
	ret = -ENOMEM;
	mem = kzalloc(sizeof(*mem), GFP_KERNEL_ACCOUNT);
	if (!mem)
		goto out;
	mem->region = *region;
	ret = gh_vm_mem_pin(vm->mm, mem);
	if (ret) {
		kfree(mem);
		goto out;
	}
	list_add_tail(&mem->list, &vm->mems);
	vm->nmems++;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static long gh_vm_set_dtb_config(struct gh_vm *vm, const struct gh_vm_dtb_config *dtb)
{
	u64 end;
	long ret = 0;

	if (dtb->size == 0 || dtb->size > GH_DTB_SIZE_MAX || !IS_ALIGNED(dtb->guest_phys_addr, 8) ||
	    check_add_overflow(dtb->guest_phys_addr, dtb->size, &end))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->phase != GH_VM_PHASE_NEW) {
		ret = -EBUSY;
	} else {
		vm->dtb = *dtb;
		vm->dtb_set = true;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static int gh_vm_lend_memory(struct gh_vm *vm, u16 self_vmid)
{
	struct gh_vm_mem *mem;
	int ret;

	list_for_each_entry(mem, &vm->mems, list) {
		struct gunyah_rm_mem_acl_entry acl[2] = {};
		bool lend = mem->region.flags & GH_MEM_LENT;
		u8 rights = 0;

		if (mem->region.flags & GH_MEM_ALLOW_READ)
			rights |= GUNYAH_RM_ACL_R;
		if (mem->region.flags & GH_MEM_ALLOW_WRITE)
			rights |= GUNYAH_RM_ACL_W;
		if (mem->region.flags & GH_MEM_ALLOW_EXEC)
			rights |= GUNYAH_RM_ACL_X;
		acl[0].vmid = vm->vmid;
		acl[0].rights = rights;
		/* A share keeps the VMM's own access: it is in the ACL too. */
		acl[1].vmid = self_vmid;
		acl[1].rights = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
		ret = gh_rm_mem_lend_or_share(vm->rm, lend, mem->region.label, acl, lend ? 1 : 2, mem->ranges,
					      mem->nranges, &mem->parcel_handle);
		mem->parcel_live = mem->parcel_handle != GH_NO_PARCEL;
		if (ret) {
			pr_warn("gunyah: VM %u: %s of region %u (%lu pages in %u ranges) failed: %d\n", vm->vmid,
				lend ? "MEM_LEND" : "MEM_SHARE", mem->region.label, mem->npages, mem->nranges, ret);
			return ret;
		}
	}
	return 0;
}

static int gh_vm_bind_resources(struct gh_vm *vm)
{
	struct gunyah_rm_hyp_resource *res = NULL;
	u32 count = 0, i;
	int ret = gh_rm_get_hyp_resources(vm->rm, vm->vmid, &res, &count);

	if (ret)
		return ret;
	for (i = 0; i < count && !ret; i++) {
		const struct gunyah_rm_hyp_resource *r = &res[i];

		switch (r->type) {
		case GUNYAH_RM_RES_VCPU:
			if (r->resource_label < GH_MAX_VCPUS && vm->vcpus[r->resource_label])
				ret = gh_vcpu_bind(vm, vm->vcpus[r->resource_label], r);
			else
				pr_warn("gunyah: VM %u: vCPU %u has no vCPU function: it will not run\n", vm->vmid,
					r->resource_label);
			break;
		case GUNYAH_RM_RES_DOORBELL_SEND:
			ret = gh_irqfd_bind(vm, r);
			break;
		default:
			pr_debug("gunyah: VM %u: resource type %u (label %u) not used\n", vm->vmid, r->type,
				 r->resource_label);
			break;
		}
	}
	kfree(res);
	return ret;
}

static long gh_vm_start(struct gh_vm *vm)
{
	struct gh_vm_mem *mem, *dtb_mem = NULL;
	u16 self_vmid = 0;
	long ret;

	mutex_lock(&vm->lock);
	if (vm->phase == GH_VM_PHASE_RUNNING) {
		ret = 0; /* started already: as the series, starting twice is no error */
		goto out;
	}
	ret = -ENODEV;
	if (vm->phase != GH_VM_PHASE_NEW)
		goto out;
	ret = -EINVAL;
	if (!vm->dtb_set)
		goto out;
	list_for_each_entry(mem, &vm->mems, list) {
		if (vm->dtb.guest_phys_addr >= mem->region.guest_phys_addr &&
		    vm->dtb.guest_phys_addr + vm->dtb.size <= mem->region.guest_phys_addr + mem->region.memory_size)
			dtb_mem = mem;
	}
	if (!dtb_mem)
		goto out;

	ret = gh_rm_get_vmid(vm->rm, &self_vmid);
	if (ret)
		goto fail;
	ret = gh_rm_alloc_vmid(vm->rm, &vm->vmid);
	if (ret)
		goto fail;
	ret = gh_vm_lend_memory(vm, self_vmid);
	if (ret)
		goto fail;
	ret = gh_rm_vm_config_image(vm->rm, vm->vmid, dtb_mem->parcel_handle, 0, 0,
				    vm->dtb.guest_phys_addr - dtb_mem->region.guest_phys_addr, vm->dtb.size);
	if (ret)
		goto fail;
	vm->configured = true;
	ret = gh_rm_vm_init(vm->rm, vm->vmid);
	if (ret)
		goto fail;
	ret = gh_vm_bind_resources(vm);
	if (ret)
		goto fail;
	ret = gh_rm_vm_start(vm->rm, vm->vmid);
	if (ret == -ETIMEDOUT)
		vm->started = true; /* it may have started: teardown stops it */
	if (ret)
		goto fail;
	vm->started = true;
	smp_store_release(&vm->phase, GH_VM_PHASE_RUNNING); /* vCPUs may run from now on */
	pr_info("gunyah: VM %u started\n", vm->vmid);
	goto out;
fail:
	pr_warn("gunyah: VM %u: start failed: %ld\n", vm->vmid, ret);
	vm->phase = GH_VM_PHASE_FAILED;
	gh_vm_kick_vcpus(vm); /* before teardown takes their run locks */
	gh_vm_teardown(vm);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static long gh_vm_function(struct gh_vm *vm, unsigned long cmd, const void __user *argp)
{
	struct gh_fn_desc desc;
	union {
		struct gh_fn_vcpu_arg vcpu;
		struct gh_fn_irqfd_arg irqfd;
		struct gh_fn_ioeventfd_arg ioeventfd;
	} arg;
	size_t want;
	bool add = cmd == GH_VM_ADD_FUNCTION;

	if (copy_from_user(&desc, argp, sizeof(desc)))
		return -EFAULT;
	switch (desc.type) {
	case GH_FN_VCPU:
		want = sizeof(arg.vcpu);
		break;
	case GH_FN_IRQFD:
		want = sizeof(arg.irqfd);
		break;
	case GH_FN_IOEVENTFD:
		want = sizeof(arg.ioeventfd);
		break;
	default:
		return -EINVAL;
	}
	/* The argument is exactly the type's struct: a size that differs is a VMM built
	 * against another interface. */
	if (desc.arg_size != want)
		return -EINVAL;
	if (copy_from_user(&arg, u64_to_user_ptr(desc.arg), want))
		return -EFAULT;

	switch (desc.type) {
	case GH_FN_VCPU:
		return add ? gh_vcpu_create(vm, arg.vcpu.id) : gh_vcpu_remove(vm, arg.vcpu.id);
	case GH_FN_IRQFD:
		return add ? gh_irqfd_add(vm, &arg.irqfd) : gh_irqfd_remove(vm, &arg.irqfd);
	default:
		return add ? gh_ioeventfd_add(vm, &arg.ioeventfd) : gh_ioeventfd_remove(vm, &arg.ioeventfd);
	}
}

static long gh_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gh_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case GH_VM_SET_USER_MEM_REGION: {
		struct gh_userspace_memory_region region;

		if (copy_from_user(&region, argp, sizeof(region)))
			return -EFAULT;
		return gh_vm_set_user_mem_region(vm, &region);
	}
	case GH_VM_SET_DTB_CONFIG: {
		struct gh_vm_dtb_config dtb;

		if (copy_from_user(&dtb, argp, sizeof(dtb)))
			return -EFAULT;
		return gh_vm_set_dtb_config(vm, &dtb);
	}
	case GH_VM_START:
		return gh_vm_start(vm);
	case GH_VM_ADD_FUNCTION:
	case GH_VM_REMOVE_FUNCTION:
		return gh_vm_function(vm, cmd, argp);
	case GH_VCPU_MMAP_SIZE:
		return PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static int gh_vm_file_release(struct inode *inode, struct file *file)
{
	gh_vm_put(file->private_data);
	return 0;
}

static const struct file_operations gh_vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gh_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = gh_vm_file_release,
	.llseek = noop_llseek,
};

long gh_dev_create_vm(struct gh_rm *rm)
{
	struct gh_vm *vm;
	int fd, ret;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	kref_init(&vm->kref);
	vm->rm = rm;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	mutex_init(&vm->lock);
	vm->phase = GH_VM_PHASE_NEW;
	INIT_LIST_HEAD(&vm->mems);
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->ioeventfds);
	spin_lock_init(&vm->ioeventfd_lock);
	spin_lock_init(&vm->status_lock);
	init_waitqueue_head(&vm->status_wq);
	vm->nb.notifier_call = gh_vm_rm_notification;
	ret = gh_rm_notifier_register(rm, &vm->nb);
	if (ret) {
		mmdrop(vm->mm);
		kfree(vm);
		module_put(THIS_MODULE);
		return ret;
	}
	fd = anon_inode_getfd("gh-vm", &gh_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		gh_vm_put(vm);
	return fd;
}
