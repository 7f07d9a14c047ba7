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
