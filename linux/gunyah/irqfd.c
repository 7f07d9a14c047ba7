// SPDX-License-Identifier: GPL-2.0-only
/*
 * irqfd functions: an eventfd whose every signal rings one of the VM's doorbells (the
 * one whose vdevice has the irqfd's label; the owner holds its send cap from
 * VM_GET_HYP_RESOURCES), raising the interrupt the VM's DT gives that doorbell. The ring
 * is a hypercall made from the eventfd's wakeup callback, with no thread in between.
 * Signals before the VM starts are remembered and rung at bind.
 *
 * GH_IRQFD_LEVEL sets the doorbell's masks so that every ring raises the interrupt again
 * (enable bit 0, and bit 0 acknowledged as it is raised): the VM has no driver to clear
 * the doorbell's flags, which otherwise stay set.
 */
#include <linux/file.h>
#include <linux/slab.h>

#include "gunyah.h"
#include "hypercall.h"

struct gh_irqfd {
	struct list_head list;
	struct gh_vm *vm;
	u32 label;
	bool level;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table pt;

	spinlock_t lock; /* the wakeup callback runs with the eventfd's lock held */
	bool bound;
	bool pending;
	u64 cap;
};

static void gh_irqfd_ring(struct gh_irqfd *irqfd)
{
	long err = gh_hc_doorbell_send(irqfd->cap, 1);

	if (err)
		pr_warn_ratelimited("gunyah: irqfd %u: doorbell_send: error %ld\n", irqfd->label, err);
}

static int gh_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct gh_irqfd *irqfd = container_of(wait, struct gh_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	unsigned long irqflags;
	u64 count;

	if (!(flags & EPOLLIN))
		return 0;
	eventfd_ctx_do_read(irqfd->ctx, &count); /* each signal is one ring */
	spin_lock_irqsave(&irqfd->lock, irqflags);
	if (irqfd->bound)
		gh_irqfd_ring(irqfd);
	else
		irqfd->pending = true;
	spin_unlock_irqrestore(&irqfd->lock, irqflags);
	return 0;
}

static void gh_irqfd_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct gh_irqfd *irqfd = container_of(pt, struct gh_irqfd, pt);

	irqfd->wqh = wqh;
	add_wait_queue(wqh, &irqfd->wait);
}

static void gh_irqfd_free(struct gh_irqfd *irqfd)
{
	u64 count;

	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &count);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

int gh_irqfd_add(struct gh_vm *vm, const struct gh_fn_irqfd_arg *arg)
{
	struct gh_irqfd *irqfd, *other;
	struct fd f;
	__poll_t events;
	int ret;

	if (arg->flags & ~GH_IRQFD_LEVEL || arg->padding)
		return -EINVAL;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->label = arg->label;
	irqfd->level = arg->flags & GH_IRQFD_LEVEL;
	spin_lock_init(&irqfd->lock);

	f = fdget(arg->fd);
	if (!f.file) {
		kfree(irqfd);
		return -EBADF;
	}
	irqfd->ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->ctx)) {
		ret = PTR_ERR(irqfd->ctx);
		fdput(f);
		kfree(irqfd);
		return ret;
	}

	mutex_lock(&vm->lock);
	ret = -EBUSY;
	if (vm->phase != GH_VM_PHASE_NEW)
		goto fail;
	ret = -EEXIST;
	list_for_each_entry(other, &vm->irqfds, list)
		if (other->label == irqfd->label)
			goto fail;
	init_waitqueue_func_entry(&irqfd->wait, gh_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, gh_irqfd_queue);
	list_add_tail(&irqfd->list, &vm->irqfds);
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN) /* signalled before it was added: one ring owed */
		irqfd->pending = true;
	mutex_unlock(&vm->lock);
	fdput(f);
	return 0;
fail:
	mutex_unlock(&vm->lock);
	eventfd_ctx_put(irqfd->ctx);
	fdput(f);
	kfree(irqfd);
	return ret;
}

int gh_irqfd_remove(struct gh_vm *vm, const struct gh_fn_irqfd_arg *arg)
{
	struct gh_irqfd *irqfd;
	int ret = -ENOENT;

	mutex_lock(&vm->lock);
	list_for_each_entry(irqfd, &vm->irqfds, list) {
		if (irqfd->label == arg->label) {
			list_del(&irqfd->list);
			gh_irqfd_free(irqfd);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	return ret;
}

int gh_irqfd_bind(struct gh_vm *vm, const struct gunyah_rm_hyp_resource *res)
{
	struct gh_irqfd *irqfd;
	unsigned long flags;

	list_for_each_entry(irqfd, &vm->irqfds, list) {
		if (irqfd->label != res->resource_label)
			continue;
		if (irqfd->level) {
			long err = gh_hc_doorbell_mask(res->cap_id, 1, 1);

			if (err) {
				pr_warn("gunyah: VM %u: irqfd %u: doorbell_mask: error %ld\n", vm->vmid, irqfd->label,
					err);
				return -EIO;
			}
		}
		spin_lock_irqsave(&irqfd->lock, flags);
		irqfd->cap = res->cap_id;
		irqfd->bound = true;
		if (irqfd->pending)
			gh_irqfd_ring(irqfd);
		irqfd->pending = false;
		spin_unlock_irqrestore(&irqfd->lock, flags);
		return 0;
	}
	pr_debug("gunyah: VM %u: doorbell %u has no irqfd\n", vm->vmid, res->resource_label);
	return 0;
}

void gh_irqfd_unbind_all(struct gh_vm *vm)
{
	struct gh_irqfd *irqfd;
	unsigned long flags;

	list_for_each_entry(irqfd, &vm->irqfds, list) {
		spin_lock_irqsave(&irqfd->lock, flags);
		irqfd->bound = false;
		spin_unlock_irqrestore(&irqfd->lock, flags);
	}
}

void gh_irqfd_free_all(struct gh_vm *vm)
{
	struct gh_irqfd *irqfd, *next;

	list_for_each_entry_safe(irqfd, next, &vm->irqfds, list) {
		list_del(&irqfd->list);
		gh_irqfd_free(irqfd);
	}
}
