// SPDX-License-Identifier: GPL-2.0-only
/*
 * Gunyah for Debian's stock arm64 kernel, out of tree: finding the hypervisor. It is
 * Gunyah when the vendor-hypervisor service's Call UID (SMCCC 0x8600ff01, over HVC)
 * answers Gunyah's UUID, read as Linux's smccc_res_to_uuid reads it: the low 32 bits of
 * x0..x3, each little-endian. Then hyp_identify (SMCCC 0xc6008000) gives the API version
 * and the feature flags, and the device tree's /hypervisor node the resource manager's
 * message queues (two capability ids in reg, two interrupts), over which it asks the RM
 * for this VM's id (VM_GET_VMID), as Linux's rsc_mgr does: one request, the reply taken
 * when the rx queue's interrupt says it is there. What it finds is logged; the module
 * refuses to load anywhere else. /dev/gunyah comes next (docs/linux-driver.md).
 */
#include <linux/arm-smccc.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include <asm/unaligned.h>

#define GUNYAH_HYP_IDENTIFY \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_VENDOR_HYP, 0x8000)
#define GUNYAH_HC(n) ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_VENDOR_HYP, 0x8000 | (n))
#define GUNYAH_HC_MSGQ_SEND GUNYAH_HC(0x1b)
#define GUNYAH_HC_MSGQ_RECV GUNYAH_HC(0x1c)
#define GUNYAH_MSGQ_PUSH 1
#define GUNYAH_ERROR_MSGQUEUE_EMPTY 60
#define GUNYAH_API_VERSION(info) ((info) & 0x3fff)
#define GUNYAH_API_64BIT(info) (((info) >> 15) & 1)

/* c1d58fcd-a453-5fdb-9265-ce36673d5f14 */
static const uuid_t gunyah_uuid = UUID_INIT(0xc1d58fcd, 0xa453, 0x5fdb, 0x92, 0x65, 0xce, 0x36, 0x67, 0x3d,
					    0x5f, 0x14);

static bool gunyah_uid_matches(void)
{
	struct arm_smccc_res res;
	u8 bytes[UUID_SIZE];
	uuid_t uuid;
	unsigned long regs[4];
	int i;

	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC)
		return false;
	arm_smccc_1_1_invoke(ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID, &res);
	regs[0] = res.a0;
	regs[1] = res.a1;
	regs[2] = res.a2;
	regs[3] = res.a3;
	for (i = 0; i < 4; i++) {
		bytes[4 * i + 0] = regs[i] & 0xff;
		bytes[4 * i + 1] = (regs[i] >> 8) & 0xff;
		bytes[4 * i + 2] = (regs[i] >> 16) & 0xff;
		bytes[4 * i + 3] = (regs[i] >> 24) & 0xff;
	}
	import_uuid(&uuid, bytes);
	return uuid_equal(&uuid, &gunyah_uuid);
}

/* The RM's RPC (gunyah-abi.md): 8-byte header, then the payload; a reply's starts with
 * the RM error. */
#define RM_RPC_MSG_SIZE 240
#define RM_RPC_API 0x21 /* version 1, 2 header words */
#define RM_RPC_REQUEST 1
#define RM_RPC_REPLY 2
#define RM_VM_GET_VMID 0x56000024
#define RM_REPLY_WAIT_MS 2000

struct gunyah_rm {
	u64 tx_cap, rx_cap;
	int rx_irq;
	struct completion rx_ready;
};

static irqreturn_t gunyah_rm_rx_irq(int irq, void *data)
{
	struct gunyah_rm *rm = data;

	complete(&rm->rx_ready);
	return IRQ_HANDLED;
}

/* One message into `buf` (RM_RPC_MSG_SIZE bytes): its size, or a negative errno when the
 * queue stays empty for RM_REPLY_WAIT_MS or the call fails. */
static long gunyah_rm_receive(struct gunyah_rm *rm, u8 *buf)
{
	struct arm_smccc_res res;
	unsigned long deadline = jiffies + msecs_to_jiffies(RM_REPLY_WAIT_MS);

	for (;;) {
		arm_smccc_1_1_hvc(GUNYAH_HC_MSGQ_RECV, rm->rx_cap, (unsigned long)buf, RM_RPC_MSG_SIZE, 0, &res);
		if (res.a0 == 0)
			return res.a1;
		if (res.a0 != GUNYAH_ERROR_MSGQUEUE_EMPTY) {
			pr_warn("gunyah: msgq_recv: error %ld\n", (long)res.a0);
			return -EIO;
		}
		if (time_after(jiffies, deadline) ||
		    !wait_for_completion_timeout(&rm->rx_ready, msecs_to_jiffies(RM_REPLY_WAIT_MS)))
			return -ETIMEDOUT;
	}
}

/* VM_GET_VMID: the id the RM knows this VM by. */
static int gunyah_rm_get_vmid(struct gunyah_rm *rm, u32 *vmid)
{
	struct arm_smccc_res res;
	const u16 seq = 1;
	long size;
	u8 *buf;
	int ret = 0;

	buf = kzalloc(RM_RPC_MSG_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf[0] = RM_RPC_API;
	buf[1] = RM_RPC_REQUEST;
	put_unaligned_le16(seq, buf + 2);
	put_unaligned_le32(RM_VM_GET_VMID, buf + 4);
	/* The buffer goes by its kernel virtual address: the hypervisor walks our stage 1. */
	arm_smccc_1_1_hvc(GUNYAH_HC_MSGQ_SEND, rm->tx_cap, 8, (unsigned long)buf, GUNYAH_MSGQ_PUSH, 0, &res);
	if (res.a0 != 0) {
		pr_warn("gunyah: msgq_send: error %ld\n", (long)res.a0);
		ret = -EIO;
		goto out;
	}
	size = gunyah_rm_receive(rm, buf);
	if (size < 0) {
		ret = size;
		goto out;
	}
	if (size < 16 || (buf[1] & 3) != RM_RPC_REPLY || get_unaligned_le16(buf + 2) != seq ||
	    get_unaligned_le32(buf + 4) != RM_VM_GET_VMID || get_unaligned_le32(buf + 8) != 0) {
		pr_warn("gunyah: VM_GET_VMID: unexpected reply (%ld bytes, type %u, error %u)\n", size, buf[1] & 3,
			size >= 12 ? get_unaligned_le32(buf + 8) : 0);
		ret = -EPROTO;
		goto out;
	}
	*vmid = get_unaligned_le32(buf + 12) & 0xffff;
out:
	kfree(buf);
	return ret;
}

static struct gunyah_rm gunyah_rm_link;

static void gunyah_report_rm(void)
{
	struct device_node *hyp, *rm;
	u64 tx = 0, rx = 0;
	int tx_irq, rx_irq;

	hyp = of_find_compatible_node(NULL, NULL, "gunyah-hypervisor");
	if (!hyp) {
		pr_warn("gunyah: no /hypervisor node compatible with gunyah-hypervisor\n");
		return;
	}
	rm = of_get_compatible_child(hyp, "gunyah-resource-manager");
	if (!rm) {
		pr_warn("gunyah: %pOF has no gunyah-resource-manager node\n", hyp);
		of_node_put(hyp);
		return;
	}
	if (of_property_read_u64_index(rm, "reg", 0, &tx) || of_property_read_u64_index(rm, "reg", 1, &rx))
		pr_warn("gunyah: %pOF: reg does not hold two capability ids\n", rm);
	tx_irq = of_irq_get(rm, 0);
	rx_irq = of_irq_get(rm, 1);
	pr_info("gunyah: resource manager %pOFn: tx cap %#llx, rx cap %#llx, irqs %d/%d\n", rm, tx, rx, tx_irq,
		rx_irq);
	of_node_put(rm);
	of_node_put(hyp);
	if (rx_irq <= 0)
		return;

	gunyah_rm_link.tx_cap = tx;
	gunyah_rm_link.rx_cap = rx;
	init_completion(&gunyah_rm_link.rx_ready);
	if (request_irq(rx_irq, gunyah_rm_rx_irq, 0, "gunyah-rm-rx", &gunyah_rm_link)) {
		pr_warn("gunyah: cannot take the rx interrupt %d\n", rx_irq);
		return;
	}
	gunyah_rm_link.rx_irq = rx_irq;
	{
		u32 vmid = 0;
		int ret = gunyah_rm_get_vmid(&gunyah_rm_link, &vmid);

		if (ret)
			pr_warn("gunyah: RM RPC: VM_GET_VMID failed: %d\n", ret);
		else
			pr_info("gunyah: RM RPC: VM_GET_VMID answered: this VM is vmid %u\n", vmid);
	}
}

static int __init gunyah_init(void)
{
	struct arm_smccc_res res;

	if (!gunyah_uid_matches()) {
		pr_info("gunyah: not running under Gunyah (vendor hypervisor UID differs)\n");
		return -ENODEV;
	}
	arm_smccc_1_1_hvc(GUNYAH_HYP_IDENTIFY, &res);
	if (!GUNYAH_API_64BIT(res.a0)) {
		pr_warn("gunyah: hyp_identify says API %#lx is not 64-bit\n", res.a0);
		return -ENODEV;
	}
	pr_info("gunyah: Gunyah hypervisor, API version %lu, features %#lx %#lx %#lx\n",
		(unsigned long)GUNYAH_API_VERSION(res.a0), res.a1, res.a2, res.a3);
	gunyah_report_rm();
	return 0;
}

static void __exit gunyah_exit(void)
{
	if (gunyah_rm_link.rx_irq > 0)
		free_irq(gunyah_rm_link.rx_irq, &gunyah_rm_link);
}

module_init(gunyah_init);
module_exit(gunyah_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Gunyah hypervisor detection (hyp project, out of tree)");
