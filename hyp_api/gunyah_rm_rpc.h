/*
 * The resource manager's RPC protocol, as carried over a message-queue pair between the
 * RM and each client VM: the 8-byte fragment header, fragmenting, the reply's error
 * word, RM error codes, message ids and VM ids. The payload of each message is in
 * gunyah_rm_vm.h (VM management, console, IRQ lending) and gunyah_rm_mem.h (memory
 * parcels, firmware), both included here, so this one header is the whole protocol.
 * Facts from shared/reference/gunyah-abi.md and gunyah-rm.md. Plain C; wire structs are
 * packed and little-endian.
 */
#ifndef HYP_API_GUNYAH_RM_RPC_H
#define HYP_API_GUNYAH_RM_RPC_H

#include "hyp_api/gunyah_common.h"

/* ---- Sizes ---------------------------------------------------------------------------------
 * A fragment is one message-queue message: the header, then up to 232 payload bytes. A
 * message longer than that goes as a first fragment (request/reply/notification type,
 * carrying the count of continuations) and up to 62 continuation fragments (type 0, same
 * id, sequence and count), so a message carries at most 232 x 63 payload bytes. */
#define GUNYAH_RM_RPC_FRAGMENT_SIZE             240u
#define GUNYAH_RM_RPC_HDR_SIZE                  8u
#define GUNYAH_RM_RPC_FRAGMENT_PAYLOAD          (GUNYAH_RM_RPC_FRAGMENT_SIZE - GUNYAH_RM_RPC_HDR_SIZE)
#define GUNYAH_RM_RPC_MAX_CONTINUATIONS         62u
#define GUNYAH_RM_RPC_MAX_PAYLOAD \
    (GUNYAH_RM_RPC_FRAGMENT_PAYLOAD * (GUNYAH_RM_RPC_MAX_CONTINUATIONS + 1u))
/* The primary VM's RM queues: 8 messages deep (in each direction). */
#define GUNYAH_RM_RPC_HLOS_QUEUE_DEPTH          8u
/* Notifications the RM queues for a client while its TX queue is full. */
#define GUNYAH_RM_RPC_MAX_PENDING_NOTIFICATIONS 256u

/* ---- Header --------------------------------------------------------------------------------
 * byte 0 api:  bits 3:0 protocol version (1), bits 7:4 header length in 32-bit words (2)
 * byte 1 type: bits 1:0 message type, bits 7:2 how many continuation fragments follow
 * bytes 2-3    sequence number, chosen by the requester and echoed by the reply
 * bytes 4-7    message id */
struct gunyah_rm_rpc_hdr {
    uint8_t api;
    uint8_t type;
    uint16_t seq;
    uint32_t msg_id;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_rpc_hdr, 8);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_rpc_hdr, api, 0);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_rpc_hdr, type, 1);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_rpc_hdr, seq, 2);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_rpc_hdr, msg_id, 4);

#define GUNYAH_RM_RPC_API_VERSION               1u
#define GUNYAH_RM_RPC_HDR_WORDS                 2u
#define GUNYAH_RM_RPC_API_VERSION_MASK          0x0Fu
#define GUNYAH_RM_RPC_API_HDR_WORDS_SHIFT       4
#define GUNYAH_RM_RPC_API_BYTE \
    ((uint8_t)(GUNYAH_RM_RPC_API_VERSION | (GUNYAH_RM_RPC_HDR_WORDS << GUNYAH_RM_RPC_API_HDR_WORDS_SHIFT)))

#define GUNYAH_RM_RPC_TYPE_MASK                 0x03u
#define GUNYAH_RM_RPC_FRAGMENTS_SHIFT           2
#define GUNYAH_RM_RPC_TYPE_CONTINUATION         0u
#define GUNYAH_RM_RPC_TYPE_REQUEST              1u
#define GUNYAH_RM_RPC_TYPE_REPLY                2u
#define GUNYAH_RM_RPC_TYPE_NOTIFICATION         3u
#define GUNYAH_RM_RPC_TYPE_BYTE(msg_type, continuations) \
    ((uint8_t)(((uint32_t)(msg_type) & GUNYAH_RM_RPC_TYPE_MASK) | \
               ((uint32_t)(continuations) << GUNYAH_RM_RPC_FRAGMENTS_SHIFT)))
#define GUNYAH_RM_RPC_MSG_TYPE_OF(type_byte)    ((uint32_t)(type_byte) & GUNYAH_RM_RPC_TYPE_MASK)
#define GUNYAH_RM_RPC_CONTINUATIONS_OF(type_byte) \
    (((uint32_t)(type_byte) & 0xFFu) >> GUNYAH_RM_RPC_FRAGMENTS_SHIFT)

/* A header's fields, decoded: what gunyah_rm_rpc_hdr_read() returns. */
struct gunyah_rm_rpc_hdr_fields {
    uint32_t version;
    uint32_t hdr_words;
    uint32_t msg_type;
    uint32_t continuations;
    uint16_t seq;
    uint32_t msg_id;
};

/* Writes a header into the first 8 bytes of out, byte by byte (so out needs no
 * alignment). continuations must be at most 62; callers check, this does not. */
static inline void gunyah_rm_rpc_hdr_write(uint8_t *out, uint32_t msg_type, uint32_t continuations,
                                           uint16_t seq, uint32_t msg_id)
{
    out[0] = GUNYAH_RM_RPC_API_BYTE;
    out[1] = GUNYAH_RM_RPC_TYPE_BYTE(msg_type, continuations);
    out[2] = (uint8_t)(seq & 0xFFu);
    out[3] = (uint8_t)(seq >> 8);
    out[4] = (uint8_t)(msg_id & 0xFFu);
    out[5] = (uint8_t)((msg_id >> 8) & 0xFFu);
    out[6] = (uint8_t)((msg_id >> 16) & 0xFFu);
    out[7] = (uint8_t)(msg_id >> 24);
}

/* Reads the first 8 bytes of in as a header. Does not judge it: a receiver drops
 * fragments whose version is not 1 or whose header length is not 2 words. */
static inline struct gunyah_rm_rpc_hdr_fields gunyah_rm_rpc_hdr_read(const uint8_t *in)
{
    struct gunyah_rm_rpc_hdr_fields f;
    f.version = (uint32_t)in[0] & GUNYAH_RM_RPC_API_VERSION_MASK;
    f.hdr_words = (uint32_t)in[0] >> GUNYAH_RM_RPC_API_HDR_WORDS_SHIFT;
    f.msg_type = GUNYAH_RM_RPC_MSG_TYPE_OF(in[1]);
    f.continuations = GUNYAH_RM_RPC_CONTINUATIONS_OF(in[1]);
    f.seq = (uint16_t)((uint32_t)in[2] | ((uint32_t)in[3] << 8));
    f.msg_id = (uint32_t)in[4] | ((uint32_t)in[5] << 8) | ((uint32_t)in[6] << 16) |
               ((uint32_t)in[7] << 24);
    return f;
}

/* A reply's payload starts with the RM error; anything after it is present only when the
 * error is OK (a few replies append the hypervisor's error on failure, as noted). */
struct gunyah_rm_rpc_reply_hdr {
    struct gunyah_rm_rpc_hdr hdr;
    uint32_t rm_error;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_rpc_reply_hdr, 12);
GUNYAH_ASSERT_OFFSET(struct gunyah_rm_rpc_reply_hdr, rm_error, 8);

/* Variable-length lists inside payloads start with a u16 count and two bytes that are
 * reserved (or, where noted, hold another field), then the entries. */
struct gunyah_rm_list_hdr {
    uint16_t count;
    uint16_t reserved;
} GUNYAH_PACKED;
GUNYAH_ASSERT_SIZE(struct gunyah_rm_list_hdr, 4);
#define GUNYAH_RM_LIST_MAX_ENTRIES              512u

/* ---- RM error codes (u32, rm_error in replies) ------------------------------------------- */
#define GUNYAH_RM_OK                            0x00u
#define GUNYAH_RM_ERROR_NOMEM                   0x01u
#define GUNYAH_RM_ERROR_NORESOURCE              0x02u
#define GUNYAH_RM_ERROR_DENIED                  0x03u
/* gunyah-abi.md calls 4 just INVALID; the RM source names it for a malformed message. */
#define GUNYAH_RM_ERROR_MSG_INVALID             0x04u
#define GUNYAH_RM_ERROR_BUSY                    0x05u
#define GUNYAH_RM_ERROR_ARGUMENT_INVALID        0x06u
#define GUNYAH_RM_ERROR_HANDLE_INVALID          0x07u
#define GUNYAH_RM_ERROR_VALIDATE_FAILED         0x08u
#define GUNYAH_RM_ERROR_MAP_FAILED              0x09u
#define GUNYAH_RM_ERROR_MEM_INVALID             0x0Au
#define GUNYAH_RM_ERROR_MEM_INUSE               0x0Bu
#define GUNYAH_RM_ERROR_MEM_RELEASED            0x0Cu
#define GUNYAH_RM_ERROR_VMID_INVALID            0x0Du
#define GUNYAH_RM_ERROR_LOOKUP_FAILED           0x0Eu
#define GUNYAH_RM_ERROR_IRQ_INVALID             0x0Fu
#define GUNYAH_RM_ERROR_IRQ_INUSE               0x10u
#define GUNYAH_RM_ERROR_IRQ_RELEASED            0x11u
#define GUNYAH_RM_ERROR_IN_USE                  0x12u
#define GUNYAH_RM_ERROR_IRQ_NOT_MAPPED          0x13u
#define GUNYAH_RM_ERROR_VM_STATE                0x14u
/* Unknown message ids (and requests the RM does not handle) get this. */
#define GUNYAH_RM_ERROR_UNIMPLEMENTED           0xFFFFFFFFu

/* ---- VM ids (u16 on the wire, followed by u16 padding) ------------------------------------ */
#define GUNYAH_RM_VMID_HYP                      0x0000u
#define GUNYAH_RM_VMID_HLOS                     0x0003u   /* the primary VM */
#define GUNYAH_RM_VMID_STATIC_LIMIT             0x0040u   /* static secondaries are below */
#define GUNYAH_RM_VMID_DYNAMIC_FIRST            0x0080u   /* VM_ALLOC_VMID with vmid 0 picks */
#define GUNYAH_RM_VMID_DYNAMIC_LAST             0x00BFu   /*   one from this range */
#define GUNYAH_RM_VMID_RM                       0x00FFu
#define GUNYAH_RM_VMID_ANY                      0xFFFEu
#define GUNYAH_RM_VMID_PEER_DEFAULT             0xFFFFu

/* ---- Message ids: VM management (requests) ---------------------------------------------- */
#define GUNYAH_RM_MSG_VM_ALLOC_VMID             0x56000001u   /* RM source: VM_ALLOCATE */
#define GUNYAH_RM_MSG_VM_DEALLOC_VMID           0x56000002u   /* RM source: VM_DEALLOCATE */
#define GUNYAH_RM_MSG_VM_START                  0x56000004u
#define GUNYAH_RM_MSG_VM_STOP                   0x56000005u
#define GUNYAH_RM_MSG_VM_RESET                  0x56000006u
#define GUNYAH_RM_MSG_VM_CONFIG_IMAGE           0x56000009u
#define GUNYAH_RM_MSG_VM_AUTH_IMAGE             0x5600000Au
#define GUNYAH_RM_MSG_VM_INIT                   0x5600000Bu
#define GUNYAH_RM_MSG_VM_GET_ID                 0x56000010u
#define GUNYAH_RM_MSG_VM_LOOKUP_URI             0x56000011u
#define GUNYAH_RM_MSG_VM_LOOKUP_GUID            0x56000012u
#define GUNYAH_RM_MSG_VM_LOOKUP_NAME            0x56000013u
#define GUNYAH_RM_MSG_VM_GET_OWNER              0x56000015u
#define GUNYAH_RM_MSG_VM_GET_STATE              0x56000017u
#define GUNYAH_RM_MSG_VM_GET_CRASH_MSG          0x56000019u
#define GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES      0x56000020u
#define GUNYAH_RM_MSG_VM_GET_HYP_CAPIDS         0x56000021u   /* unimplemented by the RM */
#define GUNYAH_RM_MSG_VM_GET_HYP_IRQS           0x56000022u   /* unimplemented by the RM */
#define GUNYAH_RM_MSG_VM_GET_VMID               0x56000024u
#define GUNYAH_RM_MSG_VM_GET_PEERS              0x56000025u
#define GUNYAH_RM_MSG_VM_SET_TIME_BASE          0x56000030u
/* Linux's name; the RM source calls it VM_SET_CONTEXT and defines no handler. */
#define GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT       0x56000031u
#define GUNYAH_RM_MSG_VM_SET_FIRMWARE_MEM       0x56000032u
#define GUNYAH_RM_MSG_VM_SET_STATUS             0x56000080u   /* from secondary VMs */
#define GUNYAH_RM_MSG_VM_EXIT                   0x56000085u   /* the caller exits itself */
#define GUNYAH_RM_MSG_VM_SET_CRASH_MSG          0x56000086u
#define GUNYAH_RM_MSG_VM_HOST_GET_TYPE          0x560000A0u
#define GUNYAH_RM_MSG_IPA_RESERVE               0x560000B0u
#define GUNYAH_RM_MSG_IPA_UNRESERVE             0x560000B1u

/* Console */
#define GUNYAH_RM_MSG_CONSOLE_OPEN              0x56000081u
#define GUNYAH_RM_MSG_CONSOLE_CLOSE             0x56000082u
#define GUNYAH_RM_MSG_CONSOLE_WRITE             0x56000083u
#define GUNYAH_RM_MSG_CONSOLE_FLUSH             0x56000084u

/* IRQ lending */
#define GUNYAH_RM_MSG_IRQ_ACCEPT                0x56000050u
#define GUNYAH_RM_MSG_IRQ_LEND                  0x56000051u
#define GUNYAH_RM_MSG_IRQ_RELEASE               0x56000052u
#define GUNYAH_RM_MSG_IRQ_RECLAIM               0x56000053u
#define GUNYAH_RM_MSG_IRQ_NOTIFY                0x56000054u
#define GUNYAH_RM_MSG_IRQ_UNMAP                 0x56000055u   /* not handled by the RM */

/* Memory parcels and firmware */
#define GUNYAH_RM_MSG_MEM_DONATE                0x51000010u
#define GUNYAH_RM_MSG_MEM_ACCEPT                0x51000011u
#define GUNYAH_RM_MSG_MEM_LEND                  0x51000012u
#define GUNYAH_RM_MSG_MEM_SHARE                 0x51000013u
#define GUNYAH_RM_MSG_MEM_RELEASE               0x51000014u
#define GUNYAH_RM_MSG_MEM_RECLAIM               0x51000015u
#define GUNYAH_RM_MSG_MEM_NOTIFY                0x51000017u
#define GUNYAH_RM_MSG_MEM_APPEND                0x51000018u
#define GUNYAH_RM_MSG_MEM_QCOM_LOOKUP_SGL       0x5100001Au
#define GUNYAH_RM_MSG_FW_MILESTONE              0x51000020u   /* primary VM only */
#define GUNYAH_RM_MSG_FW_SET_VM_FIRMWARE        0x51000021u

/* ---- Message ids: notifications (RM to client, no reply) --------------------------------- */
#define GUNYAH_RM_NOTIF_VM_EXITED               0x56100001u   /* to the VM's owner */
#define GUNYAH_RM_NOTIF_VM_SHUTDOWN             0x56100002u   /* to the VM itself */
#define GUNYAH_RM_NOTIF_VM_STATUS               0x56100008u   /* to running peers */
#define GUNYAH_RM_NOTIF_IRQ_LENT                0x56100011u
#define GUNYAH_RM_NOTIF_IRQ_RELEASED            0x56100012u
#define GUNYAH_RM_NOTIF_IRQ_ACCEPTED            0x56100013u
#define GUNYAH_RM_NOTIF_CONSOLE_CHARS           0x56100080u
#define GUNYAH_RM_NOTIF_MEM_SHARED              0x51100011u
#define GUNYAH_RM_NOTIF_MEM_RELEASED            0x51100012u
#define GUNYAH_RM_NOTIF_MEM_ACCEPTED            0x51100013u
#define GUNYAH_RM_NOTIF_MEM_RECALL              0x51100014u

#include "hyp_api/gunyah_rm_mem.h"
#include "hyp_api/gunyah_rm_vm.h"

#endif
