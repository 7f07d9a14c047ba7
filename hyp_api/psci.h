/*
 * PSCI (Arm DEN 0022) function ids and return codes. The hypervisor calls PSCI
 * firmware with these, and later answers its guests' PSCI calls with the same numbers.
 */
#ifndef HYP_API_PSCI_H
#define HYP_API_PSCI_H

#define PSCI_FN_VERSION             0x84000000u
#define PSCI_FN_CPU_SUSPEND_64      0xc4000001u
#define PSCI_FN_CPU_OFF             0x84000002u
#define PSCI_FN_CPU_ON_64           0xc4000003u
#define PSCI_FN_AFFINITY_INFO_64    0xc4000004u
#define PSCI_FN_SYSTEM_OFF          0x84000008u
#define PSCI_FN_SYSTEM_RESET        0x84000009u
#define PSCI_FN_FEATURES            0x8400000au

/* SMC32 forms of the calls above, the migration calls, and PSCI 1.1's SYSTEM_RESET2. */
#define PSCI_FN_CPU_SUSPEND_32      0x84000001u
#define PSCI_FN_CPU_ON_32           0x84000003u
#define PSCI_FN_AFFINITY_INFO_32    0x84000004u
#define PSCI_FN_MIGRATE_32          0x84000005u
#define PSCI_FN_MIGRATE_64          0xc4000005u
#define PSCI_FN_MIGRATE_INFO_TYPE   0x84000006u
#define PSCI_FN_MIGRATE_INFO_UP_CPU_32 0x84000007u
#define PSCI_FN_MIGRATE_INFO_UP_CPU_64 0xc4000007u
#define PSCI_FN_SYSTEM_RESET2_32    0x84000012u
#define PSCI_FN_SYSTEM_RESET2_64    0xc4000012u

/* PSCI_VERSION: major in bits 31:16, minor in 15:0. */
#define PSCI_VERSION_1_1            0x00010001u

/* AFFINITY_INFO results. */
#define PSCI_AFFINITY_ON            0
#define PSCI_AFFINITY_OFF           1
#define PSCI_AFFINITY_ON_PENDING    2

/* MIGRATE_INFO_TYPE: no Trusted OS, or one that needs no migration. */
#define PSCI_TOS_NOT_PRESENT_MP     2

/* SYSTEM_RESET2 reset_type: bit 31 set is vendor-specific; 0 is the one architectural type. */
#define PSCI_RESET2_VENDOR          0x80000000u
#define PSCI_RESET2_WARM            0u

#define PSCI_RET_SUCCESS            0
#define PSCI_RET_NOT_SUPPORTED      (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_DENIED             (-3)
#define PSCI_RET_ALREADY_ON         (-4)
#define PSCI_RET_ON_PENDING         (-5)
#define PSCI_RET_INTERNAL_FAILURE   (-6)
#define PSCI_RET_NOT_PRESENT        (-7)
#define PSCI_RET_DISABLED           (-8)
#define PSCI_RET_INVALID_ADDRESS    (-9)

#endif
