/*
 * What the other hyp_api headers need to state a layout the same way in C and in C++:
 * a static assertion that reads the same in both, the packing attribute for wire
 * structs, and a refusal to build for a big-endian target (every wire struct here is
 * little-endian and is read by plain member access).
 * Depends on nothing but <stdint.h> and <stddef.h>, which freestanding C and C++ provide;
 * in a Linux kernel module (linux/gunyah), which has neither, on the kernel's own
 * <linux/types.h> and <linux/stddef.h>, which define the same names.
 */
#ifndef HYP_API_GUNYAH_COMMON_H
#define HYP_API_GUNYAH_COMMON_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/* C11 spells it _Static_assert, C++ static_assert; C23 has both. */
#ifdef __cplusplus
#define GUNYAH_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define GUNYAH_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/*
 * Wire structs have no padding and byte alignment, so a struct can be laid over any
 * byte of a received buffer. Members that are packed cannot be bound to references
 * (C++) or have their address taken: copy them out.
 */
#define GUNYAH_PACKED __attribute__((packed))

/* Size and field-offset pins, written once per field next to each struct. */
#define GUNYAH_ASSERT_SIZE(type, size) \
    GUNYAH_STATIC_ASSERT(sizeof(type) == (size), "size of " #type " is part of the ABI")
#define GUNYAH_ASSERT_OFFSET(type, field, offset) \
    GUNYAH_STATIC_ASSERT(offsetof(type, field) == (offset), \
                         "offset of " #type "." #field " is part of the ABI")

/* The ABI is little-endian (hyp_identify reports big-endian = 0) and the structs here
 * are read natively, so a big-endian build would silently misread every message. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hyp_api wire structs are little-endian; a big-endian build needs byte-swapping accessors"
#endif
#endif

#endif
