// SPDX-License-Identifier: GPL-2.0-only
/*
 * gh-ioctl-check: every /dev/gunyah, VM and vCPU ioctl of gunyah.ko with bad arguments,
 * each expected to fail with one errno and to change nothing; then a VM whose start the
 * RM refuses (its DT is all zeros), which must fail cleanly, report LOAD_FAILED to its
 * vCPU and give its memory back when closed. Run in the primary VM after insmod (the
 * check initramfs does, with check.gunyah=1). Prints one line per failed check and ends
 * with `gh-ioctl-check: PASS <n> checks` or `gh-ioctl-check: FAIL <k> of <n> checks`;
 * exit status 0 only on PASS. A kernel oops fails the QEMU case that runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../gunyah/uapi/gunyah.h"

static int checks, failures;

/* ret must be -1 with errno `want` (want 0: ret must be >= 0). */
static void expect(const char *what, long ret, int want)
{
	int got = ret < 0 ? errno : 0;

	checks++;
	if ((want == 0 && ret >= 0) || (want != 0 && ret == -1 && got == want))
		return;
	failures++;
	printf("gh-ioctl-check: FAIL: %s: returned %ld (%s), expected %s\n", what, ret,
	       ret < 0 ? strerror(got) : "success", want ? strerror(want) : "success");
}

static long fn(int vm, unsigned long cmd, uint32_t type, const void *arg, uint32_t size)
{
	struct gh_fn_desc desc = { .type = type, .arg_size = size, .arg = (uint64_t)(uintptr_t)arg };

	return ioctl(vm, cmd, &desc);
}

static long region(int vm, uint32_t label, uint32_t flags, uint64_t ipa, uint64_t size, void *addr)
{
	struct gh_userspace_memory_region r = {
		.label = label, .flags = flags, .guest_phys_addr = ipa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)addr,
	};

	return ioctl(vm, GH_VM_SET_USER_MEM_REGION, &r);
}

#define RWX (GH_MEM_ALLOW_READ | GH_MEM_ALLOW_WRITE | GH_MEM_ALLOW_EXEC)

static void check_dev(int dev, long page)
{
	expect("/dev/gunyah: unknown ioctl", ioctl(dev, _IO(GH_IOCTL_TYPE, 0x42)), ENOTTY);
	expect("/dev/gunyah: another subsystem's ioctl", ioctl(dev, _IO('K', 0x0)), ENOTTY);
	expect("GH_CREATE_VM with a VM type other than 0", ioctl(dev, GH_CREATE_VM, 1UL), EINVAL);
	checks++;
	if (ioctl(dev, GH_VCPU_MMAP_SIZE) != page) {
		failures++;
		printf("gh-ioctl-check: FAIL: GH_VCPU_MMAP_SIZE is not the page size %ld\n", page);
	}
}

static void check_memory(int vm, long page, char *mem)
{
	struct gh_vm_dtb_config dtb;

	expect("SET_USER_MEM_REGION: NULL argument", ioctl(vm, GH_VM_SET_USER_MEM_REGION, NULL), EFAULT);
	expect("SET_USER_MEM_REGION: unknown flag", region(vm, 1, RWX | (1u << 9), 0x80000000, page, mem), EINVAL);
	expect("SET_USER_MEM_REGION: no access rights", region(vm, 1, GH_MEM_LENT, 0x80000000, page, mem), EINVAL);
	expect("SET_USER_MEM_REGION: unaligned IPA", region(vm, 1, RWX, 0x80000001, page, mem), EINVAL);
	expect("SET_USER_MEM_REGION: unaligned size", region(vm, 1, RWX, 0x80000000, page + 1, mem), EINVAL);
	expect("SET_USER_MEM_REGION: unaligned address", region(vm, 1, RWX, 0x80000000, page, mem + 1), EINVAL);
	expect("SET_USER_MEM_REGION: IPA range wraps", region(vm, 1, RWX, -(uint64_t)page, 2 * page, mem), EOVERFLOW);
	expect("SET_USER_MEM_REGION: address not mapped",
	       region(vm, 1, RWX, 0x80000000, page, (void *)(uintptr_t)(page * 16)), EFAULT);
	expect("SET_USER_MEM_REGION: removing a label never set", region(vm, 77, RWX, 0, 0, NULL), ENOENT);

	expect("SET_USER_MEM_REGION: a good region", region(vm, 1, RWX | GH_MEM_LENT, 0x80000000, 256 * page, mem), 0);
	expect("SET_USER_MEM_REGION: the same label again",
	       region(vm, 1, RWX, 0x90000000, page, mem + 256 * page), EEXIST);
	expect("SET_USER_MEM_REGION: overlapping IPA", region(vm, 2, RWX, 0x80000000 + page, page, mem + 256 * page),
	       EEXIST);
	expect("SET_USER_MEM_REGION: overlapping memory", region(vm, 2, RWX, 0x90000000, page, mem + page), EEXIST);
	expect("SET_USER_MEM_REGION: a second region", region(vm, 2, RWX, 0x90000000, page, mem + 256 * page), 0);
	expect("SET_USER_MEM_REGION: remove it again", region(vm, 2, RWX, 0, 0, NULL), 0);

	expect("SET_DTB_CONFIG: NULL argument", ioctl(vm, GH_VM_SET_DTB_CONFIG, NULL), EFAULT);
	dtb = (struct gh_vm_dtb_config){ .guest_phys_addr = 0x80000000, .size = 0 };
	expect("SET_DTB_CONFIG: size 0", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), EINVAL);
	dtb = (struct gh_vm_dtb_config){ .guest_phys_addr = 0x80000000, .size = 4u << 20 };
	expect("SET_DTB_CONFIG: larger than 2 MiB", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), EINVAL);
	dtb = (struct gh_vm_dtb_config){ .guest_phys_addr = 0x80000004, .size = page };
	expect("SET_DTB_CONFIG: not 8-byte aligned", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), EINVAL);
	dtb = (struct gh_vm_dtb_config){ .guest_phys_addr = -(uint64_t)8, .size = page };
	expect("SET_DTB_CONFIG: range wraps", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), EINVAL);
	expect("START: no DT configured", ioctl(vm, GH_VM_START), EINVAL);
	dtb = (struct gh_vm_dtb_config){ .guest_phys_addr = 0xa0000000, .size = page };
	expect("SET_DTB_CONFIG: outside guest memory (accepted until START)", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), 0);
	expect("START: the DT is in no memory region", ioctl(vm, GH_VM_START), EINVAL);
}

static void check_functions(int vm, int *vcpu)
{
	struct gh_fn_vcpu_arg vcpu_arg = { .id = 0 };
	struct gh_fn_irqfd_arg irqfd = { 0 };
	struct gh_fn_ioeventfd_arg ioeventfd = { 0 };
	int efd = eventfd(0, EFD_CLOEXEC);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	expect("ADD_FUNCTION: NULL argument", ioctl(vm, GH_VM_ADD_FUNCTION, NULL), EFAULT);
	expect("ADD_FUNCTION: unknown type", fn(vm, GH_VM_ADD_FUNCTION, 99, &vcpu_arg, sizeof(vcpu_arg)), EINVAL);
	expect("ADD_FUNCTION: type 0", fn(vm, GH_VM_ADD_FUNCTION, 0, &vcpu_arg, sizeof(vcpu_arg)), EINVAL);
	expect("ADD_FUNCTION: vcpu, arg_size too big", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, 1024), EINVAL);
	expect("ADD_FUNCTION: vcpu, arg_size 0", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, 0), EINVAL);
	expect("ADD_FUNCTION: vcpu, NULL arg", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, NULL, sizeof(vcpu_arg)), EFAULT);
	vcpu_arg.id = 8;
	expect("ADD_FUNCTION: vcpu id 8", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, sizeof(vcpu_arg)), EINVAL);
	vcpu_arg.id = 0xffffffff;
	expect("ADD_FUNCTION: vcpu id ~0", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, sizeof(vcpu_arg)), EINVAL);
	vcpu_arg.id = 0;
	*vcpu = fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, sizeof(vcpu_arg));
	expect("ADD_FUNCTION: vcpu 0", *vcpu, 0);
	expect("ADD_FUNCTION: vcpu 0 again", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_VCPU, &vcpu_arg, sizeof(vcpu_arg)),
	       EEXIST);
	vcpu_arg.id = 5;
	expect("REMOVE_FUNCTION: vcpu never added",
	       fn(vm, GH_VM_REMOVE_FUNCTION, GH_FN_VCPU, &vcpu_arg, sizeof(vcpu_arg)), ENOENT);

	irqfd = (struct gh_fn_irqfd_arg){ .fd = (uint32_t)-1, .label = 1 };
	expect("ADD_FUNCTION: irqfd, fd -1", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)), EBADF);
	irqfd.fd = devnull;
	expect("ADD_FUNCTION: irqfd, not an eventfd", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)),
	       EINVAL);
	irqfd = (struct gh_fn_irqfd_arg){ .fd = efd, .label = 1, .flags = 2 };
	expect("ADD_FUNCTION: irqfd, unknown flag", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)),
	       EINVAL);
	irqfd = (struct gh_fn_irqfd_arg){ .fd = efd, .label = 1, .padding = 1 };
	expect("ADD_FUNCTION: irqfd, padding set", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)),
	       EINVAL);
	irqfd = (struct gh_fn_irqfd_arg){ .fd = efd, .label = 1, .flags = GH_IRQFD_LEVEL };
	expect("ADD_FUNCTION: irqfd label 1", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)), 0);
	expect("ADD_FUNCTION: irqfd label 1 again", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)),
	       EEXIST);
	irqfd.label = 9;
	expect("REMOVE_FUNCTION: irqfd never added", fn(vm, GH_VM_REMOVE_FUNCTION, GH_FN_IRQFD, &irqfd, sizeof(irqfd)),
	       ENOENT);

	ioeventfd = (struct gh_fn_ioeventfd_arg){ .addr = 0x9000000, .len = 3, .fd = efd };
	expect("ADD_FUNCTION: ioeventfd, length 3",
	       fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), EINVAL);
	ioeventfd = (struct gh_fn_ioeventfd_arg){ .addr = 0x9000000, .len = 4, .fd = -1 };
	expect("ADD_FUNCTION: ioeventfd, fd -1",
	       fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), EBADF);
	ioeventfd = (struct gh_fn_ioeventfd_arg){ .addr = 0x9000000, .len = 4, .fd = efd, .flags = 4 };
	expect("ADD_FUNCTION: ioeventfd, unknown flag",
	       fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), EINVAL);
	ioeventfd = (struct gh_fn_ioeventfd_arg){ .addr = -(uint64_t)2, .len = 4, .fd = efd };
	expect("ADD_FUNCTION: ioeventfd, address wraps",
	       fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), EINVAL);
	ioeventfd = (struct gh_fn_ioeventfd_arg){ .addr = 0x9000000, .len = 4, .fd = efd };
	expect("ADD_FUNCTION: ioeventfd", fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), 0);
	expect("ADD_FUNCTION: the same ioeventfd again",
	       fn(vm, GH_VM_ADD_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), EEXIST);
	expect("REMOVE_FUNCTION: that ioeventfd",
	       fn(vm, GH_VM_REMOVE_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), 0);
	expect("REMOVE_FUNCTION: that ioeventfd again",
	       fn(vm, GH_VM_REMOVE_FUNCTION, GH_FN_IOEVENTFD, &ioeventfd, sizeof(ioeventfd)), ENOENT);
	close(devnull);
	close(efd); /* the irqfd keeps its eventfd */
}

static void check_vcpu(int vcpu, long page)
{
	struct gh_vcpu_run *run;

	expect("vCPU: unknown ioctl", ioctl(vcpu, _IO(GH_IOCTL_TYPE, 0x42)), ENOTTY);
	expect("vCPU: GH_VM_START on a vCPU fd", ioctl(vcpu, GH_VM_START), ENOTTY);
	expect("vCPU: mmap at offset 1 page",
	       (long)(intptr_t)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, page) == -1 ? -1 : 0, EINVAL);
	expect("vCPU: mmap of 2 pages",
	       (long)(intptr_t)mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) == -1 ? -1 : 0, EINVAL);
	run = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	expect("vCPU: mmap of the run structure", run == MAP_FAILED ? -1 : 0, 0);
	expect("vCPU: GH_VCPU_RUN before the VM started", ioctl(vcpu, GH_VCPU_RUN), EINVAL);
	if (run != MAP_FAILED) {
		run->immediate_exit = 1;
		expect("vCPU: GH_VCPU_RUN with immediate_exit", ioctl(vcpu, GH_VCPU_RUN), EINTR);
		run->immediate_exit = 0;
		munmap(run, page);
	}
}

/* A start the RM refuses (VM_INIT: the DT is not a DT): the error, then LOAD_FAILED for
 * the vCPU, and no second start. */
static void check_failed_start(int vm, int vcpu, long page)
{
	struct gh_vm_dtb_config dtb = { .guest_phys_addr = 0x80000000 + 8 * page, .size = page };
	struct gh_vcpu_run *run = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	expect("SET_DTB_CONFIG: inside the region", ioctl(vm, GH_VM_SET_DTB_CONFIG, &dtb), 0);
	expect("START: a DT of zeros is refused by the RM", ioctl(vm, GH_VM_START), EINVAL);
	expect("START: once failed, never again", ioctl(vm, GH_VM_START), ENODEV);
	expect("SET_USER_MEM_REGION after START", region(vm, 3, RWX, 0xb0000000, page, NULL), EBUSY);
	expect("GH_VCPU_RUN after a failed start", ioctl(vcpu, GH_VCPU_RUN), 0);
	checks++;
	if (run == MAP_FAILED || run->exit_reason != GH_VCPU_EXIT_STATUS || run->status.status != GH_VM_STATUS_LOAD_FAILED) {
		failures++;
		printf("gh-ioctl-check: FAIL: a failed start's vCPU exit is not STATUS/LOAD_FAILED (%u/%u)\n",
		       run == MAP_FAILED ? 0 : run->exit_reason, run == MAP_FAILED ? 0 : run->status.status);
	}
	if (run != MAP_FAILED)
		munmap(run, page);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int dev = open("/dev/gunyah", O_RDWR | O_CLOEXEC);
	const size_t huge = 2u << 20;
	int vm, vcpu = -1;
	char *raw, *mem;

	if (dev < 0) {
		printf("gh-ioctl-check: FAIL: open /dev/gunyah: %s (is gunyah.ko loaded?)\n", strerror(errno));
		return 1;
	}
	/* 2 MiB aligned, as a huge page: the region the RM is asked to take is then one
	 * range (it makes one memory extent per physically contiguous range). */
	raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		printf("gh-ioctl-check: FAIL: mmap: %s\n", strerror(errno));
		return 1;
	}
	mem = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(mem, huge, MADV_HUGEPAGE);
	memset(mem, 0, huge);
	check_dev(dev, page);
	vm = ioctl(dev, GH_CREATE_VM, 0UL);
	expect("GH_CREATE_VM", vm, 0);
	if (vm < 0)
		return 1;
	expect("VM: unknown ioctl", ioctl(vm, _IO(GH_IOCTL_TYPE, 0x42)), ENOTTY);
	expect("VM: GH_VCPU_RUN on a VM fd", ioctl(vm, GH_VCPU_RUN), ENOTTY);
	check_memory(vm, page, mem);
	check_functions(vm, &vcpu);
	if (vcpu >= 0) {
		check_vcpu(vcpu, page);
		check_failed_start(vm, vcpu, page);
		close(vcpu);
	}
	close(vm);
	/* Closing gave the memory back: the VMM may use it again. */
	memset(mem, 0x5a, huge);
	munmap(raw, 2 * huge);
	close(dev);

	if (failures) {
		printf("gh-ioctl-check: FAIL %d of %d checks\n", failures, checks);
		return 1;
	}
	printf("gh-ioctl-check: PASS %d checks\n", checks);
	return 0;
}
