// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RM calls the VM manager makes, each a request laid out with hyp_api's wire structs
 * (little-endian, as the ABI is and as the module refuses to be built otherwise) and its
 * reply checked for size before it is read.
 */
#include <linux/slab.h>

#include <asm/unaligned.h>

#include "gunyah.h"
#include "hyp_api/gunyah_rm_mem.h"
#include "hyp_api/gunyah_rm_vm.h"

static int gh_rm_call_vmid(struct gh_rm *rm, u32 message_id, u16 vmid)
{
	struct gunyah_rm_vm_vmid req = { .vmid = vmid };

	return gh_rm_call(rm, message_id, &req, sizeof(req), NULL, NULL, NULL);
}

int gh_rm_get_vmid(struct gh_rm *rm, u16 *vmid)
{
	void *resp;
	size_t size;
	int ret = gh_rm_call(rm, GUNYAH_RM_MSG_VM_GET_VMID, NULL, 0, &resp, &size, NULL);

	if (ret)
		return ret;
	if (size < sizeof(u32))
		ret = -EPROTO;
	else
		*vmid = get_unaligned_le32(resp) & 0xffff;
	kfree(resp);
	return ret;
}

int gh_rm_alloc_vmid(struct gh_rm *rm, u16 *vmid)
{
	struct gunyah_rm_vm_vmid req = { .vmid = 0 }; /* 0: the RM picks a dynamic id */
	void *resp;
	size_t size;
	int ret = gh_rm_call(rm, GUNYAH_RM_MSG_VM_ALLOC_VMID, &req, sizeof(req), &resp, &size, NULL);

	if (ret)
		return ret;
	if (size < sizeof(struct gunyah_rm_vm_vmid))
		ret = -EPROTO;
	else
		*vmid = ((struct gunyah_rm_vm_vmid *)resp)->vmid;
	kfree(resp);
	return ret;
}

int gh_rm_dealloc_vmid(struct gh_rm *rm, u16 vmid)
{
	return gh_rm_call_vmid(rm, GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid);
}

int gh_rm_vm_config_image(struct gh_rm *rm, u16 vmid, u32 mem_handle, u64 image_offset, u64 image_size,
			  u64 dtb_offset, u64 dtb_size)
{
	struct gunyah_rm_vm_config_image_req req = {
		.vmid = vmid,
		.auth_mech = GUNYAH_RM_VM_AUTH_NONE,
		.mem_handle = mem_handle,
		.image_offset = image_offset,
		.image_size = image_size,
		.dtb_offset = dtb_offset,
		.dtb_size = dtb_size,
	};

	return gh_rm_call(rm, GUNYAH_RM_MSG_VM_CONFIG_IMAGE, &req, sizeof(req), NULL, NULL, NULL);
}

int gh_rm_vm_init(struct gh_rm *rm, u16 vmid)
{
	return gh_rm_call_vmid(rm, GUNYAH_RM_MSG_VM_INIT, vmid);
}

int gh_rm_vm_start(struct gh_rm *rm, u16 vmid)
{
	return gh_rm_call_vmid(rm, GUNYAH_RM_MSG_VM_START, vmid);
}

int gh_rm_vm_stop(struct gh_rm *rm, u16 vmid, bool force)
{
	struct gunyah_rm_vm_stop_req req = {
		.vmid = vmid,
		.flags = force ? GUNYAH_RM_VM_STOP_FORCE : 0,
	};

	return gh_rm_call(rm, GUNYAH_RM_MSG_VM_STOP, &req, sizeof(req), NULL, NULL, NULL);
}

int gh_rm_vm_reset(struct gh_rm *rm, u16 vmid)
{
	return gh_rm_call_vmid(rm, GUNYAH_RM_MSG_VM_RESET, vmid);
}

int gh_rm_get_hyp_resources(struct gh_rm *rm, u16 vmid, struct gunyah_rm_hyp_resource **resources, u32 *count)
{
	struct gunyah_rm_vm_vmid req = { .vmid = vmid };
	void *resp;
	size_t size;
	u32 n;
	int ret = gh_rm_call(rm, GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, &req, sizeof(req), &resp, &size, NULL);

	if (ret)
		return ret;
	ret = -EPROTO;
	if (size < sizeof(u32))
		goto out;
	n = get_unaligned_le32(resp);
	if (size - sizeof(u32) < (size_t)n * sizeof(struct gunyah_rm_hyp_resource))
		goto out;
	*resources = kmemdup((u8 *)resp + sizeof(u32), (size_t)n * sizeof(struct gunyah_rm_hyp_resource),
			     GFP_KERNEL);
	ret = (*resources || n == 0) ? 0 : -ENOMEM;
	*count = n;
out:
	kfree(resp);
	return ret;
}

/* Linux's rsc_mgr sends at most this many SGL entries per message (the RM's list limit). */
#define GH_RM_SGL_PER_MESSAGE GUNYAH_RM_LIST_MAX_ENTRIES

static size_t gh_rm_put_sgl(u8 *p, const struct gh_rm_mem_range *ranges, u32 n)
{
	struct gunyah_rm_list_hdr *hdr = (struct gunyah_rm_list_hdr *)p;
	struct gunyah_rm_mem_sgl_entry *entry = (struct gunyah_rm_mem_sgl_entry *)(hdr + 1);
	u32 i;

	hdr->count = n;
	hdr->reserved = 0;
	for (i = 0; i < n; i++) {
		entry[i].ipa_base = ranges[i].ipa;
		entry[i].size = ranges[i].size;
	}
	return sizeof(*hdr) + n * sizeof(*entry);
}

static int gh_rm_mem_append(struct gh_rm *rm, u32 handle, const struct gh_rm_mem_range *ranges, u32 n, bool last)
{
	size_t size = sizeof(struct gunyah_rm_mem_append_req) + sizeof(struct gunyah_rm_list_hdr) +
		      n * sizeof(struct gunyah_rm_mem_sgl_entry);
	struct gunyah_rm_mem_append_req *req = kzalloc(size, GFP_KERNEL);
	int ret;

	if (!req)
		return -ENOMEM;
	req->mem_handle = handle;
	req->flags = last ? GUNYAH_RM_MEM_APPEND_DONE : 0;
	gh_rm_put_sgl((u8 *)(req + 1), ranges, n);
	ret = gh_rm_call(rm, GUNYAH_RM_MSG_MEM_APPEND, req, size, NULL, NULL, NULL);
	kfree(req);
	return ret;
}

int gh_rm_mem_lend_or_share(struct gh_rm *rm, bool lend, u32 label, const struct gunyah_rm_mem_acl_entry *acl,
			    u32 acl_count, const struct gh_rm_mem_range *ranges, u32 n, u32 *handle)
{
	u32 first = min_t(u32, n, GH_RM_SGL_PER_MESSAGE);
	size_t size = sizeof(struct gunyah_rm_mem_share_req) + sizeof(struct gunyah_rm_list_hdr) +
		      acl_count * sizeof(*acl) + sizeof(struct gunyah_rm_list_hdr) +
		      first * sizeof(struct gunyah_rm_mem_sgl_entry) + sizeof(struct gunyah_rm_list_hdr);
	struct gunyah_rm_mem_share_req *req;
	struct gunyah_rm_list_hdr *list;
	void *resp = NULL;
	size_t resp_size;
	u8 *p;
	u32 done;
	int ret;

	*handle = GH_NO_PARCEL;
	if (n == 0 || acl_count == 0)
		return -EINVAL;
	req = kzalloc(size, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->mem_type = GUNYAH_RM_MEM_TYPE_NORMAL;
	req->flags = n > first ? GUNYAH_RM_MEM_SHARE_APPEND : 0;
	req->label = label;
	p = (u8 *)(req + 1);
	list = (struct gunyah_rm_list_hdr *)p;
	list->count = acl_count;
	memcpy(list + 1, acl, acl_count * sizeof(*acl));
	p += sizeof(*list) + acl_count * sizeof(*acl);
	p += gh_rm_put_sgl(p, ranges, first);
	/* No attributes: the RM maps normal cached memory. */
	list = (struct gunyah_rm_list_hdr *)p;
	list->count = 0;

	ret = gh_rm_call(rm, lend ? GUNYAH_RM_MSG_MEM_LEND : GUNYAH_RM_MSG_MEM_SHARE, req, size, &resp, &resp_size,
			 NULL);
	kfree(req);
	if (ret)
		return ret;
	if (resp_size < sizeof(u32)) {
		kfree(resp);
		return -EPROTO;
	}
	*handle = get_unaligned_le32(resp);
	kfree(resp);

	for (done = first; done < n && !ret;) {
		u32 chunk = min_t(u32, n - done, GH_RM_SGL_PER_MESSAGE);

		ret = gh_rm_mem_append(rm, *handle, ranges + done, chunk, done + chunk == n);
		done += chunk;
	}
	/* On a failed MEM_APPEND the parcel exists (*handle names it): the caller reclaims
	 * it like any other. */
	return ret;
}

int gh_rm_mem_reclaim(struct gh_rm *rm, u32 handle)
{
	struct gunyah_rm_mem_release_req req = { .mem_handle = handle };

	return gh_rm_call(rm, GUNYAH_RM_MSG_MEM_RECLAIM, &req, sizeof(req), NULL, NULL, NULL);
}
