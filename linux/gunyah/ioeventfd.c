// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioeventfd functions: a guest write to one MMIO address (of one size, optionally of
 * one value) signals an eventfd and resumes the vCPU at once, without a trip through
 * the VMM's GH_VCPU_RUN loop. The address must lie where the VM's accesses exit to its
 * owner (its virtual-MMIO window); writes elsewhere never reach the driver.
 */
#include <linux/file.h>
#include <linux/slab.h>

#include "gunyah.h"

struct gh_ioeventfd {
	struct list_head list;
	u64 addr;
	u32 len;
	bool datamatch;
	u64 value;
	struct eventfd_ctx *ctx;
};

static bool gh_ioeventfd_same(const struct gh_ioeventfd *e, const struct gh_fn_ioeventfd_arg *arg)
{
	return e->addr == arg->addr && e->len == arg->len && e->datamatch == !!(arg->flags & GH_IOEVENTFD_DATAMATCH) &&
	       (!e->datamatch || e->value == arg->datamatch);
}

int gh_ioeventfd_add(struct gh_vm *vm, const struct gh_fn_ioeventfd_arg *arg)
{
	struct gh_ioeventfd *e, *other;
	unsigned long flags;
	u64 end;
	int ret;

	if (arg->flags & ~GH_IOEVENTFD_DATAMATCH || arg->padding)
		return -EINVAL;
	if (arg->len != 0 && arg->len != 1 && arg->len != 2 && arg->len != 4 && arg->len != 8)
		return -EINVAL;
	if (check_add_overflow(arg->addr, (u64)max_t(u32, arg->len, 1), &end))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->addr = arg->addr;
	e->len = arg->len;
	e->datamatch = arg->flags & GH_IOEVENTFD_DATAMATCH;
	e->value = arg->datamatch;
	e->ctx = eventfd_ctx_fdget(arg->fd);
	if (IS_ERR(e->ctx)) {
		ret = PTR_ERR(e->ctx);
		kfree(e);
		return ret;
	}
	spin_lock_irqsave(&vm->ioeventfd_lock, flags);
	list_for_each_entry(other, &vm->ioeventfds, list) {
		if (gh_ioeventfd_same(other, arg)) {
			spin_unlock_irqrestore(&vm->ioeventfd_lock, flags);
			eventfd_ctx_put(e->ctx);
			kfree(e);
			return -EEXIST;
		}
	}
	list_add_tail(&e->list, &vm->ioeventfds);
	spin_unlock_irqrestore(&vm->ioeventfd_lock, flags);
	return 0;
}

int gh_ioeventfd_remove(struct gh_vm *vm, const struct gh_fn_ioeventfd_arg *arg)
{
	struct gh_ioeventfd *e, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&vm->ioeventfd_lock, flags);
	list_for_each_entry(e, &vm->ioeventfds, list) {
		if (gh_ioeventfd_same(e, arg)) {
			list_del(&e->list);
			found = e;
			break;
		}
	}
	spin_unlock_irqrestore(&vm->ioeventfd_lock, flags);
	if (!found)
		return -ENOENT;
	eventfd_ctx_put(found->ctx);
	kfree(found);
	return 0;
}

bool gh_ioeventfd_signal(struct gh_vm *vm, u64 addr, u32 len, u64 value)
{
	struct gh_ioeventfd *e;
	unsigned long flags;
	bool taken = false;

	spin_lock_irqsave(&vm->ioeventfd_lock, flags);
	list_for_each_entry(e, &vm->ioeventfds, list) {
		if (e->addr != addr || (e->len && e->len != len))
			continue;
		if (e->datamatch && (len < 8 ? (value & ((1ULL << (len * 8)) - 1)) : value) != e->value)
			continue;
		eventfd_signal(e->ctx, 1);
		taken = true;
		break;
	}
	spin_unlock_irqrestore(&vm->ioeventfd_lock, flags);
	return taken;
}

void gh_ioeventfd_free_all(struct gh_vm *vm)
{
	struct gh_ioeventfd *e, *next;

	list_for_each_entry_safe(e, next, &vm->ioeventfds, list) {
		list_del(&e->list);
		eventfd_ctx_put(e->ctx);
		kfree(e);
	}
}
