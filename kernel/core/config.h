/*
 * Build-time limits of the hypervisor. Plain C preprocessor so that assembly
 * (arch/aarch64/boot) and C++ share one definition.
 */
#ifndef HYP_KERNEL_CORE_CONFIG_H
#define HYP_KERNEL_CORE_CONFIG_H

/* Physical CPUs the hypervisor can run on; more in the device tree are reported, not started. */
#define HYP_MAX_CPUS 64

/* Each CPU's EL2 stack. */
#define HYP_STACK_SIZE 16384

#endif
