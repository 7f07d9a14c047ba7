/*
 * Payloads of the RM's VM-management, console and IRQ-lending messages, with the status
 * values they carry. Each struct is the fixed part of one payload (after the 8-byte RPC
 * header, and for replies after the u32 RM error); "followed by" names what comes next.
 * Message ids are in gunyah_rm_rpc.h. Facts from shared/reference/gunyah-abi.md and
 * gunyah-rm.md; where they differ the RM source (gunyah-rm.md) and the Linux client agree
 * and win. Plain C, packed, little-endian.
 */
#ifndef HYP_API_GUNYAH_RM_VM_H
#define HYP_API_GUNYAH_RM_VM_H

#include "hyp_api/gunyah_common.h"

/* The payload of every request that names only a VM: VM_DEALLOC_VMID, VM_START,
 * VM_RESET, VM_INIT, VM_GET_STATE, VM_GET_CRASH_MSG, VM_GET_HYP_RESOURCES, VM_GET_ID
 * (0 = the caller), CONSOLE_OPEN/CLOSE/FLUSH (0 = the caller's own console). Also
 * VM_ALLOC_VMID's request (0 = pick a dynamic id) and its reply (the id picked). */
struct gunyah_rm_vm_vmid {
    uint16_t vmid;
    uint16_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_vmid, 4);

/* VM_STOP */
struct gunyah_rm_vm_stop_req {
    uint16_t vmid;
    uint8_t flags;                  /* GUNYAH_RM_VM_STOP_FORCE */
    uint8_t reserved;
    uint32_t stop_reason;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_stop_req, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_stop_req, flags, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_stop_req, stop_reason, 4);
#define GUNYAH_RM_VM_STOP_FORCE                 0x01u

/* VM_CONFIG_IMAGE: where in a memory parcel the image and its device tree lie. */
struct gunyah_rm_vm_config_image_req {
    uint16_t vmid;
    uint16_t auth_mech;             /* GUNYAH_RM_VM_AUTH_* */
    uint32_t mem_handle;            /* the parcel holding both */
    uint64_t image_offset;
    uint64_t image_size;
    uint64_t dtb_offset;
    uint64_t dtb_size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_config_image_req, 40);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, auth_mech, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, mem_handle, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, image_offset, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, image_size, 16);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, dtb_offset, 24);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_config_image_req, dtb_size, 32);

#define GUNYAH_RM_VM_AUTH_NONE                  0u
#define GUNYAH_RM_VM_AUTH_PLATFORM              1u
#define GUNYAH_RM_VM_AUTH_ANDROID               2u

/* VM_AUTH_IMAGE: followed by param_count x struct gunyah_rm_vm_auth_param. */
struct gunyah_rm_vm_auth_image_req {
    uint16_t vmid;
    uint16_t param_count;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_auth_image_req, 4);
struct gunyah_rm_vm_auth_param {
    uint32_t type;
    uint32_t value;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_auth_param, 8);

/* VM_GET_HYP_RESOURCES reply: a u32 count, then count entries of 44 bytes. The 64-bit
 * fields sit at offsets that are not 8-aligned (the RM source splits them in lo/hi
 * words); read them with memcpy or through this packed struct. */
struct gunyah_rm_hyp_resource {
    uint8_t type;                   /* GUNYAH_RM_RES_* */
    uint8_t reserved;
    uint16_t partner_vmid;          /* the VM at the other end (msgq, doorbell) */
    uint32_t resource_handle;
    uint32_t resource_label;        /* label from the VM's configuration */
    uint64_t cap_id;                /* in the receiving VM's cspace */
    uint32_t virq_handle;
    uint32_t virq;                  /* interrupt the resource raises, if any */
    uint64_t base;                  /* IPA of the resource, if it has one */
    uint64_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_hyp_resource, 44);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, partner_vmid, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, resource_handle, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, resource_label, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, cap_id, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, virq_handle, 20);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, virq, 24);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, base, 28);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_hyp_resource, size, 36);

/* Resource types (the entry's type byte). */
#define GUNYAH_RM_RES_DOORBELL_SEND             0u
#define GUNYAH_RM_RES_DOORBELL_RECV             1u
#define GUNYAH_RM_RES_MSGQ_SEND                 2u
#define GUNYAH_RM_RES_MSGQ_RECV                 3u
#define GUNYAH_RM_RES_VCPU                      4u
#define GUNYAH_RM_RES_VPM_GROUP                 5u
#define GUNYAH_RM_RES_VIRTIO_MMIO               6u
#define GUNYAH_RM_RES_VRTC                      7u
#define GUNYAH_RM_RES_WATCHDOG                  8u

/* VM_SET_BOOT_CONTEXT: one vCPU register before VM_START; reg_set and reg_index as in
 * vcpu_register_write (GUNYAH_VCPU_REG_SET_*). */
struct gunyah_rm_vm_set_boot_context_req {
    uint16_t vmid;
    uint8_t reg_set;
    uint8_t reg_index;
    uint32_t reserved;
    uint64_t value;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_set_boot_context_req, 16);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_set_boot_context_req, reg_set, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_set_boot_context_req, reg_index, 3);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_set_boot_context_req, value, 8);

/* VM_SET_TIME_BASE: the VM's time base in ns against a system-timer count. On failure
 * the reply adds the hypervisor's error (u32) after the RM error. */
struct gunyah_rm_vm_set_time_base_req {
    uint16_t vmid;
    uint16_t reserved;
    uint64_t time_base;
    uint64_t sys_timer_ref;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_set_time_base_req, 20);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_set_time_base_req, time_base, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_set_time_base_req, sys_timer_ref, 12);

/* VM_SET_FIRMWARE_MEM: a VM's firmware image in a memory parcel. On failure the reply
 * adds the hypervisor's error (u32). */
struct gunyah_rm_vm_firmware_mem_req {
    uint16_t vmid;
    uint16_t reserved;
    uint32_t mem_handle;
    uint64_t offset;
    uint64_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_firmware_mem_req, 24);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_firmware_mem_req, mem_handle, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_firmware_mem_req, offset, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_vm_firmware_mem_req, size, 16);

/* VM_SET_STATUS (a secondary VM reports its OS state; vm_status is ignored) and the
 * status part of the VM_STATUS notification. */
struct gunyah_rm_vm_set_status_req {
    uint8_t vm_status;
    uint8_t os_state;               /* GUNYAH_RM_OS_STATE_* */
    uint16_t app_status;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_set_status_req, 4);

/* VM_EXIT: the caller stops itself. */
struct gunyah_rm_vm_exit_req {
    uint16_t exit_flags;
    uint8_t exit_code;              /* GUNYAH_RM_EXIT_CODE_* */
    uint8_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_exit_req, 4);

/* VM_SET_CRASH_MSG request and VM_GET_CRASH_MSG reply: followed by length bytes of text,
 * padded to a multiple of 4. The RM keeps the first 192 bytes. */
struct gunyah_rm_vm_crash_msg {
    uint16_t length;
    uint16_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_crash_msg, 4);
#define GUNYAH_RM_CRASH_MSG_KEPT                192u

/* VM_LOOKUP_URI/NAME request: followed by length bytes (at most 79) padded to 4.
 * VM_LOOKUP_GUID's request is the 16-byte GUID. The reply is a u32 count followed by
 * count x struct gunyah_rm_vm_vmid. */
struct gunyah_rm_vm_lookup_req {
    uint16_t length;
    uint16_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_lookup_req, 4);
#define GUNYAH_RM_VM_LOOKUP_MAX_LENGTH          79u
#define GUNYAH_RM_VM_GUID_SIZE                  16u

/* VM_GET_ID reply: a u32 count, then count entries of this header followed by size bytes
 * padded to 4 (the GUID, name, URI and signing authority; the reference gives no numbers
 * for the type byte, so none are defined). */
struct gunyah_rm_vm_id_entry {
    uint8_t type;
    uint8_t reserved;
    uint16_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_vm_id_entry, 4);

/* Replies made of one u32: VM_GET_VMID (low 16 bits: the caller's id), VM_GET_OWNER,
 * VM_GET_STATE (packed as below), VM_HOST_GET_TYPE. VM_GET_PEERS replies a u32 count,
 * then one u32 vmid per peer. */
struct gunyah_rm_u32 {
    uint32_t value;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_u32, 4);
#define GUNYAH_RM_VM_STATE_WORD(vm_state, os_state, app_status) \
    ((uint32_t)(vm_state) | ((uint32_t)(os_state) << 8) | ((uint32_t)(app_status) << 16))
/* VM_HOST_GET_TYPE answer: AArch64, Gunyah with an RM, version 1. */
#define GUNYAH_RM_HOST_TYPE_AARCH64_GUNYAH_RM_V1 0x01000164u

/* VM status (vm_state). 7 is unassigned. */
#define GUNYAH_RM_VM_STATUS_NO_STATE            0u
#define GUNYAH_RM_VM_STATUS_INIT                1u
#define GUNYAH_RM_VM_STATUS_READY               2u
#define GUNYAH_RM_VM_STATUS_RUNNING             3u
#define GUNYAH_RM_VM_STATUS_PAUSED              4u
#define GUNYAH_RM_VM_STATUS_LOAD                5u
#define GUNYAH_RM_VM_STATUS_AUTH                6u
#define GUNYAH_RM_VM_STATUS_INIT_FAILED         8u
#define GUNYAH_RM_VM_STATUS_EXITED              9u
#define GUNYAH_RM_VM_STATUS_RESETTING           10u
#define GUNYAH_RM_VM_STATUS_RESET               11u

/* OS state, as the guest reports it with VM_SET_STATUS. */
#define GUNYAH_RM_OS_STATE_NO_CHANGE            0u
#define GUNYAH_RM_OS_STATE_EARLY_BOOT           1u
#define GUNYAH_RM_OS_STATE_BOOT                 2u
#define GUNYAH_RM_OS_STATE_INIT                 3u
#define GUNYAH_RM_OS_STATE_RUN                  4u
#define GUNYAH_RM_OS_STATE_SHUTDOWN             5u
#define GUNYAH_RM_OS_STATE_HALTED               6u
#define GUNYAH_RM_OS_STATE_CRASHED              7u

/* Why a VM exited (VM_EXITED exit_type). */
#define GUNYAH_RM_EXIT_TYPE_VM_EXIT             0u
#define GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF        1u
#define GUNYAH_RM_EXIT_TYPE_PLATFORM_RESET      2u
#define GUNYAH_RM_EXIT_TYPE_PSCI_RESET2         3u
#define GUNYAH_RM_EXIT_TYPE_WDOG_BITE           4u
#define GUNYAH_RM_EXIT_TYPE_SW_ERR              5u
#define GUNYAH_RM_EXIT_TYPE_ASYNC_HW_ERR        6u
#define GUNYAH_RM_EXIT_TYPE_STOP_FORCED         7u

/* VM_EXIT exit_code; VM_EXITED's first reason word is exit_flags | exit_code << 16. */
#define GUNYAH_RM_EXIT_CODE_NORMAL              0u
#define GUNYAH_RM_EXIT_CODE_SW                  1u
#define GUNYAH_RM_EXIT_CODE_UNKNOWN             2u
#define GUNYAH_RM_EXIT_CODE_BUS                 3u
#define GUNYAH_RM_EXIT_CODE_DEVICE              4u
#define GUNYAH_RM_EXIT_REASON_WORD0(exit_flags, exit_code) \
    ((uint32_t)(exit_flags) | ((uint32_t)(exit_code) << 16))

/* Notification VM_EXITED: followed by reason_size bytes of reason (u32 words).
 * gunyah-abi.md shows a u16 pad and a u32 exit_type here; the RM source and the Linux
 * client both put a u16 exit_type at offset 2, which is what is on the wire. */
struct gunyah_rm_notif_vm_exited {
    uint16_t vmid;
    uint16_t exit_type;             /* GUNYAH_RM_EXIT_TYPE_* */
    uint32_t reason_size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_vm_exited, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_vm_exited, exit_type, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_vm_exited, reason_size, 4);

/* Notification VM_SHUTDOWN (to the VM asked to shut down). */
struct gunyah_rm_notif_vm_shutdown {
    uint32_t reason;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_vm_shutdown, 4);

/* Notification VM_STATUS (to a VM's running peers when its status changes). */
struct gunyah_rm_notif_vm_status {
    uint16_t vmid;
    uint16_t reserved;
    uint8_t vm_status;              /* GUNYAH_RM_VM_STATUS_* */
    uint8_t os_status;              /* GUNYAH_RM_OS_STATE_* */
    uint16_t app_status;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_vm_status, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_vm_status, vm_status, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_vm_status, os_status, 5);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_vm_status, app_status, 6);

/* IPA_RESERVE: followed by a list (struct gunyah_rm_list_hdr) of fixed ranges, or of
 * constraints for the RM to place ranges in (alloc_type 1; the reply is then a list of
 * the ranges chosen). */
struct gunyah_rm_ipa_reserve_req {
    uint8_t alloc_type;             /* GUNYAH_RM_IPA_RESERVE_* */
    uint8_t reserved[3];
    uint32_t generic_constraints;
    uint32_t platform_constraints;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_ipa_reserve_req, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_ipa_reserve_req, generic_constraints, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_ipa_reserve_req, platform_constraints, 8);
#define GUNYAH_RM_IPA_RESERVE_FIXED             0u
#define GUNYAH_RM_IPA_RESERVE_ALLOC             1u
struct gunyah_rm_ipa_range {
    uint64_t base;
    uint64_t size;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_ipa_range, 16);
struct gunyah_rm_ipa_alloc_constraint {
    uint64_t region_base;
    uint64_t region_size;
    uint64_t size;
    uint64_t alignment;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_ipa_alloc_constraint, 32);

/* ---- Console ----------------------------------------------------------------------------
 * CONSOLE_WRITE request and CONSOLE_CHARS notification: followed by num_bytes bytes.
 * vmid is the target console (0 = the caller's) for WRITE, the writer for CHARS. */
struct gunyah_rm_console_chars {
    uint16_t vmid;
    uint16_t num_bytes;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_console_chars, 4);

/* ---- IRQ lending --------------------------------------------------------------------------- */
/* IRQ_LEND: lend one of the caller's interrupts to borrower. Reply: u32 handle. */
struct gunyah_rm_irq_lend_req {
    uint16_t borrower_vmid;
    uint16_t reserved;
    uint32_t virq;
    uint32_t label;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_irq_lend_req, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_irq_lend_req, virq, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_irq_lend_req, label, 8);

/* IRQ_ACCEPT: take a lent interrupt at virq. Reply: u32 virq. */
struct gunyah_rm_irq_accept_req {
    uint32_t handle;
    uint32_t virq;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_irq_accept_req, 8);

/* IRQ_RELEASE, IRQ_RECLAIM, and the IRQ_RELEASED / IRQ_ACCEPTED notifications. */
struct gunyah_rm_irq_handle {
    uint32_t handle;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_irq_handle, 4);

/* IRQ_NOTIFY: with LENT, followed by a list (struct gunyah_rm_list_hdr) of
 * struct gunyah_rm_vm_vmid naming the VMs to tell. */
struct gunyah_rm_irq_notify_req {
    uint32_t handle;
    uint32_t flags;                 /* one GUNYAH_RM_IRQ_NOTIFY_* */
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_irq_notify_req, 8);
#define GUNYAH_RM_IRQ_NOTIFY_LENT               0x1u
#define GUNYAH_RM_IRQ_NOTIFY_RELEASED           0x2u
#define GUNYAH_RM_IRQ_NOTIFY_ACCEPTED           0x4u

/* Notification IRQ_LENT (to the borrower). */
struct gunyah_rm_notif_irq_lent {
    uint16_t owner_vmid;
    uint16_t reserved;
    uint32_t handle;
    uint32_t label;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_notif_irq_lent, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_irq_lent, handle, 4);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_notif_irq_lent, label, 8);

#endif
