/*
 * Gunyah hypercall numbers and the two ways of making a call, plus the SMCCC
 * service calls a client makes before it knows it runs on Gunyah (call UID,
 * revision, SMCCC version) and the hyp_identify answer layout.
 * Numbers from shared/reference/gunyah-hypercalls.md (the hypervisor source wins
 * where its documentation differs, e.g. memextent_donate is 0x61) and gunyah-abi.md.
 * Plain C: the kernel decodes with these and every client encodes with them.
 */
#ifndef HYP_API_GUNYAH_HYPERCALLS_H
#define HYP_API_GUNYAH_HYPERCALLS_H

#include "hyp_api/gunyah_common.h"

/* ---- Call numbers n ----------------------------------------------------------------
 * One number per call; the SMCCC function id and the native HVC immediate are both
 * derived from n (below). Arguments are listed in register order in the reference;
 * "R0" arguments are reserved and must be 0, "res1" arguments are reserved and passed
 * as all ones. Gaps in the numbering are unassigned and answer NOT_SUPPORTED (-1). */

#define GUNYAH_HC_HYP_IDENTIFY                          0x00u

/* Create an object: (src partition, dest cspace, R0) -> x1 new cap. */
#define GUNYAH_HC_PARTITION_CREATE_PARTITION            0x01u
#define GUNYAH_HC_PARTITION_CREATE_CSPACE               0x02u
#define GUNYAH_HC_PARTITION_CREATE_ADDRSPACE            0x03u
#define GUNYAH_HC_PARTITION_CREATE_MEMEXTENT            0x04u
#define GUNYAH_HC_PARTITION_CREATE_THREAD               0x05u
#define GUNYAH_HC_PARTITION_CREATE_DOORBELL             0x06u
#define GUNYAH_HC_PARTITION_CREATE_MSGQUEUE             0x07u
#define GUNYAH_HC_PARTITION_CREATE_WATCHDOG             0x09u
#define GUNYAH_HC_PARTITION_CREATE_VIC                  0x0Au
#define GUNYAH_HC_PARTITION_CREATE_VPM_GROUP            0x0Bu
#define GUNYAH_HC_PARTITION_CREATE_VIRTIO_MMIO          0x48u

#define GUNYAH_HC_OBJECT_ACTIVATE                       0x0Cu
#define GUNYAH_HC_OBJECT_ACTIVATE_FROM                  0x0Du
#define GUNYAH_HC_OBJECT_RESET                          0x0Eu
#define GUNYAH_HC_OBJECT_RESET_FROM                     0x0Fu

#define GUNYAH_HC_DOORBELL_BIND_VIRQ                    0x10u
#define GUNYAH_HC_DOORBELL_UNBIND_VIRQ                  0x11u
#define GUNYAH_HC_DOORBELL_SEND                         0x12u
#define GUNYAH_HC_DOORBELL_RECEIVE                      0x13u
#define GUNYAH_HC_DOORBELL_RESET                        0x14u
#define GUNYAH_HC_DOORBELL_MASK                         0x15u

#define GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ               0x17u
#define GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ            0x18u
#define GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ             0x19u
#define GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ          0x1Au
#define GUNYAH_HC_MSGQUEUE_SEND                         0x1Bu
#define GUNYAH_HC_MSGQUEUE_RECEIVE                      0x1Cu
#define GUNYAH_HC_MSGQUEUE_FLUSH                        0x1Du
#define GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND               0x1Fu
#define GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE            0x20u
#define GUNYAH_HC_MSGQUEUE_CONFIGURE                    0x21u

#define GUNYAH_HC_CSPACE_DELETE_CAP_FROM                0x22u
#define GUNYAH_HC_CSPACE_COPY_CAP_FROM                  0x23u
#define GUNYAH_HC_CSPACE_REVOKE_CAP_FROM                0x24u
#define GUNYAH_HC_CSPACE_CONFIGURE                      0x25u
#define GUNYAH_HC_CSPACE_ATTACH_THREAD                  0x3Eu
#define GUNYAH_HC_CSPACE_REVOKE_CAPS_FROM               0x59u

#define GUNYAH_HC_HWIRQ_BIND_VIRQ                       0x26u
#define GUNYAH_HC_HWIRQ_UNBIND_VIRQ                     0x27u
#define GUNYAH_HC_VIC_CONFIGURE                         0x28u
#define GUNYAH_HC_VIC_ATTACH_VCPU                       0x29u
#define GUNYAH_HC_VIC_BIND_MSI_SOURCE                   0x56u
#define GUNYAH_HC_VGIC_SET_MPIDR_MAPPING                0x67u

#define GUNYAH_HC_ADDRSPACE_ATTACH_THREAD               0x2Au
#define GUNYAH_HC_ADDRSPACE_MAP                         0x2Bu
#define GUNYAH_HC_ADDRSPACE_UNMAP                       0x2Cu
#define GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS               0x2Du
#define GUNYAH_HC_ADDRSPACE_CONFIGURE                   0x2Eu
#define GUNYAH_HC_ADDRSPACE_ATTACH_VDMA                 0x2Fu
#define GUNYAH_HC_ADDRSPACE_LOOKUP                      0x5Au
#define GUNYAH_HC_ADDRSPACE_CONFIGURE_INFO_AREA         0x5Bu
#define GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO             0x60u
#define GUNYAH_HC_ADDRSPACE_ATTACH_VDEVICE              0x62u

#define GUNYAH_HC_MEMEXTENT_MODIFY                      0x30u
#define GUNYAH_HC_MEMEXTENT_CONFIGURE                   0x31u
#define GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE            0x32u
/* The API document says 0x33; the hypervisor source, which clients are built against,
 * says 0x61. */
#define GUNYAH_HC_MEMEXTENT_DONATE                      0x61u

#define GUNYAH_HC_VCPU_CONFIGURE                        0x34u
#define GUNYAH_HC_VCPU_POWERON                          0x38u
#define GUNYAH_HC_VCPU_POWEROFF                         0x39u
#define GUNYAH_HC_VCPU_KILL                             0x3Au
#define GUNYAH_HC_VCPU_SET_AFFINITY                     0x3Du
#define GUNYAH_HC_VCPU_SET_PRIORITY                     0x46u
#define GUNYAH_HC_VCPU_SET_TIMESLICE                    0x47u
#define GUNYAH_HC_VCPU_BIND_VIRQ                        0x5Cu
#define GUNYAH_HC_VCPU_UNBIND_VIRQ                      0x5Du
#define GUNYAH_HC_VCPU_REGISTER_WRITE                   0x64u
/* vcpu_run and vcpu_run_check return x0..x4 (SMCCC 1.2 register set). */
#define GUNYAH_HC_VCPU_RUN                              0x65u
#define GUNYAH_HC_VCPU_RUN_CHECK                        0x68u

#define GUNYAH_HC_SCHEDULER_YIELD                       0x3Bu
#define GUNYAH_HC_VPM_GROUP_ATTACH_VCPU                 0x3Cu
#define GUNYAH_HC_VPM_GROUP_BIND_VIRQ                   0x43u
#define GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ                 0x44u
#define GUNYAH_HC_VPM_GROUP_GET_STATE                   0x45u
#define GUNYAH_HC_VPM_GROUP_CONFIGURE                   0x66u
#define GUNYAH_HC_TRACE_UPDATE_CLASS_FLAGS              0x3Fu
#define GUNYAH_HC_PRNG_GET_ENTROPY                      0x57u

/* Watchdog numbers come from the API document only (no call definition in the tree). */
#define GUNYAH_HC_WATCHDOG_ATTACH_VCPU                  0x40u
#define GUNYAH_HC_WATCHDOG_BIND_VIRQ                    0x41u
#define GUNYAH_HC_WATCHDOG_UNBIND_VIRQ                  0x42u
#define GUNYAH_HC_WATCHDOG_CONFIGURE                    0x58u
#define GUNYAH_HC_WATCHDOG_MANAGE                       0x63u

#define GUNYAH_HC_VIRTIO_MMIO_CONFIGURE                 0x49u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_BIND_VIRQ         0x4Au
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_UNBIND_VIRQ       0x4Bu
#define GUNYAH_HC_VIRTIO_MMIO_FRONTEND_BIND_VIRQ        0x4Cu
#define GUNYAH_HC_VIRTIO_MMIO_FRONTEND_UNBIND_VIRQ      0x4Du
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_ASSERT_VIRQ       0x4Eu
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_DEV_FEATURES  0x4Fu
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_QUEUE_NUM_MAX 0x50u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_DRV_FEATURES  0x51u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_QUEUE_INFO    0x52u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_NOTIFICATION  0x53u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_ACKNOWLEDGE_RESET 0x54u
#define GUNYAH_HC_VIRTIO_MMIO_BACKEND_UPDATE_STATUS     0x55u
#define GUNYAH_HC_VIRTIO_INPUT_CONFIGURE                0x5Eu
#define GUNYAH_HC_VIRTIO_INPUT_SET_DATA                 0x5Fu

/* The vRTC calls (partition_create_vrtc, vrtc_configure, vrtc_set_time_base,
 * vrtc_attach_addrspace) have no number in either dispatch table of the reference, so
 * none is defined here; adding one would be inventing ABI. */

/* One past the highest assigned number: the size of a dispatch table indexed by n. */
#define GUNYAH_HC_NUM_LIMIT                             0x69u

/*
 * Every assigned call, for tables and tests: X(NAME) is invoked once per call with the
 * suffix of its GUNYAH_HC_ macro, so GUNYAH_HC_##NAME is the number and #NAME a name.
 */
#define GUNYAH_HC_FOR_EACH(X) \
    X(HYP_IDENTIFY) \
    X(PARTITION_CREATE_PARTITION) X(PARTITION_CREATE_CSPACE) X(PARTITION_CREATE_ADDRSPACE) \
    X(PARTITION_CREATE_MEMEXTENT) X(PARTITION_CREATE_THREAD) X(PARTITION_CREATE_DOORBELL) \
    X(PARTITION_CREATE_MSGQUEUE) X(PARTITION_CREATE_WATCHDOG) X(PARTITION_CREATE_VIC) \
    X(PARTITION_CREATE_VPM_GROUP) X(PARTITION_CREATE_VIRTIO_MMIO) \
    X(OBJECT_ACTIVATE) X(OBJECT_ACTIVATE_FROM) X(OBJECT_RESET) X(OBJECT_RESET_FROM) \
    X(DOORBELL_BIND_VIRQ) X(DOORBELL_UNBIND_VIRQ) X(DOORBELL_SEND) X(DOORBELL_RECEIVE) \
    X(DOORBELL_RESET) X(DOORBELL_MASK) \
    X(MSGQUEUE_BIND_SEND_VIRQ) X(MSGQUEUE_BIND_RECEIVE_VIRQ) X(MSGQUEUE_UNBIND_SEND_VIRQ) \
    X(MSGQUEUE_UNBIND_RECEIVE_VIRQ) X(MSGQUEUE_SEND) X(MSGQUEUE_RECEIVE) X(MSGQUEUE_FLUSH) \
    X(MSGQUEUE_CONFIGURE_SEND) X(MSGQUEUE_CONFIGURE_RECEIVE) X(MSGQUEUE_CONFIGURE) \
    X(CSPACE_DELETE_CAP_FROM) X(CSPACE_COPY_CAP_FROM) X(CSPACE_REVOKE_CAP_FROM) \
    X(CSPACE_CONFIGURE) X(CSPACE_ATTACH_THREAD) X(CSPACE_REVOKE_CAPS_FROM) \
    X(HWIRQ_BIND_VIRQ) X(HWIRQ_UNBIND_VIRQ) X(VIC_CONFIGURE) X(VIC_ATTACH_VCPU) \
    X(VIC_BIND_MSI_SOURCE) X(VGIC_SET_MPIDR_MAPPING) \
    X(ADDRSPACE_ATTACH_THREAD) X(ADDRSPACE_MAP) X(ADDRSPACE_UNMAP) X(ADDRSPACE_UPDATE_ACCESS) \
    X(ADDRSPACE_CONFIGURE) X(ADDRSPACE_ATTACH_VDMA) X(ADDRSPACE_LOOKUP) \
    X(ADDRSPACE_CONFIGURE_INFO_AREA) X(ADDRSPACE_CONFIGURE_VMMIO) X(ADDRSPACE_ATTACH_VDEVICE) \
    X(MEMEXTENT_MODIFY) X(MEMEXTENT_CONFIGURE) X(MEMEXTENT_CONFIGURE_DERIVE) \
    X(MEMEXTENT_DONATE) \
    X(VCPU_CONFIGURE) X(VCPU_POWERON) X(VCPU_POWEROFF) X(VCPU_KILL) X(VCPU_SET_AFFINITY) \
    X(VCPU_SET_PRIORITY) X(VCPU_SET_TIMESLICE) X(VCPU_BIND_VIRQ) X(VCPU_UNBIND_VIRQ) \
    X(VCPU_REGISTER_WRITE) X(VCPU_RUN) X(VCPU_RUN_CHECK) \
    X(SCHEDULER_YIELD) X(VPM_GROUP_ATTACH_VCPU) X(VPM_GROUP_BIND_VIRQ) \
    X(VPM_GROUP_UNBIND_VIRQ) X(VPM_GROUP_GET_STATE) X(VPM_GROUP_CONFIGURE) \
    X(TRACE_UPDATE_CLASS_FLAGS) X(PRNG_GET_ENTROPY) \
    X(WATCHDOG_ATTACH_VCPU) X(WATCHDOG_BIND_VIRQ) X(WATCHDOG_UNBIND_VIRQ) \
    X(WATCHDOG_CONFIGURE) X(WATCHDOG_MANAGE) \
    X(VIRTIO_MMIO_CONFIGURE) X(VIRTIO_MMIO_BACKEND_BIND_VIRQ) X(VIRTIO_MMIO_BACKEND_UNBIND_VIRQ) \
    X(VIRTIO_MMIO_FRONTEND_BIND_VIRQ) X(VIRTIO_MMIO_FRONTEND_UNBIND_VIRQ) \
    X(VIRTIO_MMIO_BACKEND_ASSERT_VIRQ) X(VIRTIO_MMIO_BACKEND_SET_DEV_FEATURES) \
    X(VIRTIO_MMIO_BACKEND_SET_QUEUE_NUM_MAX) X(VIRTIO_MMIO_BACKEND_GET_DRV_FEATURES) \
    X(VIRTIO_MMIO_BACKEND_GET_QUEUE_INFO) X(VIRTIO_MMIO_BACKEND_GET_NOTIFICATION) \
    X(VIRTIO_MMIO_BACKEND_ACKNOWLEDGE_RESET) X(VIRTIO_MMIO_BACKEND_UPDATE_STATUS) \
    X(VIRTIO_INPUT_CONFIGURE) X(VIRTIO_INPUT_SET_DATA)

/* How many calls GUNYAH_HC_FOR_EACH lists (pinned by the unit test). */
#define GUNYAH_HC_COUNT                                 98u

/* ---- SMCCC function ids (Arm DEN 0028) -----------------------------------------------
 * x0 = function id: bit 31 fast call, bit 30 SMC64 calling convention, bits 29:24 owning
 * entity, bits 15:0 function number. SMCCC 1.3 also gives bit 16 to a caller's hint that
 * it holds no live SVE state; bits 23:17 are zero. */
#define GUNYAH_SMCCC_FAST_CALL                          0x80000000u
#define GUNYAH_SMCCC_SMC64                              0x40000000u
#define GUNYAH_SMCCC_OWNER_SHIFT                        24
#define GUNYAH_SMCCC_OWNER_MASK                         0x3F000000u
#define GUNYAH_SMCCC_SVE_HINT                           0x00010000u
#define GUNYAH_SMCCC_RESERVED_MASK                      0x00FE0000u
#define GUNYAH_SMCCC_FUNCTION_MASK                      0x0000FFFFu

/* Owning entities used here. */
#define GUNYAH_SMCCC_OWNER_ARCH                         0u
#define GUNYAH_SMCCC_OWNER_STANDARD                     4u    /* PSCI and friends */
#define GUNYAH_SMCCC_OWNER_VENDOR_HYP                   6u

#define GUNYAH_SMCCC_IS_FAST(id)      (((uint32_t)(id) & GUNYAH_SMCCC_FAST_CALL) != 0u)
#define GUNYAH_SMCCC_IS_SMC64(id)     (((uint32_t)(id) & GUNYAH_SMCCC_SMC64) != 0u)
#define GUNYAH_SMCCC_OWNER(id) \
    (((uint32_t)(id) & GUNYAH_SMCCC_OWNER_MASK) >> GUNYAH_SMCCC_OWNER_SHIFT)
#define GUNYAH_SMCCC_FUNCTION(id)     ((uint32_t)(id) & GUNYAH_SMCCC_FUNCTION_MASK)

/* SMCCC return value for an unknown function id, and what Gunyah returns for anything
 * it does not recognise (all ones in x0; the same value as GUNYAH_ERROR_UNIMPLEMENTED). */
#define GUNYAH_SMCCC_NOT_SUPPORTED                      (-1)

/* SMCCC_VERSION (arch owner, SMC32 fast call): x0 = bits 30:16 major, bits 15:0 minor.
 * Gunyah reports 1.3. */
#define GUNYAH_SMCCC_VERSION_ID                         0x80000000u
#define GUNYAH_SMCCC_VERSION(major, minor)              ((((uint32_t)(major)) << 16) | (uint32_t)(minor))
#define GUNYAH_SMCCC_VERSION_1_3                        0x00010003u

/* ---- Gunyah hypercalls in SMCCC form -------------------------------------------------
 * HVC #0 with x0 = 0xC6000000 | (0x8000 + n): fast, SMC64, vendor-hyp owner, function
 * bits 15:14 = 0b10 and bits 13:0 = n. Arguments shift to x1..x7; results start at x0. */
#define GUNYAH_HC_SMCCC_BASE                            0xC6008000u
#define GUNYAH_HC_SMCCC_ID(n)                           (GUNYAH_HC_SMCCC_BASE + (uint32_t)(n))
/* The function-number field of a Gunyah hypercall: 0b10 in bits 15:14, n in 13:0. */
#define GUNYAH_HC_SMCCC_FUNCTION_TAG_MASK               0xC000u
#define GUNYAH_HC_SMCCC_FUNCTION_TAG                    0x8000u
#define GUNYAH_HC_SMCCC_NUM_MASK                        0x3FFFu
/* Whether a function id names a Gunyah hypercall in SMCCC form (any n; whether n is
 * assigned is the dispatcher's question), ignoring the SVE hint bit. */
#define GUNYAH_HC_SMCCC_IS_HYPERCALL(id) \
    ((((uint32_t)(id)) & ~GUNYAH_SMCCC_SVE_HINT & ~GUNYAH_HC_SMCCC_NUM_MASK) == GUNYAH_HC_SMCCC_BASE)
#define GUNYAH_HC_SMCCC_NUM(id)                         ((uint32_t)(id) & GUNYAH_HC_SMCCC_NUM_MASK)

/* ---- Gunyah hypercalls in native form ------------------------------------------------
 * HVC #(0x6000 + n), arguments from x0; the kernel reads the immediate from
 * ESR_EL2.ISS[15:0]. 0x6000..0x61FF is Gunyah's range; HVC #0 stays SMCCC/PSCI. */
#define GUNYAH_HC_NATIVE_BASE                           0x6000u
#define GUNYAH_HC_NATIVE_LAST                           0x61FFu
#define GUNYAH_HC_NATIVE_IMM(n)                         (GUNYAH_HC_NATIVE_BASE + (uint32_t)(n))
#define GUNYAH_HC_NATIVE_IS_HYPERCALL(imm) \
    ((uint32_t)(imm) >= GUNYAH_HC_NATIVE_BASE && (uint32_t)(imm) <= GUNYAH_HC_NATIVE_LAST)
#define GUNYAH_HC_NATIVE_NUM(imm)                       ((uint32_t)(imm) - GUNYAH_HC_NATIVE_BASE)
/* Inputs beyond those needed and reserved results are not preserved; x8..x17 are
 * clobbered by any call, x18..x30, SP and FP/SIMD/SVE state are preserved. */

/* ---- Vendor-hyp service calls (fast, SMC32, owner 6, functions 0xFF00..) ----------- */
#define GUNYAH_SMCCC_VENDOR_HYP_CALL_COUNT              0x8600FF00u  /* deprecated */
#define GUNYAH_SMCCC_VENDOR_HYP_CALL_UID                0x8600FF01u
#define GUNYAH_SMCCC_VENDOR_HYP_REVISION                0x8600FF03u  /* x0 = api_info */

/* The UID the open-source Gunyah answers in x0..x3 (its generated SMCCC_GUNYAH_UID0..3).
 * A client reads the four registers as the UUID's 16 bytes, the low 32 bits of each in
 * little-endian order (Linux's smccc_res_to_uuid), which gives the UUID
 * c1d58fcd-a453-5fdb-9265-ce36673d5f14; Linux's Gunyah drivers compare against that UUID
 * before any other call. (Early driver patches used the four words byte-reversed:
 * 0x673d5f14, ...: nothing answers those.) */
#define GUNYAH_UID_X0                                   0xcd8fd5c1u
#define GUNYAH_UID_X1                                   0xdb5f53a4u
#define GUNYAH_UID_X2                                   0x36ce6592u
#define GUNYAH_UID_X3                                   0x145f3d67u
/* Qualcomm's proprietary build answers UUID 19bd54bd-0b37-571b-946f-609b54539de6, by the
 * same rule; we never answer it, but a client that wants to run on both may accept either. */
#define GUNYAH_QCOM_UID_X0                              0xbd54bd19u
#define GUNYAH_QCOM_UID_X1                              0x1b57370bu
#define GUNYAH_QCOM_UID_X2                              0x9b606f94u
#define GUNYAH_QCOM_UID_X3                              0xe69d5354u

/* ---- hyp_identify results ------------------------------------------------------------
 * x0 api_info (no error code), x1..x3 feature flags words 0..2. */
#define GUNYAH_API_INFO_VERSION_MASK                    0x0000000000003FFFull
#define GUNYAH_API_INFO_BIG_ENDIAN                      0x0000000000004000ull
#define GUNYAH_API_INFO_IS_64BIT                        0x0000000000008000ull
#define GUNYAH_API_INFO_VARIANT_SHIFT                   56
#define GUNYAH_API_INFO_VARIANT_MASK                    0xFF00000000000000ull
#define GUNYAH_API_VERSION                              1u

#define GUNYAH_API_INFO(version, big_endian, is_64bit, variant) \
    (((uint64_t)(version) & GUNYAH_API_INFO_VERSION_MASK) | \
     ((big_endian) ? GUNYAH_API_INFO_BIG_ENDIAN : 0ull) | \
     ((is_64bit) ? GUNYAH_API_INFO_IS_64BIT : 0ull) | \
     (((uint64_t)(variant) << GUNYAH_API_INFO_VARIANT_SHIFT) & GUNYAH_API_INFO_VARIANT_MASK))
#define GUNYAH_API_INFO_VERSION_OF(info)   ((uint32_t)((uint64_t)(info) & GUNYAH_API_INFO_VERSION_MASK))
#define GUNYAH_API_INFO_VARIANT_OF(info) \
    ((uint32_t)(((uint64_t)(info) & GUNYAH_API_INFO_VARIANT_MASK) >> GUNYAH_API_INFO_VARIANT_SHIFT))

/* Feature flags word 0 (x1): one bit per interface the build offers. */
#define GUNYAH_FLAGS0_PARTITION_CSPACE                  (1ull << 0)
#define GUNYAH_FLAGS0_DOORBELL                          (1ull << 1)
#define GUNYAH_FLAGS0_MSGQUEUE                          (1ull << 2)
#define GUNYAH_FLAGS0_VIC                               (1ull << 3)
#define GUNYAH_FLAGS0_VPM                               (1ull << 4)
#define GUNYAH_FLAGS0_VCPU                              (1ull << 5)
#define GUNYAH_FLAGS0_MEMEXTENT                         (1ull << 6)
#define GUNYAH_FLAGS0_TRACE_CTRL                        (1ull << 7)
#define GUNYAH_FLAGS0_WATCHDOG                          (1ull << 8)
#define GUNYAH_FLAGS0_VIRTIO_MMIO                       (1ull << 9)
#define GUNYAH_FLAGS0_PRNG                              (1ull << 10)
#define GUNYAH_FLAGS0_VCPU_RUN                          (1ull << 11)
#define GUNYAH_FLAGS0_SCHEDULER_SHIFT                   28
#define GUNYAH_FLAGS0_SCHEDULER_MASK                    (0xFull << 28)
#define GUNYAH_FLAGS0_SCHEDULER_TRIVIAL                 0u
#define GUNYAH_FLAGS0_SCHEDULER_FPRR                    1u   /* fixed-priority round robin */
#define GUNYAH_FLAGS0_SCHEDULER_OF(flags0) \
    ((uint32_t)(((uint64_t)(flags0) & GUNYAH_FLAGS0_SCHEDULER_MASK) >> GUNYAH_FLAGS0_SCHEDULER_SHIFT))

/* ---- Shared argument encodings -------------------------------------------------------
 * A virq argument (u32): bits 23:0 the interrupt number, bits 31:24 the vCPU index for a
 * private (per-CPU) interrupt. */
#define GUNYAH_VIRQ_NUMBER_MASK                         0x00FFFFFFu
#define GUNYAH_VIRQ_VCPU_SHIFT                          24
#define GUNYAH_VIRQ_VCPU_MASK                           0xFF000000u
/* A "res1" argument: reserved, passed as all ones. */
#define GUNYAH_ARG_RES1                                 0xFFFFFFFFFFFFFFFFull

#endif
