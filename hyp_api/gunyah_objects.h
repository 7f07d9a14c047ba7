/*
 * The flag words and small encodings the non-memory calls take or return: vCPU options,
 * power flags, register sets, vcpu_run states; message-queue sizes and flags; vIC, VPM,
 * scheduler and virtio-mmio options.
 * Layouts from shared/reference/gunyah-hypercalls.md and gunyah-abi.md. Plain C.
 * (Memory-call flags are in gunyah_memory.h, call numbers in gunyah_hypercalls.h.)
 */
#ifndef HYP_API_GUNYAH_OBJECTS_H
#define HYP_API_GUNYAH_OBJECTS_H

#include "hyp_api/gunyah_common.h"

/* ---- vcpu_configure options (u64) --------------------------------------------------------
 * The reference lists bit positions (0..9, 63), so each option is one bit. */
#define GUNYAH_VCPU_OPTION_PINNED               (1ull << 0)   /* never migrates */
#define GUNYAH_VCPU_OPTION_RAS_HANDLER          (1ull << 1)   /* receives RAS errors */
#define GUNYAH_VCPU_OPTION_AMU_OFF              (1ull << 2)   /* activity monitors not counted */
#define GUNYAH_VCPU_OPTION_SVE                  (1ull << 3)   /* may use SVE */
#define GUNYAH_VCPU_OPTION_DEBUG                (1ull << 4)   /* may use self-hosted debug */
#define GUNYAH_VCPU_OPTION_TRACE                (1ull << 5)   /* may use trace */
#define GUNYAH_VCPU_OPTION_CRITICAL             (1ull << 8)   /* its VM's failure is fatal */
#define GUNYAH_VCPU_OPTION_RUN_SCHEDULED        (1ull << 9)   /* runs only through vcpu_run */
#define GUNYAH_VCPU_OPTION_HLOS_VM              (1ull << 63)  /* belongs to the primary VM */
#define GUNYAH_VCPU_OPTIONS_VALID_MASK \
    (GUNYAH_VCPU_OPTION_PINNED | GUNYAH_VCPU_OPTION_RAS_HANDLER | GUNYAH_VCPU_OPTION_AMU_OFF | \
     GUNYAH_VCPU_OPTION_SVE | GUNYAH_VCPU_OPTION_DEBUG | GUNYAH_VCPU_OPTION_TRACE | \
     GUNYAH_VCPU_OPTION_CRITICAL | GUNYAH_VCPU_OPTION_RUN_SCHEDULED | GUNYAH_VCPU_OPTION_HLOS_VM)

/* ---- vcpu_poweron flags: keep what an earlier call set instead of the arguments ------- */
#define GUNYAH_VCPU_POWERON_KEEP_ENTRY          (1ull << 0)
#define GUNYAH_VCPU_POWERON_KEEP_CONTEXT        (1ull << 1)
/* vcpu_poweroff flags: the caller is the last running vCPU of its VM (so the VM stops). */
#define GUNYAH_VCPU_POWEROFF_LAST_VCPU          (1ull << 0)

/* ---- vcpu_register_write register sets and their indices -------------------------------- */
#define GUNYAH_VCPU_REG_SET_X                   0u    /* index 0..30: X0..X30 */
#define GUNYAH_VCPU_REG_SET_PC                  1u    /* index 0 */
#define GUNYAH_VCPU_REG_SET_SP                  2u    /* index 0: SP_EL0, 1: SP_EL1 */
#define GUNYAH_VCPU_REG_X_COUNT                 31u
#define GUNYAH_VCPU_REG_SP_EL0                  0u
#define GUNYAH_VCPU_REG_SP_EL1                  1u

/* ---- vcpu_bind_virq / vcpu_unbind_virq virq_type ------------------------------------------ */
#define GUNYAH_VCPU_VIRQ_HALT                   0u    /* raised when the vCPU halts */
#define GUNYAH_VCPU_VIRQ_RUN_WAKEUP             1u    /* raised when vcpu_run may make progress */

/* ---- vcpu_run / vcpu_run_check -----------------------------------------------------------
 * x1 state, x2..x4 state data 0..2; the next vcpu_run's resume data 0..2 answer it. */
#define GUNYAH_VCPU_RUN_STATE_READY             0x0u
#define GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP    0x1u   /* data0 suspend state, data1 reason */
#define GUNYAH_VCPU_RUN_STATE_POWERED_OFF       0x2u   /* data0 bit 0: the VM exited */
#define GUNYAH_VCPU_RUN_STATE_BLOCKED           0x3u   /* retry later */
#define GUNYAH_VCPU_RUN_STATE_VMMIO_READ        0x4u   /* data0 IPA, data1 size; resume0 = value */
#define GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE       0x5u   /* data0 IPA, data1 size, data2 value */
#define GUNYAH_VCPU_RUN_STATE_FAULT             0x6u
#define GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET 0x100u
/* EXPECTS_WAKEUP data1 */
#define GUNYAH_VCPU_RUN_WAKEUP_WFI              1u
#define GUNYAH_VCPU_RUN_WAKEUP_CPU_SUSPEND      2u
#define GUNYAH_VCPU_RUN_WAKEUP_SYSTEM_SUSPEND   3u
/* POWERED_OFF data0 */
#define GUNYAH_VCPU_RUN_POWERED_OFF_EXITED      (1ull << 0)
/* The vcpu_run after a VMMIO exit: resume0 a read's value, resume1 the action, resume2 0
 * (Linux's GUNYAH_ADDRSPACE_VMMIO_ACTION_*, Gunyah's ADDRSPACE_RESUME_ACTION_*). */
#define GUNYAH_VCPU_RUN_VMMIO_ACTION_EMULATE    0u   /* done: step over the access */
#define GUNYAH_VCPU_RUN_VMMIO_ACTION_RETRY      1u   /* run the access again */
#define GUNYAH_VCPU_RUN_VMMIO_ACTION_FAULT      2u   /* the guest takes a data abort */

/* ---- Message queues -----------------------------------------------------------------------
 * msgqueue_configure create_info (u32): bits 15:0 depth in messages, bits 31:16 the
 * largest message in bytes. */
#define GUNYAH_MSGQUEUE_CREATE_DEPTH_SHIFT      0
#define GUNYAH_MSGQUEUE_CREATE_DEPTH_MASK       0x0000FFFFu
#define GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_SHIFT   16
#define GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_MASK    0xFFFF0000u
#define GUNYAH_MSGQUEUE_CREATE_INFO(depth, max_size) \
    ((((uint32_t)(depth) << GUNYAH_MSGQUEUE_CREATE_DEPTH_SHIFT) & GUNYAH_MSGQUEUE_CREATE_DEPTH_MASK) | \
     (((uint32_t)(max_size) << GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_SHIFT) & GUNYAH_MSGQUEUE_CREATE_MAX_SIZE_MASK))
/* Limits the hypervisor enforces on create_info. */
#define GUNYAH_MSGQUEUE_MAX_DEPTH               256u
#define GUNYAH_MSGQUEUE_MAX_MSG_SIZE_LIMIT      1024u
/* The message size every RM queue (and Linux's msgq client) uses; gunyah-abi.md's
 * "messages are at most 240 bytes" is this, not the hypervisor's limit above. */
#define GUNYAH_MSGQUEUE_MAX_MSG_SIZE            240u
/* msgqueue_send flags: push wakes the receiver now instead of at its not-empty threshold. */
#define GUNYAH_MSGQUEUE_SEND_PUSH               (1ull << 0)
/* msgqueue_configure_send / _receive: thresholds and holdoff delays are u32 counts with
 * two special values (Gunyah's MSGQUEUE_THRESHOLD_UNCHANGED, _MAXIMUM and
 * MSGQUEUE_DELAY_UNCHANGED: -1 and -2 as u32). MAXIMUM (the queue's depth) is for the
 * receive threshold only. */
#define GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED     0xFFFFFFFFu
#define GUNYAH_MSGQUEUE_THRESHOLD_MAXIMUM       0xFFFFFFFEu
#define GUNYAH_MSGQUEUE_DELAY_UNCHANGED         0xFFFFFFFFu

/* ---- vic_configure options ----------------------------------------------------------------- */
#define GUNYAH_VIC_OPTION_MAX_MSIS_VALID        (1ull << 0)   /* max_msis argument is meant */
#define GUNYAH_VIC_OPTION_DISABLE_DEFAULT_ADDR  (1ull << 1)

/* ---- VPM groups ------------------------------------------------------------------------------ */
#define GUNYAH_VPM_GROUP_CONFIGURE_NO_AGGREGATION (1ull << 0)
/* vpm_group_get_state x1 */
#define GUNYAH_VPM_STATE_NONE                   0u
#define GUNYAH_VPM_STATE_RUNNING                1u
#define GUNYAH_VPM_STATE_CPUS_SUSPENDED         2u
#define GUNYAH_VPM_STATE_SYSTEM_SUSPENDED       3u

/* ---- scheduler_yield control: bits 15:0 hint, bit 31 implementation-defined hint --------- */
#define GUNYAH_YIELD_HINT_MASK                  0x0000FFFFu
#define GUNYAH_YIELD_IMPL_DEF                   0x80000000u
#define GUNYAH_YIELD_HINT_YIELD                 0u
#define GUNYAH_YIELD_HINT_TO_THREAD             1u   /* arg1: the thread cap to run */
#define GUNYAH_YIELD_HINT_LOWER_PRIORITY        2u

/* ---- virtio-mmio ------------------------------------------------------------------------------ */
#define GUNYAH_VIRTIO_MMIO_MAX_VQS              16u
/* virtio_mmio_configure flags: bit 6 says the device-type argument is meant. */
#define GUNYAH_VIRTIO_MMIO_CONFIG_VALID_DEVICE_TYPE (1ull << 6)
#define GUNYAH_VIRTIO_DEVICE_TYPE_INPUT         18u
/* virtio_mmio_backend_get_notification x2 reason bits */
#define GUNYAH_VIRTIO_NOTIFY_NEW_BUFFER         (1ull << 0)
#define GUNYAH_VIRTIO_NOTIFY_RESET              (1ull << 1)
#define GUNYAH_VIRTIO_NOTIFY_DRIVER_OK          (1ull << 3)
#define GUNYAH_VIRTIO_NOTIFY_FAILED             (1ull << 4)

#endif
