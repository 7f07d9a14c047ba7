// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory: the VMM's own pages, pinned for as long as the VM may use them. The
 * primary VM's physical addresses are its IPAs (the hypervisor maps it 1:1), so a page's
 * physical address is what a memory parcel's SGL names. Physically contiguous pages are
 * merged into one range: the RM makes one memory extent per range, and 2 MiB transparent
 * huge pages (which the VMM asks for) keep that number small.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "gunyah.h"

int gh_vm_mem_pin(struct mm_struct *mm, struct gh_vm_mem *mem)
{
	unsigned long n = mem->region.memory_size >> PAGE_SHIFT;
	unsigned long i, runs;
	long pinned;
	int ret;

	/* pin_user_pages_fast counts in an int; the locked-memory limit is checked before
	 * the page array is allocated. */
	if (n > INT_MAX / sizeof(*mem->pages))
		return -E2BIG;
	ret = account_locked_vm(mm, n, true);
	if (ret)
		return ret;
	mem->pages = kvcalloc(n, sizeof(*mem->pages), GFP_KERNEL_ACCOUNT);
	if (!mem->pages) {
		account_locked_vm(mm, n, false);
		return -ENOMEM;
	}
	/* Writable and long-term: the guest writes them for as long as it runs. */
	pinned = pin_user_pages_fast(mem->region.userspace_addr, n, FOLL_WRITE | FOLL_LONGTERM, mem->pages);
	if (pinned < 0) {
		ret = pinned;
		goto unaccount;
	}
	if (pinned != n) {
		unpin_user_pages(mem->pages, pinned);
		ret = -EFAULT;
		goto unaccount;
	}
	mem->npages = n;

	for (i = 0, runs = 0; i < n; i++)
		if (i == 0 || page_to_phys(mem->pages[i]) != page_to_phys(mem->pages[i - 1]) + PAGE_SIZE)
			runs++;
	ret = -E2BIG;
	if (runs > U32_MAX)
		goto unpin;
	ret = -ENOMEM;
	mem->ranges = kvcalloc(runs, sizeof(*mem->ranges), GFP_KERNEL_ACCOUNT);
	if (!mem->ranges)
		goto unpin;
	for (i = 0, runs = 0; i < n; i++) {
		phys_addr_t pa = page_to_phys(mem->pages[i]);

		if (i && pa == mem->ranges[runs - 1].ipa + mem->ranges[runs - 1].size) {
			mem->ranges[runs - 1].size += PAGE_SIZE;
		} else {
			mem->ranges[runs].ipa = pa;
			mem->ranges[runs].size = PAGE_SIZE;
			runs++;
		}
	}
	mem->nranges = runs;
	return 0;
unpin:
	unpin_user_pages(mem->pages, n);
	mem->npages = 0;
unaccount:
	account_locked_vm(mm, n, false);
	kvfree(mem->pages);
	mem->pages = NULL;
	return ret;
}

void gh_vm_mem_unpin(struct mm_struct *mm, struct gh_vm_mem *mem)
{
	if (mem->npages) {
		/* The guest may have written any of them. */
		unpin_user_pages_dirty_lock(mem->pages, mem->npages, true);
		account_locked_vm(mm, mem->npages, false);
	}
	kvfree(mem->pages);
	kvfree(mem->ranges);
	mem->pages = NULL;
	mem->ranges = NULL;
	mem->npages = 0;
	mem->nranges = 0;
}
