// SPDX-License-Identifier: GPL-2.0-only
/*
 * Gunyah for Debian's stock arm64 kernel, out of tree: the module's start. It finds the
 * hypervisor, reaches the resource manager (rsc_mgr.c) and offers /dev/gunyah, whose
 * GH_CREATE_VM makes a VM fd (vm_mgr.c). The hypervisor is
 * Gunyah when the vendor-hypervisor service's Call UID (SMCCC 0x8600ff01, over HVC)
 * answers Gunyah's UUID, read as Linux's smccc_res_to_uuid reads it: the low 32 bits of
 * x0..x3, each little-endian. Then hyp_identify (SMCCC 0xc6008000) gives the API version
 * and the feature flags, and the device tree's /hypervisor node the resource manager's
 * message queues (two capability ids in reg, two interrupts), over which it asks the RM
 * for this VM's id (VM_GET_VMID). What it finds is logged; the module refuses to load
 * anywhere else (docs/linux-driver.md).
 */
#include <linux/arm-smccc.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uuid.h>

#include "gunyah.h"
#include "hypercall.h"

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

	/*
	 * Over HVC whatever PSCI's conduit is: on Qualcomm boards the device tree's PSCI
	 * node says smc (firmware's), yet Gunyah answers its own calls over HVC, as every
	 * hypercall of this module goes.
	 */
	arm_smccc_1_1_hvc(ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID, &res);
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

static struct gh_rm *gunyah_rm;

static long gunyah_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case GH_CREATE_VM:
		/* The argument is the VM type in later revisions; only 0 exists here. */
		if (arg)
			return -EINVAL;
		return gh_dev_create_vm(gunyah_rm);
	case GH_VCPU_MMAP_SIZE:
		return PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations gunyah_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gunyah_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice gunyah_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gunyah",
	.fops = &gunyah_dev_fops,
};

static int __init gunyah_init(void)
{
	struct arm_smccc_res res;
	u16 vmid = 0;
	int ret;

	if (!gunyah_uid_matches()) {
		pr_info("gunyah: not running under Gunyah (vendor hypervisor UID differs)\n");
		return -ENODEV;
	}
	arm_smccc_1_1_hvc(GH_HC_ID(GUNYAH_HC_HYP_IDENTIFY), &res);
	if (!(res.a0 & GUNYAH_API_INFO_IS_64BIT)) {
		pr_warn("gunyah: hyp_identify says API %#lx is not 64-bit\n", res.a0);
		return -ENODEV;
	}
	pr_info("gunyah: Gunyah hypervisor, API version %lu, features %#lx %#lx %#lx\n",
		(unsigned long)GUNYAH_API_INFO_VERSION_OF(res.a0), res.a1, res.a2, res.a3);
	if (!(res.a1 & GUNYAH_FLAGS0_VCPU_RUN)) {
		pr_warn("gunyah: the hypervisor has no vcpu_run: VMs cannot be run from here\n");
		return -ENODEV;
	}

	gunyah_rm = gh_rm_probe();
	if (IS_ERR(gunyah_rm))
		return PTR_ERR(gunyah_rm);
	ret = gh_rm_get_vmid(gunyah_rm, &vmid);
	if (ret) {
		pr_warn("gunyah: RM RPC: VM_GET_VMID failed: %d\n", ret);
		goto fail;
	}
	pr_info("gunyah: RM RPC: VM_GET_VMID answered: this VM is vmid %u\n", vmid);
	ret = misc_register(&gunyah_dev);
	if (ret)
		goto fail;
	pr_info("gunyah: /dev/gunyah ready\n");
	return 0;
fail:
	gh_rm_remove(gunyah_rm);
	return ret;
}

static void __exit gunyah_exit(void)
{
	misc_deregister(&gunyah_dev);
	gh_rm_remove(gunyah_rm);
}

module_init(gunyah_init);
module_exit(gunyah_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Gunyah hypervisor: RM RPC and /dev/gunyah (hyp project, out of tree)");
