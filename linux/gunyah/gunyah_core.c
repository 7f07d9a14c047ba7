// SPDX-License-Identifier: GPL-2.0-only
/*
 * Gunyah for Debian's stock arm64 kernel, out of tree: finding the hypervisor. It is
 * Gunyah when the vendor-hypervisor service's Call UID (SMCCC 0x8600ff01, over HVC)
 * answers Gunyah's UUID, read as Linux's smccc_res_to_uuid reads it: the low 32 bits of
 * x0..x3, each little-endian. Then hyp_identify (SMCCC 0xc6008000) gives the API version
 * and the feature flags, and the device tree's /hypervisor node the resource manager's
 * message queues (two capability ids in reg, two interrupts). What it finds is logged;
 * the module refuses to load anywhere else. The RM RPC and /dev/gunyah come next
 * (docs/linux-driver.md).
 */
#include <linux/arm-smccc.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/uuid.h>

#define GUNYAH_HYP_IDENTIFY \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_VENDOR_HYP, 0x8000)
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
}

module_init(gunyah_init);
module_exit(gunyah_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Gunyah hypervisor detection (hyp project, out of tree)");
