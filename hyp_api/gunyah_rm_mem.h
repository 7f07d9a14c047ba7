/*
 * Payloads of the RM's memory-parcel messages (donate, lend, share, accept, release,
 * reclaim, notify, append) and its firmware messages, with their flags.
 * A parcel request is a fixed header followed by three lists, each a
 * struct gunyah_rm_list_hdr and its entries: the ACL (who gets what access), the
 * scatter-gather list (the ranges), and the memory attributes per VM.
 * Message ids are in gunyah_rm_rpc.h. Facts from shared/reference/gunyah-abi.md and
 * gunyah-rm.md. Plain C, packed, little-endian.
 */
#ifndef HYP_API_GUNYAH_RM_MEM_H
#define HYP_API_GUNYAH_RM_MEM_H

#include "hyp_api/gunyah_common.h"

#define GUNYAH_RM_MEM_MAX_PARCELS_PER_VM        64u

/* MEM_DONATE, MEM_LEND, MEM_SHARE request header; then ACL, SGL and attribute lists.
 * Reply: u32 mem_handle naming the parcel from then on. */
struct gunyah_rm_mem_share_req {
    uint8_t mem_type;               /* GUNYAH_RM_MEM_TYPE_* */
    uint8_t reserved0;
    uint8_t flags;                  /* GUNYAH_RM_MEM_SHARE_* */
    uint8_t reserved1;
    uint32_t label;                 /* the caller's name for the parcel, passed to peers */
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_share_req, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_share_req, flags, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_share_req, label, 4);

#define GUNYAH_RM_MEM_TYPE_NORMAL               0u
#define GUNYAH_RM_MEM_TYPE_IO                   1u
/* Zero the memory before the recipients see it. */
#define GUNYAH_RM_MEM_SHARE_SANITIZE            0x01u
/* More ranges follow in MEM_APPEND messages (the SGL did not fit in one message). */
#define GUNYAH_RM_MEM_SHARE_APPEND              0x02u

/* ACL entry. Linux writes the ACL count as a u32; the RM reads a u16 count and u16
 * reserved. The bytes agree for every legal count (at most 512). */
struct gunyah_rm_mem_acl_entry {
    uint16_t vmid;
    uint8_t rights;                 /* GUNYAH_RM_ACL_* */
    uint8_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_acl_entry, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_acl_entry, rights, 2);
#define GUNYAH_RM_ACL_X                         0x1u
#define GUNYAH_RM_ACL_W                         0x2u
#define GUNYAH_RM_ACL_R                         0x4u

/* SGL entry: one range of the parcel, in the caller's IPA space. */
struct gunyah_rm_mem_sgl_entry {
    uint64_t ipa_base;
    uint64_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_sgl_entry, 16);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_sgl_entry, size, 8);

/* Attribute entry: how one VM must map the parcel. */
struct gunyah_rm_mem_attr_entry {
    uint16_t attr;                  /* GUNYAH_RM_MEM_ATTR_* */
    uint16_t vmid;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_attr_entry, 4);
#define GUNYAH_RM_MEM_ATTR_NORMAL               0u
#define GUNYAH_RM_MEM_ATTR_DEVICE               1u
#define GUNYAH_RM_MEM_ATTR_UNCACHED             2u
#define GUNYAH_RM_MEM_ATTR_CACHED               3u

/* MEM_ACCEPT request header; then the ACL list, an SGL section whose list header is
 * struct gunyah_rm_mem_accept_sgl_hdr, and the attribute list. The lists are what the
 * acceptor expects, checked when the matching VAL_ flag is set. */
struct gunyah_rm_mem_accept_req {
    uint32_t mem_handle;
    uint8_t mem_type;               /* GUNYAH_RM_MEM_TYPE_* */
    uint8_t trans_type;             /* GUNYAH_RM_MEM_TRANS_* */
    uint8_t flags;                  /* GUNYAH_RM_MEM_ACCEPT_* */
    uint8_t reserved;
    uint32_t label;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_accept_req, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_accept_req, mem_type, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_accept_req, trans_type, 5);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_accept_req, flags, 6);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_accept_req, label, 8);

#define GUNYAH_RM_MEM_TRANS_DONATE              0u
#define GUNYAH_RM_MEM_TRANS_LEND                1u
#define GUNYAH_RM_MEM_TRANS_SHARE               2u

#define GUNYAH_RM_MEM_ACCEPT_VAL_SANITIZED      0x01u   /* check it was sanitised */
#define GUNYAH_RM_MEM_ACCEPT_VAL_ACL_ATTR       0x02u   /* check the ACL and attributes */
#define GUNYAH_RM_MEM_ACCEPT_VAL_LABEL          0x04u   /* check the label */
#define GUNYAH_RM_MEM_ACCEPT_MAP_OTHER          0x08u   /* map into map_vmid, not the caller */
#define GUNYAH_RM_MEM_ACCEPT_MAP_CONTIG         0x10u   /* one contiguous IPA range */
#define GUNYAH_RM_MEM_ACCEPT_SANITIZE           0x20u
#define GUNYAH_RM_MEM_ACCEPT_DONE               0x80u

/* MEM_ACCEPT's SGL list header: the count, then the VM to map into (with MAP_OTHER).
 * A count of 0 asks the RM to choose the IPAs; it then replies with
 * struct gunyah_rm_mem_accept_reply and that many SGL entries. */
struct gunyah_rm_mem_accept_sgl_hdr {
    uint16_t count;
    uint16_t map_vmid;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_accept_sgl_hdr, 4);

struct gunyah_rm_mem_accept_reply {
    uint16_t count;
    uint8_t flags;                  /* GUNYAH_RM_MEM_ACCEPT_REPLY_INCOMPLETE */
    uint8_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_accept_reply, 4);
#define GUNYAH_RM_MEM_ACCEPT_REPLY_INCOMPLETE   0x01u

/* MEM_RELEASE (the acceptor gives the parcel back) and MEM_RECLAIM (the owner takes it
 * back once released). */
struct gunyah_rm_mem_release_req {
    uint32_t mem_handle;
    uint8_t flags;                  /* GUNYAH_RM_MEM_RELEASE_SANITIZE */
    uint8_t reserved[3];
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_release_req, 8);
#define GUNYAH_RM_MEM_RELEASE_SANITIZE          0x01u

/* MEM_APPEND: followed by an SGL list of further ranges. */
struct gunyah_rm_mem_append_req {
    uint32_t mem_handle;
    uint8_t flags;                  /* GUNYAH_RM_MEM_APPEND_DONE */
    uint8_t reserved[3];
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_append_req, 8);
/* This is the last append (gunyah-abi.md calls it "end"). */
#define GUNYAH_RM_MEM_APPEND_DONE               0x01u

/* MEM_NOTIFY: a party to the parcel tells the others; may be followed by a list
 * (struct gunyah_rm_list_hdr) of struct gunyah_rm_vm_vmid naming the VMs to tell. */
struct gunyah_rm_mem_notify_req {
    uint32_t mem_handle;
    uint8_t flags;                  /* one GUNYAH_RM_MEM_NOTIFY_* */
    uint8_t reserved[3];
    uint32_t mem_info_tag;          /* echoed in the notifications */
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_notify_req, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_mem_notify_req, mem_info_tag, 8);
#define GUNYAH_RM_MEM_NOTIFY_SHARED             0x01u
#define GUNYAH_RM_MEM_NOTIFY_RELEASED           0x02u
#define GUNYAH_RM_MEM_NOTIFY_ACCEPTED           0x04u
#define GUNYAH_RM_MEM_NOTIFY_RECALL             0x08u

/* MEM_QCOM_LOOKUP_SGL: find the parcel already made for these ranges; then ACL, SGL and
 * (optionally) attribute lists. Reply: u32 mem_handle. */
struct gunyah_rm_mem_lookup_sgl_req {
    uint8_t mem_type;
    uint8_t reserved[3];
    uint32_t label;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_mem_lookup_sgl_req, 8);

/* Notification MEM_SHARED (to each recipient); then ACL, SGL and attribute lists. */
struct gunyah_rm_notif_mem_shared {
    uint32_t mem_handle;
    uint8_t mem_type;
    uint8_t trans_type;             /* GUNYAH_RM_MEM_TRANS_* */
    uint8_t flags;
    uint8_t reserved0;
    uint16_t owner_vmid;
    uint16_t reserved1;
    uint32_t label;
    uint32_t mem_info_tag;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_mem_shared, 20);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_shared, trans_type, 5);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_shared, owner_vmid, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_shared, label, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_shared, mem_info_tag, 16);

/* Notifications MEM_RELEASED and MEM_ACCEPTED (to the owner): vmid is who did it. */
struct gunyah_rm_notif_mem_released {
    uint32_t mem_handle;
    uint16_t vmid;
    uint16_t reserved;
    uint32_t mem_info_tag;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_mem_released, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_released, vmid, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_mem_released, mem_info_tag, 8);

/* Notification MEM_RECALL (the owner asks a recipient to release). */
struct gunyah_rm_notif_mem_recall {
    uint32_t mem_handle;
    uint32_t mem_info_tag;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_mem_recall, 8);

/* ---- Firmware ------------------------------------------------------------------------------
 * FW_MILESTONE has no payload; after it, firmware can no longer be set.
 * FW_SET_VM_FIRMWARE: a firmware image in a memory parcel. */
struct gunyah_rm_fw_set_vm_firmware_req {
    uint16_t auth_mech;             /* GUNYAH_RM_VM_AUTH_* */
    uint16_t reserved;
    uint32_t mem_handle;
    uint64_t offset;
    uint64_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_fw_set_vm_firmware_req, 24);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_fw_set_vm_firmware_req, mem_handle, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_fw_set_vm_firmware_req, offset, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_fw_set_vm_firmware_req, size, 16);

#endif
