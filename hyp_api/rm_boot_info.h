/*
 * The boot-info structure the hypervisor hands the resource manager (the root VM) in x0
 * when it first runs it: the RM's own capabilities, the boot modules the loader placed
 * (with a memextent capability for each), and the platform facts the RM needs to build
 * the primary VM. Ours, not Gunyah's (whose RM parses a CBOR environment instead): a
 * fixed C layout the kernel fills from its DT discovery, so the RM needs neither a DT
 * parser nor a CBOR decoder to start the primary VM.
 *
 * Rules: the structure lies in the RM's RAM at an 8-byte aligned IPA; every field is
 * naturally aligned and every gap is an explicit reserved field (zero), so the layout is
 * the same packed or not, in C and C++, and pinned below. The RM checks magic, version
 * and size before reading anything else, and every count against its array. Addresses
 * are physical unless the field says IPA. Interrupts are GIC INTIDs. A capability the
 * hypervisor does not give is GUNYAH_CAP_ID_INVALID. Plain C, little-endian.
 */
#ifndef HYP_API_RM_BOOT_INFO_H
#define HYP_API_RM_BOOT_INFO_H

#include "hyp_api/gunyah_common.h"
#include "hyp_api/gunyah_rights.h"

#define RM_BOOT_INFO_MAGIC              0x49424d52u  /* "RMBI" as bytes in memory */
#define RM_BOOT_INFO_VERSION            4u  /* 2: vic_cap and the RM's SPIs; 3: hyp_phys, board_dtb;
                                               4: device_ranges, hwirq_caps */

#define RM_BOOT_INFO_MAX_MODULES        8u     /* as many as the kernel's discovery records */
#define RM_BOOT_INFO_MAX_CPUS           64u
#define RM_BOOT_INFO_MAX_RAM_RANGES     16u
#define RM_BOOT_INFO_MAX_DEVICE_RANGES  32u
#define RM_BOOT_INFO_MAX_HWIRQS         988u     /* SPIs 32..1019 */
#define RM_BOOT_INFO_VUART_SIZE         0x1000u  /* a PL011's register frame */
/* Linux's arm64 COMMAND_LINE_SIZE is 2048; QEMU's guest-loader bootargs are a line or
 * two. Longer ones are cut at 1023 bytes and flagged, never silently. */
#define RM_BOOT_INFO_BOOTARGS_SIZE      1024u

/* The hypervisor's command-line words that start with "rm." (rm.mem=256M rm.vcpus=8),
 * space-separated and NUL-terminated: at most 255 bytes. A word that does not fit is
 * left out whole (never cut) and RM_BOOT_INFO_OPTIONS_TRUNCATED says so. */
#define RM_BOOT_INFO_OPTIONS_SIZE       256u

/* rm_boot_info.flags */
#define RM_BOOT_INFO_OPTIONS_TRUNCATED     (1u << 0)  /* some rm. words did not fit in options */
#define RM_BOOT_INFO_RAM_RANGES_TRUNCATED  (1u << 1)  /* more free RAM ranges than ram_ranges holds */
#define RM_BOOT_INFO_BOARD_DTB             (1u << 2)  /* board_dtb holds the board's own DTB */

/* On a board whose primary VM gets the board's own device tree (a Qualcomm one), the
 * hypervisor copies the DTB it booted with into the RM's RAM, directly below boot info
 * (board_dtb.base = the boot info's IPA - board_dtb.size rounded up to 4 KiB), so the RM
 * reads it inside its own RAM like everything else. At most this many bytes: Qualcomm
 * trees are 100 to 250 KiB; the RM's image, BSS and stack must end below it. */
#define RM_BOOT_INFO_BOARD_DTB_MAX_SIZE    0x80000u   /* 512 KiB */

/* The RM's RAM: a 2 MiB-aligned physical range of RM_RAM_SIZE bytes, mapped in the RM's
 * stage-2 address space at IPA = PA. The hypervisor copies rm.bin (a flat binary whose
 * first byte is its entry point) to its start and writes this structure at its top,
 * 4 KiB aligned: IPA ram_ipa.base + ram_ipa.size - RM_BOOT_INFO_RESERVED_SIZE, which is
 * what x0 holds at entry. The RM's image, BSS and stack end below it. */
#define RM_RAM_SIZE                     0x400000u    /* 4 MiB */
#define RM_RAM_ALIGNMENT                0x200000u    /* 2 MiB */
#define RM_BOOT_INFO_ALIGNMENT          4096u

/* rm_boot_module.kind: from the module's "multiboot,*" compatible. 0 is never used. */
#define RM_BOOT_MODULE_KERNEL           1u   /* multiboot,kernel */
#define RM_BOOT_MODULE_RAMDISK          2u   /* multiboot,ramdisk */
#define RM_BOOT_MODULE_OTHER            3u   /* any other multiboot,module */

/* rm_boot_module.flags */
#define RM_BOOT_MODULE_BOOTARGS_TRUNCATED  (1u << 0)  /* bootargs were longer than the field */

/* A [base, base + size) range. */
struct rm_boot_range {
    uint64_t base;
    uint64_t size;
};
GUNYAH_ASSERT_SIZE(struct rm_boot_range, 16);
GUNYAH_ASSERT_OFFSET(struct rm_boot_range, size, 8);

/* One module a boot loader placed in RAM (QEMU's guest-loader: /chosen/module@*). */
struct rm_boot_module {
    uint32_t kind;                  /* RM_BOOT_MODULE_* */
    uint32_t flags;                 /* RM_BOOT_MODULE_BOOTARGS_TRUNCATED */
    struct rm_boot_range phys;      /* where its bytes are */
    uint64_t memextent_cap;         /* a memextent covering phys, in the RM's cspace */
    char bootargs[RM_BOOT_INFO_BOOTARGS_SIZE];  /* NUL-terminated; empty when none */
};
GUNYAH_ASSERT_SIZE(struct rm_boot_module, 1056);
GUNYAH_ASSERT_OFFSET(struct rm_boot_module, flags, 4);
GUNYAH_ASSERT_OFFSET(struct rm_boot_module, phys, 8);
GUNYAH_ASSERT_OFFSET(struct rm_boot_module, memextent_cap, 24);
GUNYAH_ASSERT_OFFSET(struct rm_boot_module, bootargs, 32);

/* One range of device memory (MMIO) the RM may map into VMs: physical, page aligned,
 * under a root memextent of memtype device with read-write access. Device memory is
 * every page below the top of RAM that is not RAM and not a device the hypervisor keeps
 * (the GIC, its console UART, the SMMUs): the MMIO the board's device tree describes,
 * and whatever unnamed space lies between. */
struct rm_boot_device_range {
    struct rm_boot_range phys;
    uint64_t memextent_cap;
};
GUNYAH_ASSERT_SIZE(struct rm_boot_device_range, 24);
GUNYAH_ASSERT_OFFSET(struct rm_boot_device_range, memextent_cap, 16);

/* The machine, as the kernel discovered it: what the primary VM's device tree shows at
 * the same addresses (the vGIC and the virtual PL011 sit where the real ones are). */
struct rm_boot_platform {
    struct rm_boot_range gicd;      /* GICv3 distributor */
    struct rm_boot_range gicr;      /* first GICv3 redistributor region */
    uint64_t gicr_stride;           /* 0: frames packed (2 x 64 KiB per CPU) */
    struct rm_boot_range uart;      /* VMs' virtual PL011 (RM_BOOT_INFO_VUART_SIZE bytes): at
                                       the hypervisor's console's address, PL011 or not
                                       (a GENI UART on Qualcomm boards); empty when none */
    uint32_t uart_intid;            /* its SPI: the console's own */
    uint32_t gic_maintenance_intid; /* PPI */
    uint32_t timer_secure_phys_intid;     /* PPIs, the timer binding's order */
    uint32_t timer_nonsecure_phys_intid;
    uint32_t timer_virt_intid;
    uint32_t timer_hyp_phys_intid;
    uint32_t timer_frequency_hz;    /* 0: read CNTFRQ_EL0 */
    uint32_t cpu_count;             /* entries of cpu_mpidrs */
    uint32_t boot_cpu;              /* index in cpu_mpidrs of the CPU that booted */
    uint32_t reserved0;
    uint64_t cpu_mpidrs[RM_BOOT_INFO_MAX_CPUS];  /* affinity fields of each physical CPU */
};
GUNYAH_ASSERT_SIZE(struct rm_boot_platform, 96 + 8 * RM_BOOT_INFO_MAX_CPUS);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, gicr, 16);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, gicr_stride, 32);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, uart, 40);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, uart_intid, 56);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, gic_maintenance_intid, 60);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, timer_secure_phys_intid, 64);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, timer_nonsecure_phys_intid, 68);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, timer_virt_intid, 72);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, timer_hyp_phys_intid, 76);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, timer_frequency_hz, 80);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, cpu_count, 84);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, boot_cpu, 88);
GUNYAH_ASSERT_OFFSET(struct rm_boot_platform, cpu_mpidrs, 96);

struct rm_boot_info {
    uint32_t magic;                 /* RM_BOOT_INFO_MAGIC */
    uint16_t version;               /* RM_BOOT_INFO_VERSION */
    uint16_t reserved0;
    uint32_t size;                  /* sizeof(struct rm_boot_info) as the kernel built it */
    uint32_t reserved1;

    /* The RM's own objects, in its own cspace. */
    uint64_t partition_cap;         /* the root partition: new objects and VM memory come from it */
    uint64_t cspace_cap;            /* the RM's cspace (where these caps live) */
    uint64_t addrspace_cap;         /* the RM's stage-2 address space */
    uint64_t ram_memextent_cap;     /* a memextent covering the RM's RAM */
    struct rm_boot_range ram_ipa;   /* the RM's RAM as the RM sees it */
    struct rm_boot_range ram_phys;  /* the same RAM, physically */

    uint32_t module_count;          /* entries of modules */
    uint32_t ram_range_count;       /* entries of ram_ranges */
    /* Free physical RAM of the root partition, which the RM may give to VMs. Sorted by
     * base, not overlapping, none holding the hypervisor, the RM or a module. */
    struct rm_boot_range ram_ranges[RM_BOOT_INFO_MAX_RAM_RANGES];

    struct rm_boot_platform platform;
    struct rm_boot_module modules[RM_BOOT_INFO_MAX_MODULES];

    uint32_t flags;                 /* RM_BOOT_INFO_OPTIONS_TRUNCATED, _RAM_RANGES_TRUNCATED */
    uint32_t reserved2;
    char options[RM_BOOT_INFO_OPTIONS_SIZE];  /* the "rm." command-line words; NUL-terminated */

    /* The RM's own virtual GIC (version 2): at the platform's GICD/GICR addresses in its
     * address space, with the RM's vCPU at index 0 and SPIs 32 .. 32 + vic_spis - 1 free
     * for the RM to bind to its side of message queues and doorbells. */
    uint64_t vic_cap;
    uint32_t vic_spis;
    uint32_t reserved3;

    /* Version 3. The hypervisor's own image (code, data, BSS), physical: RAM no VM gets. */
    struct rm_boot_range hyp_phys;
    /* With RM_BOOT_INFO_BOARD_DTB: the board's DTB as the RM sees it, an IPA range in the
     * RM's RAM below boot info, size = the tree's totalsize. Otherwise zero. */
    struct rm_boot_range board_dtb;

    /* Version 4. Device memory, sorted by base, not overlapping. None when the machine's
     * device memory takes more ranges than this holds (the kernel's log says so). */
    uint32_t device_range_count;
    uint32_t reserved4;
    struct rm_boot_device_range device_ranges[RM_BOOT_INFO_MAX_DEVICE_RANGES];

    /* Version 4. Hardware interrupts (Gunyah's vic_hwirq): hwirq_caps[i] is the hwirq
     * object of physical SPI INTID 32 + i, for hwirq_bind_virq; GUNYAH_CAP_ID_INVALID
     * where the hypervisor handles the SPI itself (its console's). The first hwirq_count
     * entries are the GIC's SPIs; the rest are invalid. */
    uint32_t hwirq_count;
    uint32_t reserved5;
    uint64_t hwirq_caps[RM_BOOT_INFO_MAX_HWIRQS];
};
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, version, 4);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, size, 8);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, partition_cap, 16);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, cspace_cap, 24);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, addrspace_cap, 32);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, ram_memextent_cap, 40);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, ram_ipa, 48);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, ram_phys, 64);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, module_count, 80);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, ram_range_count, 84);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, ram_ranges, 88);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, platform, 88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, modules,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, flags,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, options,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, vic_cap,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, hyp_phys,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 16);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, board_dtb,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 32);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, device_range_count,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 48);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, device_ranges,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 56);
GUNYAH_ASSERT_OFFSET(struct rm_boot_info, hwirq_caps,
                     88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                         1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 56 +
                         24 * RM_BOOT_INFO_MAX_DEVICE_RANGES + 8);
GUNYAH_ASSERT_SIZE(struct rm_boot_info,
                   88 + 16 * RM_BOOT_INFO_MAX_RAM_RANGES + 96 + 8 * RM_BOOT_INFO_MAX_CPUS +
                       1056 * RM_BOOT_INFO_MAX_MODULES + 8 + RM_BOOT_INFO_OPTIONS_SIZE + 56 +
                       24 * RM_BOOT_INFO_MAX_DEVICE_RANGES + 8 + 8 * RM_BOOT_INFO_MAX_HWIRQS);
/* 88 + 256 + 608 + 8448 + 8 + 256 + 56 + 768 + 8 + 7904 = 18400 bytes: five 4 KiB pages. */

/* The bytes the structure takes at the top of the RM's RAM: its size rounded up to
 * RM_BOOT_INFO_ALIGNMENT (20 KiB). */
#define RM_BOOT_INFO_RESERVED_SIZE \
    ((sizeof(struct rm_boot_info) + RM_BOOT_INFO_ALIGNMENT - 1u) & ~(uint64_t)(RM_BOOT_INFO_ALIGNMENT - 1u))

#endif
