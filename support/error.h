// Error values used throughout the kernel: Gunyah's hypercall error codes, so a
// handler can hand its failure straight back to the caller in x0.
#pragma once

#include <cstdint>

#include "hyp_api/gunyah_error.h"

namespace hyp {

enum class Error : std::int64_t {
    ok = GUNYAH_ERROR_OK,
    unimplemented = GUNYAH_ERROR_UNIMPLEMENTED,
    retry = GUNYAH_ERROR_RETRY,
    arg_inval = GUNYAH_ERROR_ARG_INVAL,
    arg_size = GUNYAH_ERROR_ARG_SIZE,
    arg_align = GUNYAH_ERROR_ARG_ALIGN,
    nomem = GUNYAH_ERROR_NOMEM,
    noresources = GUNYAH_ERROR_NORESOURCES,
    addr_ovfl = GUNYAH_ERROR_ADDR_OVFL,
    addr_unfl = GUNYAH_ERROR_ADDR_UNFL,
    addr_inval = GUNYAH_ERROR_ADDR_INVAL,
    denied = GUNYAH_ERROR_DENIED,
    busy = GUNYAH_ERROR_BUSY,
    idle = GUNYAH_ERROR_IDLE,
    object_state = GUNYAH_ERROR_OBJECT_STATE,
    object_config = GUNYAH_ERROR_OBJECT_CONFIG,
    object_configured = GUNYAH_ERROR_OBJECT_CONFIGURED,
    failure = GUNYAH_ERROR_FAILURE,
    irq_bound = GUNYAH_ERROR_IRQ_BOUND,
    irq_unbound = GUNYAH_ERROR_IRQ_UNBOUND,
    cspace_cap_null = GUNYAH_ERROR_CSPACE_CAP_NULL,
    cspace_cap_revoked = GUNYAH_ERROR_CSPACE_CAP_REVOKED,
    cspace_wrong_obj_type = GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE,
    cspace_insuf_rights = GUNYAH_ERROR_CSPACE_INSUF_RIGHTS,
    cspace_full = GUNYAH_ERROR_CSPACE_FULL,
    msgqueue_empty = GUNYAH_ERROR_MSGQUEUE_EMPTY,
    msgqueue_full = GUNYAH_ERROR_MSGQUEUE_FULL,
    memdb_empty = GUNYAH_ERROR_MEMDB_EMPTY,
    memdb_not_owner = GUNYAH_ERROR_MEMDB_NOT_OWNER,
    memextent_mappings_full = GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL,
    memextent_type = GUNYAH_ERROR_MEMEXTENT_TYPE,
    existing_mapping = GUNYAH_ERROR_EXISTING_MAPPING,
};

// A short lower-case name for logs ("arg_inval"); "unknown" for values outside the ABI.
[[nodiscard]] const char* error_name(Error e);

}  // namespace hyp
