/*
 * Numbers the resource manager's entry code (entry.S, vectors.S) shares with C++:
 * plain #defines, so an assembler file can include them. rm/main.cpp checks the
 * boot-info ones against hyp_api/rm_boot_info.h and hyp_api/psci.h with static_asserts.
 */
#ifndef RM_BOOT_ENTRY_LAYOUT_H
#define RM_BOOT_ENTRY_LAYOUT_H

#define RM_STACK_SIZE                   0x10000   /* 64 KiB, in BSS */
#define RM_EXCEPTION_STACK_SIZE         0x1000    /* the exception handler's own, in BSS */

/* What the entry code reads of rm_boot_info before anything is checked, to print why it
 * refuses to start: the magic and platform.uart.base. */
#define RM_ENTRY_BOOT_INFO_MAGIC        0x49424d52
#define RM_ENTRY_BOOT_INFO_UART_OFFSET  384
#define RM_ENTRY_BOOT_INFO_ALIGNMENT    4096

#define RM_ENTRY_PSCI_SYSTEM_OFF        0x84000008

#endif
