// Names of the Gunyah error codes, for log messages.
#include "support/error.h"

namespace hyp {

const char* error_name(Error e)
{
    switch (e) {
    case Error::ok: return "ok";
    case Error::unimplemented: return "unimplemented";
    case Error::retry: return "retry";
    case Error::arg_inval: return "arg_inval";
    case Error::arg_size: return "arg_size";
    case Error::arg_align: return "arg_align";
    case Error::nomem: return "nomem";
    case Error::noresources: return "noresources";
    case Error::addr_ovfl: return "addr_ovfl";
    case Error::addr_unfl: return "addr_unfl";
    case Error::addr_inval: return "addr_inval";
    case Error::denied: return "denied";
    case Error::busy: return "busy";
    case Error::idle: return "idle";
    case Error::object_state: return "object_state";
    case Error::object_config: return "object_config";
    case Error::object_configured: return "object_configured";
    case Error::failure: return "failure";
    case Error::irq_bound: return "irq_bound";
    case Error::irq_unbound: return "irq_unbound";
    case Error::cspace_cap_null: return "cspace_cap_null";
    case Error::cspace_cap_revoked: return "cspace_cap_revoked";
    case Error::cspace_wrong_obj_type: return "cspace_wrong_obj_type";
    case Error::cspace_insuf_rights: return "cspace_insuf_rights";
    case Error::cspace_full: return "cspace_full";
    case Error::msgqueue_empty: return "msgqueue_empty";
    case Error::msgqueue_full: return "msgqueue_full";
    case Error::memdb_empty: return "memdb_empty";
    case Error::memdb_not_owner: return "memdb_not_owner";
    case Error::memextent_mappings_full: return "memextent_mappings_full";
    case Error::memextent_type: return "memextent_type";
    case Error::existing_mapping: return "existing_mapping";
    }
    return "unknown";
}

}  // namespace hyp
