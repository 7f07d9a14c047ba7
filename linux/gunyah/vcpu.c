// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU functions: a vCPU fd per GH_FN_VCPU, whose GH_VCPU_RUN runs the VM's vCPU in the
 * calling thread's place (the hypercall vcpu_run: the RM made the VM's vCPUs
 * proxy-scheduled) until something needs the VMM:
 *
 *   VMMIO read/write      an MMIO exit in the mmap'ed gh_vcpu_run (a write an ioeventfd
 *                         takes is finished here, without an exit); the next GH_VCPU_RUN
 *                         hands back the value read and resumes the vCPU past the access
 *   ready                 the caller's own interrupt or time slice: run again (the
 *                         interrupt is taken on the way, IRQs being unmasked)
 *   expects wakeup,       sleep until the vCPU's run-wakeup interrupt (the RM bound one
 *   powered off           per vCPU to an SPI of ours) or a signal
 *   powered off + exited, the VM is over: a status exit, with the RM's VM_EXITED reason
 *   a fault, a reset      (a reset request counts as an exit of type PLAT_RESET)
 *
 * A signal ends GH_VCPU_RUN with -EINTR; a pending MMIO completion is kept for the
 * next call.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "gunyah.h"
#include "hypercall.h"
#include "hyp_api/gunyah_rm_vm.h"

/* How long a vCPU that saw the VM power off waits for the RM's VM_EXITED reason. */
#define GH_VCPU_EXIT_INFO_WAIT_MS 1000

enum gh_vcpu_pending {
	GH_VCPU_NOTHING_PENDING,
	GH_VCPU_MMIO_READ_PENDING,  /* the VMM fills run->mmio.data */
	GH_VCPU_MMIO_WRITE_PENDING,
};

struct gh_vcpu {
	struct kref kref;
	struct gh_vm *vm;         /* valid while an fd or the VM holds the vCPU */
	u32 id;
	struct gh_vcpu_run *run;  /* one zeroed page, mmap'ed by the VMM */
	struct mutex run_lock;    /* one GH_VCPU_RUN at a time; guards what follows */
	enum gh_vcpu_pending pending;
	bool removed;             /* GH_VM_REMOVE_FUNCTION took it from its VM */

	/* Set by gh_vcpu_bind before the VM starts, cleared by teardown. */
	bool bound;
	u64 cap;
	unsigned int irq;         /* the run-wakeup interrupt; 0: none */
	char irq_name[24];
	struct completion ready;
};

static void gh_vcpu_free(struct kref *kref)
{
	struct gh_vcpu *vcpu = container_of(kref, struct gh_vcpu, kref);

	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static irqreturn_t gh_vcpu_wakeup_irq(int irq, void *data)
{
	struct gh_vcpu *vcpu = data;

	complete(&vcpu->ready);
	return IRQ_HANDLED;
}

void gh_vcpu_kick(struct gh_vcpu *vcpu)
{
	complete(&vcpu->ready);
}

int gh_vcpu_bind(struct gh_vm *vm, struct gh_vcpu *vcpu, const struct gunyah_rm_hyp_resource *res)
{
	int ret;

	if (vcpu->bound)
		return -EEXIST;
	vcpu->cap = res->cap_id;
	if (res->virq != U32_MAX) {
		vcpu->irq = gh_map_rm_virq(vm->rm, res->virq);
		if (!vcpu->irq) {
			pr_warn("gunyah: VM %u: vCPU %u: cannot map its wakeup interrupt %u\n", vm->vmid, vcpu->id,
				res->virq);
			return -EINVAL;
		}
		snprintf(vcpu->irq_name, sizeof(vcpu->irq_name), "gh-vcpu:%u:%u", vm->vmid, vcpu->id);
		ret = request_irq(vcpu->irq, gh_vcpu_wakeup_irq, 0, vcpu->irq_name, vcpu);
		if (ret) {
			irq_dispose_mapping(vcpu->irq);
			vcpu->irq = 0;
			return ret;
		}
	}
	vcpu->bound = true;
	return 0;
}

/* Before VM_RESET deletes the cap and the interrupt: no GH_VCPU_RUN can be running
 * (the VM lock is held by a start that failed, or every fd is closed). */
void gh_vcpu_unbind(struct gh_vcpu *vcpu)
{
	mutex_lock(&vcpu->run_lock);
	if (vcpu->irq) {
		free_irq(vcpu->irq, vcpu);
		irq_dispose_mapping(vcpu->irq);
		vcpu->irq = 0;
	}
	vcpu->bound = false;
	mutex_unlock(&vcpu->run_lock);
}

void gh_vcpu_release_from_vm(struct gh_vcpu *vcpu)
{
	kref_put(&vcpu->kref, gh_vcpu_free);
}

static void gh_vcpu_status_exit(struct gh_vcpu *vcpu, enum gh_vm_status status, const struct gh_vm_exit_info *info)
{
	vcpu->run->exit_reason = GH_VCPU_EXIT_STATUS;
	vcpu->run->status.status = status;
	vcpu->run->status.exit_info = *info;
}

/* The VM is over: report it, with VM_EXITED's reason when it comes soon enough. */
static int gh_vcpu_report_over(struct gh_vcpu *vcpu)
{
	struct gh_vm *vm = vcpu->vm;
	enum gh_vm_status status;
	struct gh_vm_exit_info info;

	wait_event_timeout(vm->status_wq, READ_ONCE(vm->exit_info_valid) || vm->phase == GH_VM_PHASE_FAILED,
			   msecs_to_jiffies(GH_VCPU_EXIT_INFO_WAIT_MS));
	if (!gh_vm_is_over(vm, &status, &info)) {
		/* The vCPU says exited before the RM's notification did. */
		gh_vm_mark_exited(vm, GUNYAH_RM_EXIT_TYPE_VM_EXIT);
		gh_vm_is_over(vm, &status, &info);
	}
	gh_vcpu_status_exit(vcpu, status, &info);
	return 0;
}

static bool gh_vcpu_over(struct gh_vcpu *vcpu)
{
	enum gh_vm_status status;
	struct gh_vm_exit_info info;

	if (!gh_vm_is_over(vcpu->vm, &status, &info))
		return false;
	gh_vcpu_status_exit(vcpu, status, &info);
	return true;
}

static long gh_vcpu_run(struct gh_vcpu *vcpu)
{
	struct gh_vcpu_run_result r;
	u64 resume[3] = { 0, 0, 0 };
	long ret;

	if (mutex_lock_interruptible(&vcpu->run_lock))
		return -EINTR;
	if (vcpu->removed) {
		ret = -ENODEV;
		goto out;
	}
	if (READ_ONCE(vcpu->run->immediate_exit)) {
		ret = -EINTR;
		goto out;
	}
	vcpu->run->exit_reason = GH_VCPU_EXIT_UNKNOWN;
	if (gh_vcpu_over(vcpu)) {
		ret = 0;
		goto out;
	}
	/* Bound at VM_INIT, but run only once VM_START succeeded. */
	if (smp_load_acquire(&vcpu->vm->phase) != GH_VM_PHASE_RUNNING || !vcpu->bound) {
		ret = -EINVAL; /* the VM has not started */
		goto out;
	}
	switch (vcpu->pending) {
	case GH_VCPU_MMIO_READ_PENDING: {
		u64 value = 0;

		memcpy(&value, vcpu->run->mmio.data, min_t(u32, vcpu->run->mmio.len, sizeof(value)));
		resume[0] = le64_to_cpu(value);
		resume[1] = GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE;
		break;
	}
	case GH_VCPU_MMIO_WRITE_PENDING:
		resume[1] = GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE;
		break;
	default:
		break;
	}

	for (;;) {
		long err;

		if (signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		reinit_completion(&vcpu->ready);
		err = gh_hc_vcpu_run(vcpu->cap, resume[0], resume[1], resume[2], &r);
		if (err) {
			if (gh_vcpu_over(vcpu)) {
				ret = 0;
				goto out;
			}
			if (err == GUNYAH_ERROR_RETRY || err == GUNYAH_ERROR_BUSY) {
				cond_resched();
				continue;
			}
			pr_warn_ratelimited("gunyah: VM %u vCPU %u: vcpu_run: error %ld\n", vcpu->vm->vmid, vcpu->id,
					    err);
			ret = -EIO;
			goto out;
		}
		/* The hypervisor took the completion. */
		vcpu->pending = GH_VCPU_NOTHING_PENDING;
		resume[0] = resume[1] = resume[2] = 0;

		switch (r.state) {
		case GUNYAH_VCPU_RUN_STATE_READY:
		case GUNYAH_VCPU_RUN_STATE_BLOCKED:
			cond_resched();
			break;
		case GUNYAH_VCPU_RUN_STATE_POWERED_OFF:
			if (r.data[0] & GUNYAH_VCPU_RUN_POWERED_OFF_EXITED) {
				ret = gh_vcpu_report_over(vcpu);
				goto out;
			}
			fallthrough;
		case GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP:
			/* Until the wakeup interrupt, the VM's end or a signal. The end may
			 * have come (and its kick been reset) before this call's reinit. */
			if (gh_vcpu_over(vcpu)) {
				ret = 0;
				goto out;
			}
			if (wait_for_completion_interruptible(&vcpu->ready)) {
				ret = -EINTR;
				goto out;
			}
			if (gh_vcpu_over(vcpu)) {
				ret = 0;
				goto out;
			}
			break;
		case GUNYAH_VCPU_RUN_STATE_VMMIO_READ:
			vcpu->run->exit_reason = GH_VCPU_EXIT_MMIO;
			vcpu->run->mmio.phys_addr = r.data[0];
			vcpu->run->mmio.len = r.data[1];
			vcpu->run->mmio.is_write = 0;
			memset(vcpu->run->mmio.data, 0, sizeof(vcpu->run->mmio.data));
			vcpu->pending = GH_VCPU_MMIO_READ_PENDING;
			ret = 0;
			goto out;
		case GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE: {
			u64 value = cpu_to_le64(r.data[2]);

			if (gh_ioeventfd_signal(vcpu->vm, r.data[0], r.data[1], r.data[2])) {
				resume[1] = GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE;
				break;
			}
			vcpu->run->exit_reason = GH_VCPU_EXIT_MMIO;
			vcpu->run->mmio.phys_addr = r.data[0];
			vcpu->run->mmio.len = r.data[1];
			vcpu->run->mmio.is_write = 1;
			memcpy(vcpu->run->mmio.data, &value, sizeof(value));
			vcpu->pending = GH_VCPU_MMIO_WRITE_PENDING;
			ret = 0;
			goto out;
		}
		case GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET:
			gh_vm_mark_exited(vcpu->vm, GUNYAH_RM_EXIT_TYPE_PLATFORM_RESET);
			gh_vcpu_over(vcpu);
			ret = 0;
			goto out;
		case GUNYAH_VCPU_RUN_STATE_FAULT:
			pr_warn("gunyah: VM %u vCPU %u faulted\n", vcpu->vm->vmid, vcpu->id);
			vcpu->run->exit_reason = GH_VCPU_EXIT_STATUS;
			vcpu->run->status.status = GH_VM_STATUS_CRASHED;
			memset(&vcpu->run->status.exit_info, 0, sizeof(vcpu->run->status.exit_info));
			ret = 0;
			goto out;
		default:
			pr_warn_ratelimited("gunyah: VM %u vCPU %u: vcpu_run state %#llx unknown\n", vcpu->vm->vmid,
					    vcpu->id, r.state);
			ret = -EIO;
			goto out;
		}
	}
out:
	mutex_unlock(&vcpu->run_lock);
	return ret;
}

static long gh_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gh_vcpu *vcpu = file->private_data;

	switch (cmd) {
	case GH_VCPU_RUN:
		return gh_vcpu_run(vcpu);
	case GH_VCPU_MMAP_SIZE:
		return PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static vm_fault_t gh_vcpu_fault(struct vm_fault *vmf)
{
	struct gh_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	page = virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct gh_vcpu_vm_ops = {
	.fault = gh_vcpu_fault,
};

static int gh_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_SIZE)
		return -EINVAL;
	vma->vm_ops = &gh_vcpu_vm_ops;
	return 0;
}

static int gh_vcpu_release(struct inode *inode, struct file *file)
{
	struct gh_vcpu *vcpu = file->private_data;
	struct gh_vm *vm = vcpu->vm;

	kref_put(&vcpu->kref, gh_vcpu_free);
	gh_vm_put(vm);
	return 0;
}

static const struct file_operations gh_vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gh_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = gh_vcpu_release,
	.mmap = gh_vcpu_mmap,
	.llseek = noop_llseek,
};

long gh_vcpu_create(struct gh_vm *vm, u32 id)
{
	struct gh_vcpu *vcpu;
	long fd;

	if (id >= GH_MAX_VCPUS)
		return -EINVAL;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->run = (struct gh_vcpu_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run) {
		kfree(vcpu);
		return -ENOMEM;
	}
	kref_init(&vcpu->kref); /* the VM's reference */
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->run_lock);
	init_completion(&vcpu->ready);

	mutex_lock(&vm->lock);
	fd = -EBUSY;
	if (vm->phase != GH_VM_PHASE_NEW)
		goto fail;
	fd = -EEXIST;
	if (vm->vcpus[id])
		goto fail;
	/* The fd's references: the vCPU and its VM. */
	kref_get(&vcpu->kref);
	gh_vm_get(vm);
	fd = anon_inode_getfd("gh-vcpu", &gh_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kref_put(&vcpu->kref, gh_vcpu_free);
		mutex_unlock(&vm->lock);
		gh_vm_put(vm); /* not the last: the caller's VM fd holds one */
		gh_vcpu_release_from_vm(vcpu);
		return fd;
	}
	vm->vcpus[id] = vcpu;
	mutex_unlock(&vm->lock);
	return fd;
fail:
	mutex_unlock(&vm->lock);
	gh_vcpu_release_from_vm(vcpu);
	return fd;
}

int gh_vcpu_remove(struct gh_vm *vm, u32 id)
{
	struct gh_vcpu *vcpu;
	int ret = 0;

	if (id >= GH_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	vcpu = vm->vcpus[id];
	if (!vcpu) {
		ret = -ENOENT;
	} else if (vm->phase != GH_VM_PHASE_NEW) {
		ret = -EBUSY; /* the RM built the VM with it */
	} else {
		vm->vcpus[id] = NULL;
		mutex_lock(&vcpu->run_lock);
		vcpu->removed = true;
		mutex_unlock(&vcpu->run_lock);
		gh_vcpu_release_from_vm(vcpu);
	}
	mutex_unlock(&vm->lock);
	return ret;
}
