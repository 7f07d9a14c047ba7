// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RM RPC client: requests, replies and notifications over the message-queue pair
 * the device tree's /hypervisor node names (docs/rpc.md has the protocol).
 *
 * Sending: one request at a time holds send_lock while its fragments go out (the RM
 * abandons a message another first fragment interrupts), each fragment a msgq_send of
 * at most 240 bytes, the last one pushed. A full queue waits for the TX interrupt ("no
 * longer full"). The reply is matched by sequence number to the waiting call.
 *
 * Receiving: the RX interrupt's thread drains the queue, reassembles fragments (a first
 * fragment says how many continuations follow; each continuation repeats the id, the
 * sequence number and the count) and hands a whole reply to its caller and a whole
 * notification to an ordered workqueue, whose item runs the notifier chain in process
 * context (a notifier may itself call the RM: it must not run on the RX thread, which
 * would then never see the reply).
 *
 * Waits are not interruptible: teardown runs while the VMM is being killed, when a
 * killable wait would give up at once. They time out instead (gh_rm_reply_timeout).
 */
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <asm/unaligned.h>

#include <dt-bindings/interrupt-controller/arm-gic.h>

#include "gunyah.h"
#include "hypercall.h"

/* Long enough for the RM to build a VM from hundreds of memory ranges under TCG. */
static const unsigned long gh_rm_reply_timeout_ms = 60000;
static const unsigned long gh_rm_tx_wait_ms = 1000;

struct gh_rm_call_slot {
	struct list_head list;
	u16 seq;
	u32 message_id;
	struct completion done;
	u32 rm_error;
	void *reply;        /* data after the RM error, kmalloc'd */
	size_t reply_size;
	int status;         /* 0, or why no reply could be taken */
};

struct gh_rm {
	u64 tx_cap, rx_cap;
	int tx_irq, rx_irq;
	struct device_node *irq_parent;

	struct mutex send_lock;
	wait_queue_head_t tx_wq;
	atomic_t tx_ready;

	spinlock_t calls_lock;
	struct list_head calls;
	u16 next_seq;

	/* Reassembly, touched only by the RX thread. */
	u8 fragment[GUNYAH_RM_RPC_FRAGMENT_SIZE];
	u8 *msg;
	size_t msg_size;
	bool msg_active;
	u32 msg_type;
	u32 msg_id;
	u16 msg_seq;
	u32 msg_continuations;
	u32 msg_left;
	unsigned long dropped; /* fragments that fit no message */

	struct blocking_notifier_head notifiers;
	struct workqueue_struct *notify_wq;
};

struct gh_rm_notify_work {
	struct work_struct work;
	struct gh_rm *rm;
	u32 message_id;
	size_t size;
	u8 payload[];
};

int gh_rm_errno(u32 rm_error)
{
	switch (rm_error) {
	case GUNYAH_RM_OK:
		return 0;
	case GUNYAH_RM_ERROR_UNIMPLEMENTED:
		return -EOPNOTSUPP;
	case GUNYAH_RM_ERROR_NOMEM:
		return -ENOMEM;
	case GUNYAH_RM_ERROR_NORESOURCE:
		return -ENOSPC;
	case GUNYAH_RM_ERROR_DENIED:
		return -EPERM;
	case GUNYAH_RM_ERROR_BUSY:
	case GUNYAH_RM_ERROR_MEM_INUSE:
	case GUNYAH_RM_ERROR_IN_USE:
		return -EBUSY;
	case GUNYAH_RM_ERROR_VM_STATE:
		return -EBADFD;
	case GUNYAH_RM_ERROR_MEM_INVALID:
		return -EFAULT;
	default:
		return -EINVAL;
	}
}

static void gh_rm_notify_work_fn(struct work_struct *work)
{
	struct gh_rm_notify_work *n = container_of(work, struct gh_rm_notify_work, work);
	struct gh_rm_notification notification = {
		.message_id = n->message_id,
		.payload = n->payload,
		.size = n->size,
	};

	blocking_notifier_call_chain(&n->rm->notifiers, n->message_id, &notification);
	kfree(n);
}

static void gh_rm_deliver_reply(struct gh_rm *rm)
{
	struct gh_rm_call_slot *slot;
	u32 rm_error = 0;
	void *data = NULL;
	size_t size = 0;
	int status = 0;

	/* Everything the caller gets is made before its slot is looked up: once the slot is
	 * off the list and completed, under calls_lock, the caller may return at once (its
	 * slot is on its stack), so nothing touches it after that. */
	if (rm->msg_size < sizeof(u32)) {
		status = -EPROTO;
	} else {
		rm_error = get_unaligned_le32(rm->msg);
		size = rm->msg_size - sizeof(u32);
		if (size) {
			data = kmemdup(rm->msg + sizeof(u32), size, GFP_KERNEL);
			if (!data) {
				status = -ENOMEM;
				size = 0;
			}
		}
	}
	spin_lock(&rm->calls_lock);
	list_for_each_entry(slot, &rm->calls, list) {
		if (slot->seq == rm->msg_seq && slot->message_id == rm->msg_id) {
			list_del_init(&slot->list);
			slot->rm_error = rm_error;
			slot->reply = data;
			slot->reply_size = size;
			slot->status = status;
			complete(&slot->done);
			spin_unlock(&rm->calls_lock);
			return;
		}
	}
	spin_unlock(&rm->calls_lock);
	pr_warn_ratelimited("gunyah: RM reply %#x (seq %u) that nobody waits for\n", rm->msg_id, rm->msg_seq);
	kfree(data);
}

static void gh_rm_deliver_notification(struct gh_rm *rm)
{
	struct gh_rm_notify_work *n = kmalloc(struct_size(n, payload, rm->msg_size), GFP_KERNEL);

	if (!n) {
		pr_warn_ratelimited("gunyah: RM notification %#x lost: out of memory\n", rm->msg_id);
		return;
	}
	INIT_WORK(&n->work, gh_rm_notify_work_fn);
	n->rm = rm;
	n->message_id = rm->msg_id;
	n->size = rm->msg_size;
	memcpy(n->payload, rm->msg, rm->msg_size);
	queue_work(rm->notify_wq, &n->work);
}

static void gh_rm_message_done(struct gh_rm *rm)
{
	rm->msg_active = false;
	if (rm->msg_type == GUNYAH_RM_RPC_TYPE_REPLY)
		gh_rm_deliver_reply(rm);
	else if (rm->msg_type == GUNYAH_RM_RPC_TYPE_NOTIFICATION)
		gh_rm_deliver_notification(rm);
	else
		rm->dropped++; /* the RM sends no requests to its clients */
}

static void gh_rm_take_fragment(struct gh_rm *rm, size_t size)
{
	struct gunyah_rm_rpc_hdr_fields h;
	size_t payload;

	if (size < GUNYAH_RM_RPC_HDR_SIZE) {
		rm->dropped++;
		return;
	}
	h = gunyah_rm_rpc_hdr_read(rm->fragment);
	if (h.version != GUNYAH_RM_RPC_API_VERSION || h.hdr_words != GUNYAH_RM_RPC_HDR_WORDS ||
	    h.continuations > GUNYAH_RM_RPC_MAX_CONTINUATIONS) {
		rm->dropped++;
		return;
	}
	payload = size - GUNYAH_RM_RPC_HDR_SIZE;

	if (h.msg_type != GUNYAH_RM_RPC_TYPE_CONTINUATION) {
		if (rm->msg_active) /* abandoned by its sender: a new message starts */
			rm->dropped++;
		rm->msg_active = true;
		rm->msg_type = h.msg_type;
		rm->msg_id = h.msg_id;
		rm->msg_seq = h.seq;
		rm->msg_continuations = h.continuations;
		rm->msg_left = h.continuations;
		rm->msg_size = 0;
	} else if (!rm->msg_active || rm->msg_left == 0 || h.msg_id != rm->msg_id || h.seq != rm->msg_seq ||
		   h.continuations != rm->msg_continuations) {
		rm->dropped++;
		return;
	} else {
		rm->msg_left--;
	}
	memcpy(rm->msg + rm->msg_size, rm->fragment + GUNYAH_RM_RPC_HDR_SIZE, payload);
	rm->msg_size += payload;
	if (rm->msg_left == 0)
		gh_rm_message_done(rm);
}

static irqreturn_t gh_rm_rx_thread(int irq, void *data)
{
	struct gh_rm *rm = data;

	for (;;) {
		size_t got = 0;
		bool more = false;
		long err = gh_hc_msgq_recv(rm->rx_cap, rm->fragment, sizeof(rm->fragment), &got, &more);

		if (err == GUNYAH_ERROR_MSGQUEUE_EMPTY)
			break;
		if (err) {
			pr_warn_ratelimited("gunyah: msgq_recv from the RM: error %ld\n", err);
			break;
		}
		gh_rm_take_fragment(rm, min_t(size_t, got, sizeof(rm->fragment)));
	}
	return IRQ_HANDLED;
}

static irqreturn_t gh_rm_tx_irq(int irq, void *data)
{
	struct gh_rm *rm = data;

	atomic_set(&rm->tx_ready, 1);
	wake_up(&rm->tx_wq);
	return IRQ_HANDLED;
}

/* One fragment into the TX queue, waiting while it is full. */
static int gh_rm_send_fragment(struct gh_rm *rm, const u8 *buf, size_t size, bool push)
{
	unsigned int waits;

	for (waits = 0;; waits++) {
		long err;

		if (waits * gh_rm_tx_wait_ms >= gh_rm_reply_timeout_ms) {
			pr_warn("gunyah: the RM's queue stayed full for %lu ms\n", gh_rm_reply_timeout_ms);
			return -ETIMEDOUT;
		}
		atomic_set(&rm->tx_ready, 0);
		err = gh_hc_msgq_send(rm->tx_cap, size, buf, push, NULL);
		if (err == 0)
			return 0;
		if (err != GUNYAH_ERROR_MSGQUEUE_FULL) {
			pr_warn("gunyah: msgq_send to the RM: error %ld\n", err);
			return -EIO;
		}
		/* The TX interrupt says "no longer full"; a lost edge costs one timeout. */
		wait_event_timeout(rm->tx_wq, atomic_read(&rm->tx_ready), msecs_to_jiffies(gh_rm_tx_wait_ms));
	}
}

static int gh_rm_send_request(struct gh_rm *rm, u16 seq, u32 message_id, const u8 *req, size_t req_size)
{
	const size_t per_fragment = GUNYAH_RM_RPC_FRAGMENT_PAYLOAD;
	size_t fragments = req_size ? DIV_ROUND_UP(req_size, per_fragment) : 1;
	u8 *buf;
	size_t i;
	int ret = 0;

	if (fragments > GUNYAH_RM_RPC_MAX_CONTINUATIONS + 1)
		return -E2BIG;
	buf = kmalloc(GUNYAH_RM_RPC_FRAGMENT_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < fragments && !ret; i++) {
		size_t offset = i * per_fragment;
		size_t chunk = min(per_fragment, req_size - offset);

		gunyah_rm_rpc_hdr_write(buf, i == 0 ? GUNYAH_RM_RPC_TYPE_REQUEST : GUNYAH_RM_RPC_TYPE_CONTINUATION,
					fragments - 1, seq, message_id);
		if (chunk)
			memcpy(buf + GUNYAH_RM_RPC_HDR_SIZE, req + offset, chunk);
		ret = gh_rm_send_fragment(rm, buf, GUNYAH_RM_RPC_HDR_SIZE + chunk, i + 1 == fragments);
	}
	kfree(buf);
	return ret;
}

int gh_rm_call(struct gh_rm *rm, u32 message_id, const void *req, size_t req_size, void **resp,
	       size_t *resp_size, u32 *rm_error)
{
	struct gh_rm_call_slot slot = { .message_id = message_id };
	int ret;

	if (resp)
		*resp = NULL;
	if (resp_size)
		*resp_size = 0;
	if (req_size > GUNYAH_RM_RPC_MAX_PAYLOAD)
		return -E2BIG;
	init_completion(&slot.done);
	INIT_LIST_HEAD(&slot.list);

	mutex_lock(&rm->send_lock);
	spin_lock(&rm->calls_lock);
	slot.seq = rm->next_seq++;
	list_add_tail(&slot.list, &rm->calls);
	spin_unlock(&rm->calls_lock);
	ret = gh_rm_send_request(rm, slot.seq, message_id, req, req_size);
	mutex_unlock(&rm->send_lock);

	if (!ret)
		wait_for_completion_timeout(&slot.done, msecs_to_jiffies(gh_rm_reply_timeout_ms));
	spin_lock(&rm->calls_lock);
	if (!list_empty(&slot.list)) { /* still listed: no reply came (or sending failed) */
		list_del(&slot.list);
		if (!ret) {
			pr_warn("gunyah: RM call %#x (seq %u): no reply in %lu ms\n", message_id, slot.seq,
				gh_rm_reply_timeout_ms);
			ret = -ETIMEDOUT;
		}
	}
	spin_unlock(&rm->calls_lock);
	if (ret)
		goto out;
	if (slot.status) {
		ret = slot.status;
		goto out;
	}
	if (rm_error)
		*rm_error = slot.rm_error;
	ret = gh_rm_errno(slot.rm_error);
	if (ret) {
		/* Said once here, so that every caller's errno can be traced to the RM's. */
		pr_info_ratelimited("gunyah: RM call %#x: RM error %#x\n", message_id, slot.rm_error);
		goto out;
	}
	if (resp) {
		*resp = slot.reply;
		slot.reply = NULL;
	}
	if (resp_size)
		*resp_size = slot.reply_size;
out:
	kfree(slot.reply);
	return ret;
}

int gh_rm_notifier_register(struct gh_rm *rm, struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&rm->notifiers, nb);
}

int gh_rm_notifier_unregister(struct gh_rm *rm, struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&rm->notifiers, nb);
}

struct device_node *gh_rm_irq_parent(struct gh_rm *rm)
{
	return rm->irq_parent;
}

unsigned int gh_map_rm_virq(struct gh_rm *rm, u32 virq)
{
	/* The RM gives GIC INTIDs; a VM's owner only ever gets SPIs. */
	struct irq_fwspec fwspec = {
		.param_count = 3,
		.param = { GIC_SPI, 0, IRQ_TYPE_EDGE_RISING },
	};

	if (!rm->irq_parent || virq < 32 || virq >= 1020)
		return 0;
	fwspec.fwnode = of_node_to_fwnode(rm->irq_parent);
	fwspec.param[1] = virq - 32;
	return irq_create_fwspec_mapping(&fwspec);
}

struct gh_rm *gh_rm_probe(void)
{
	struct device_node *hyp, *node;
	struct gh_rm *rm;
	int ret;

	hyp = of_find_compatible_node(NULL, NULL, "gunyah-hypervisor");
	if (!hyp) {
		pr_warn("gunyah: no /hypervisor node compatible with gunyah-hypervisor\n");
		return ERR_PTR(-ENODEV);
	}
	node = of_get_compatible_child(hyp, "gunyah-resource-manager");
	of_node_put(hyp);
	if (!node) {
		pr_warn("gunyah: /hypervisor has no gunyah-resource-manager node\n");
		return ERR_PTR(-ENODEV);
	}
	rm = kzalloc(sizeof(*rm), GFP_KERNEL);
	if (!rm) {
		of_node_put(node);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&rm->send_lock);
	init_waitqueue_head(&rm->tx_wq);
	spin_lock_init(&rm->calls_lock);
	INIT_LIST_HEAD(&rm->calls);
	rm->next_seq = 1;
	BLOCKING_INIT_NOTIFIER_HEAD(&rm->notifiers);

	ret = -EINVAL;
	if (of_property_read_u64_index(node, "reg", 0, &rm->tx_cap) ||
	    of_property_read_u64_index(node, "reg", 1, &rm->rx_cap)) {
		pr_warn("gunyah: %pOF: reg does not hold two capability ids\n", node);
		goto fail;
	}
	rm->tx_irq = of_irq_get(node, 0);
	rm->rx_irq = of_irq_get(node, 1);
	if (rm->tx_irq <= 0 || rm->rx_irq <= 0) {
		pr_warn("gunyah: %pOF: no TX and RX interrupts (%d, %d)\n", node, rm->tx_irq, rm->rx_irq);
		goto fail;
	}
	rm->irq_parent = of_irq_find_parent(node);
	pr_info("gunyah: resource manager %pOFn: tx cap %#llx, rx cap %#llx, irqs %d/%d\n", node, rm->tx_cap,
		rm->rx_cap, rm->tx_irq, rm->rx_irq);

	ret = -ENOMEM;
	rm->msg = kmalloc(GUNYAH_RM_RPC_MAX_PAYLOAD, GFP_KERNEL);
	rm->notify_wq = alloc_ordered_workqueue("gunyah-rm-notify", 0);
	if (!rm->msg || !rm->notify_wq)
		goto fail;
	ret = request_irq(rm->tx_irq, gh_rm_tx_irq, 0, "gunyah-rm-tx", rm);
	if (ret)
		goto fail;
	ret = request_threaded_irq(rm->rx_irq, NULL, gh_rm_rx_thread, IRQF_ONESHOT, "gunyah-rm-rx", rm);
	if (ret) {
		free_irq(rm->tx_irq, rm);
		goto fail;
	}
	of_node_put(node);
	return rm;
fail:
	if (rm->notify_wq)
		destroy_workqueue(rm->notify_wq);
	kfree(rm->msg);
	of_node_put(rm->irq_parent);
	of_node_put(node);
	kfree(rm);
	return ERR_PTR(ret);
}

void gh_rm_remove(struct gh_rm *rm)
{
	free_irq(rm->rx_irq, rm);
	free_irq(rm->tx_irq, rm);
	destroy_workqueue(rm->notify_wq); /* drains what is queued */
	if (rm->dropped)
		pr_info("gunyah: %lu RM fragments dropped\n", rm->dropped);
	of_node_put(rm->irq_parent);
	kfree(rm->msg);
	kfree(rm);
}
