/*
 * The flag words of the memory calls: access rights, memextent attributes, mapping and
 * access attributes (addrspace_map/update_access), addrspace map flags, memextent
 * modify flags and donate options.
 * All are u32 words passed in one register; bits not defined here are reserved.
 * Layouts from shared/reference/gunyah-hypercalls.md ("Memory flag layouts"). Plain C.
 * The flag words of the other objects (vCPU, message queue, ...) are in gunyah_objects.h.
 */
#ifndef HYP_API_GUNYAH_MEMORY_H
#define HYP_API_GUNYAH_MEMORY_H

#include "hyp_api/gunyah_common.h"

/* ---- access: a 3-bit set of R/W/X ------------------------------------------------------ */
#define GUNYAH_ACCESS_NONE                      0x0u
#define GUNYAH_ACCESS_X                         0x1u
#define GUNYAH_ACCESS_W                         0x2u
#define GUNYAH_ACCESS_R                         0x4u
#define GUNYAH_ACCESS_RX                        0x5u
#define GUNYAH_ACCESS_RW                        0x6u
#define GUNYAH_ACCESS_RWX                       0x7u
#define GUNYAH_ACCESS_MASK                      0x7u

/* ---- memextent_attrs (memextent_configure, memextent_configure_derive) -------------------
 * Bits 2:0 the most access any mapping of the extent may grant, 9:8 the memory type
 * mappings must use, 17:16 basic or sparse extent, 31 append. All other bits must be 0:
 * the hypervisor rejects a word with any bit outside GUNYAH_MEMEXTENT_ATTRS_VALID_MASK. */
#define GUNYAH_MEMEXTENT_ATTRS_ACCESS_SHIFT     0
#define GUNYAH_MEMEXTENT_ATTRS_ACCESS_MASK      0x00000007u
#define GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_SHIFT    8
#define GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_MASK     0x00000300u
#define GUNYAH_MEMEXTENT_ATTRS_TYPE_SHIFT       16
#define GUNYAH_MEMEXTENT_ATTRS_TYPE_MASK        0x00030000u
#define GUNYAH_MEMEXTENT_ATTRS_APPEND           0x80000000u
#define GUNYAH_MEMEXTENT_ATTRS_VALID_MASK \
    (GUNYAH_MEMEXTENT_ATTRS_ACCESS_MASK | GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_MASK | \
     GUNYAH_MEMEXTENT_ATTRS_TYPE_MASK | GUNYAH_MEMEXTENT_ATTRS_APPEND)

/* memtype field values */
#define GUNYAH_MEMEXTENT_MEMTYPE_ANY            0u
#define GUNYAH_MEMEXTENT_MEMTYPE_DEVICE         1u
#define GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED       2u
#define GUNYAH_MEMEXTENT_MEMTYPE_CACHED         3u
/* type field values */
#define GUNYAH_MEMEXTENT_TYPE_BASIC             0u
#define GUNYAH_MEMEXTENT_TYPE_SPARSE            1u

#define GUNYAH_MEMEXTENT_ATTRS(access, memtype, type) \
    ((((uint32_t)(access) << GUNYAH_MEMEXTENT_ATTRS_ACCESS_SHIFT) & GUNYAH_MEMEXTENT_ATTRS_ACCESS_MASK) | \
     (((uint32_t)(memtype) << GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_SHIFT) & GUNYAH_MEMEXTENT_ATTRS_MEMTYPE_MASK) | \
     (((uint32_t)(type) << GUNYAH_MEMEXTENT_ATTRS_TYPE_SHIFT) & GUNYAH_MEMEXTENT_ATTRS_TYPE_MASK))

/* ---- mapping_attrs (addrspace_map; returned by addrspace_lookup) -------------------------
 * Bits 2:0 access for EL0, 6:4 access for EL1, 23:16 the stage-2 memory type. The
 * reference does not say whether the other bits must be 0; senders should keep them 0. */
#define GUNYAH_MAPPING_ATTRS_USER_ACCESS_SHIFT      0
#define GUNYAH_MAPPING_ATTRS_USER_ACCESS_MASK       0x00000007u
#define GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_SHIFT    4
#define GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_MASK     0x00000070u
#define GUNYAH_MAPPING_ATTRS_MEMTYPE_SHIFT          16
#define GUNYAH_MAPPING_ATTRS_MEMTYPE_MASK           0x00FF0000u
#define GUNYAH_MAPPING_ATTRS_DEFINED_MASK \
    (GUNYAH_MAPPING_ATTRS_USER_ACCESS_MASK | GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_MASK | \
     GUNYAH_MAPPING_ATTRS_MEMTYPE_MASK)

#define GUNYAH_MAPPING_ATTRS(user_access, kernel_access, memtype) \
    ((((uint32_t)(user_access) << GUNYAH_MAPPING_ATTRS_USER_ACCESS_SHIFT) & GUNYAH_MAPPING_ATTRS_USER_ACCESS_MASK) | \
     (((uint32_t)(kernel_access) << GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_SHIFT) & GUNYAH_MAPPING_ATTRS_KERNEL_ACCESS_MASK) | \
     (((uint32_t)(memtype) << GUNYAH_MAPPING_ATTRS_MEMTYPE_SHIFT) & GUNYAH_MAPPING_ATTRS_MEMTYPE_MASK))

/* Stage-2 memory types (the memtype field above). Device memory, strongest first: */
#define GUNYAH_S2_MEMTYPE_DEVICE_NGNRNE         0x0u
#define GUNYAH_S2_MEMTYPE_DEVICE_NGNRE          0x1u
#define GUNYAH_S2_MEMTYPE_DEVICE_NGRE           0x2u
#define GUNYAH_S2_MEMTYPE_DEVICE_GRE            0x3u
/* Normal memory: O = outer, I = inner; NC non-cacheable, WT write-through, WB write-back.
 * A single pair of letters (WT, WB) means inner and outer alike. */
#define GUNYAH_S2_MEMTYPE_NORMAL_NC             0x5u
#define GUNYAH_S2_MEMTYPE_NORMAL_ONC_IWT        0x6u
#define GUNYAH_S2_MEMTYPE_NORMAL_ONC_IWB        0x7u
#define GUNYAH_S2_MEMTYPE_NORMAL_OWT_INC        0x9u
#define GUNYAH_S2_MEMTYPE_NORMAL_WT             0xAu
#define GUNYAH_S2_MEMTYPE_NORMAL_OWT_IWB        0xBu
#define GUNYAH_S2_MEMTYPE_NORMAL_OWB_INC        0xDu
#define GUNYAH_S2_MEMTYPE_NORMAL_OWB_IWT        0xEu
#define GUNYAH_S2_MEMTYPE_NORMAL_WB             0xFu

/* ---- access_attrs (addrspace_update_access): bits 2:0 EL0, 6:4 EL1 --------------------- */
#define GUNYAH_ACCESS_ATTRS_USER_SHIFT          0
#define GUNYAH_ACCESS_ATTRS_USER_MASK           0x00000007u
#define GUNYAH_ACCESS_ATTRS_KERNEL_SHIFT        4
#define GUNYAH_ACCESS_ATTRS_KERNEL_MASK         0x00000070u
#define GUNYAH_ACCESS_ATTRS(user_access, kernel_access) \
    ((((uint32_t)(user_access) << GUNYAH_ACCESS_ATTRS_USER_SHIFT) & GUNYAH_ACCESS_ATTRS_USER_MASK) | \
     (((uint32_t)(kernel_access) << GUNYAH_ACCESS_ATTRS_KERNEL_SHIFT) & GUNYAH_ACCESS_ATTRS_KERNEL_MASK))

/* ---- addrspace_map_flags (addrspace_map, unmap, update_access) --------------------------
 * partial: act on [offset, offset + size) of the extent only (otherwise offset and size
 * are ignored and the whole extent is meant). no_sync: the caller will synchronise TLBs
 * later itself, so the call may return before stale translations are gone. */
#define GUNYAH_ADDRSPACE_MAP_PARTIAL            0x00000001u
#define GUNYAH_ADDRSPACE_MAP_NO_SYNC            0x80000000u
#define GUNYAH_ADDRSPACE_MAP_FLAGS_VALID_MASK \
    (GUNYAH_ADDRSPACE_MAP_PARTIAL | GUNYAH_ADDRSPACE_MAP_NO_SYNC)

/* addrspace_configure_vmmio op: add or remove a virtual-MMIO range (faults there exit to
 * the vCPU's owner through vcpu_run). */
#define GUNYAH_ADDRSPACE_VMMIO_ADD              0u
#define GUNYAH_ADDRSPACE_VMMIO_REMOVE           1u

/* ---- memextent modify_flags (memextent_modify) -----------------------------------------
 * Bits 7:0 the operation; the *_RANGE ones use the offset and size arguments. */
#define GUNYAH_MEMEXTENT_MODIFY_OP_MASK         0x000000FFu
#define GUNYAH_MEMEXTENT_MODIFY_NO_SYNC         0x80000000u
#define GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL       0u
#define GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE      1u
#define GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE 2u
#define GUNYAH_MEMEXTENT_MODIFY_CACHE_FLUSH_RANGE 3u
/* No range: completes the maintenance that earlier no_sync calls left pending. */
#define GUNYAH_MEMEXTENT_MODIFY_SYNC_ALL        255u

/* ---- donate_options (memextent_donate) ---------------------------------------------------
 * Bits 7:0 which way memory moves between the "from" and "to" caps: parent to child,
 * child to parent, or between siblings (children of one parent). */
#define GUNYAH_DONATE_TYPE_MASK                 0x000000FFu
#define GUNYAH_DONATE_NO_SYNC                   0x80000000u
#define GUNYAH_DONATE_TO_CHILD                  0u
#define GUNYAH_DONATE_TO_PARENT                 1u
#define GUNYAH_DONATE_TO_SIBLING                2u

#endif
