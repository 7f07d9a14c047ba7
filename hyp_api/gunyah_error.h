/*
 * Gunyah hypervisor error codes, as returned in x0 by hypercalls.
 * Numbers from the published Gunyah ABI (shared/reference/gunyah-abi.md and
 * gunyah-hypercalls.md). Codes 110 and 111 are only called "memdb" there; their
 * names are those of the public Gunyah sources.
 * Plain C so that the kernel, the resource manager, test guests and a Linux
 * driver can all include it; nothing else defines these numbers.
 */
#ifndef HYP_API_GUNYAH_ERROR_H
#define HYP_API_GUNYAH_ERROR_H

#define GUNYAH_ERROR_OK                     0
#define GUNYAH_ERROR_UNIMPLEMENTED          (-1)
#define GUNYAH_ERROR_RETRY                  (-2)
#define GUNYAH_ERROR_ARG_INVAL              1
#define GUNYAH_ERROR_ARG_SIZE               2
#define GUNYAH_ERROR_ARG_ALIGN              3
#define GUNYAH_ERROR_NOMEM                  10
#define GUNYAH_ERROR_NORESOURCES            11
#define GUNYAH_ERROR_ADDR_OVFL              20
#define GUNYAH_ERROR_ADDR_UNFL              21
#define GUNYAH_ERROR_ADDR_INVAL             22
#define GUNYAH_ERROR_DENIED                 30
#define GUNYAH_ERROR_BUSY                   31
#define GUNYAH_ERROR_IDLE                   32
#define GUNYAH_ERROR_OBJECT_STATE           33
#define GUNYAH_ERROR_OBJECT_CONFIG          34
#define GUNYAH_ERROR_OBJECT_CONFIGURED      35
#define GUNYAH_ERROR_FAILURE                36
#define GUNYAH_ERROR_IRQ_BOUND              40
#define GUNYAH_ERROR_IRQ_UNBOUND            41
#define GUNYAH_ERROR_CSPACE_CAP_NULL        50
#define GUNYAH_ERROR_CSPACE_CAP_REVOKED     51
#define GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE  52
#define GUNYAH_ERROR_CSPACE_INSUF_RIGHTS    53
#define GUNYAH_ERROR_CSPACE_FULL            54
#define GUNYAH_ERROR_MSGQUEUE_EMPTY         60
#define GUNYAH_ERROR_MSGQUEUE_FULL          61
/* The memory database: nothing recorded for the range, or the range is owned by
 * someone other than the object named in the call. */
#define GUNYAH_ERROR_MEMDB_EMPTY            110
#define GUNYAH_ERROR_MEMDB_NOT_OWNER        111
#define GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL 120
#define GUNYAH_ERROR_MEMEXTENT_TYPE         121
#define GUNYAH_ERROR_EXISTING_MAPPING       200

/* Every code above, once, as X(name, NAME) with NAME the suffix of its GUNYAH_ERROR_
 * macro: the one list the C++ enums (support/error.h, hyp_api/client/call.h) and the name
 * tables are built from, so none of them can miss a code. */
#define GUNYAH_ERRORS(X) \
    X(ok, OK) \
    X(unimplemented, UNIMPLEMENTED) \
    X(retry, RETRY) \
    X(arg_inval, ARG_INVAL) \
    X(arg_size, ARG_SIZE) \
    X(arg_align, ARG_ALIGN) \
    X(nomem, NOMEM) \
    X(noresources, NORESOURCES) \
    X(addr_ovfl, ADDR_OVFL) \
    X(addr_unfl, ADDR_UNFL) \
    X(addr_inval, ADDR_INVAL) \
    X(denied, DENIED) \
    X(busy, BUSY) \
    X(idle, IDLE) \
    X(object_state, OBJECT_STATE) \
    X(object_config, OBJECT_CONFIG) \
    X(object_configured, OBJECT_CONFIGURED) \
    X(failure, FAILURE) \
    X(irq_bound, IRQ_BOUND) \
    X(irq_unbound, IRQ_UNBOUND) \
    X(cspace_cap_null, CSPACE_CAP_NULL) \
    X(cspace_cap_revoked, CSPACE_CAP_REVOKED) \
    X(cspace_wrong_obj_type, CSPACE_WRONG_OBJ_TYPE) \
    X(cspace_insuf_rights, CSPACE_INSUF_RIGHTS) \
    X(cspace_full, CSPACE_FULL) \
    X(msgqueue_empty, MSGQUEUE_EMPTY) \
    X(msgqueue_full, MSGQUEUE_FULL) \
    X(memdb_empty, MEMDB_EMPTY) \
    X(memdb_not_owner, MEMDB_NOT_OWNER) \
    X(memextent_mappings_full, MEMEXTENT_MAPPINGS_FULL) \
    X(memextent_type, MEMEXTENT_TYPE) \
    X(existing_mapping, EXISTING_MAPPING)

#endif
