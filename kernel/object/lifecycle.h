// Creating objects of any type in a partition and activating them: the generic half of
// the partition_create_* and object_activate hypercalls. Each type's own rules (what
// configuration it needs, what activation allocates) live with the type.
#pragma once

#include "support/result.h"
#include "kernel/object/object.h"

namespace hyp {

class Partition;

// A new object of `type` in state init, made from `partition`'s memory, with one
// reference for the caller. Types this build cannot create: Error::unimplemented.
[[nodiscard]] Result<Object*> create_object(Partition& partition, ObjectType type);

// init -> active once its configuration is complete: object_state when not in init,
// object_config when something it needs was not configured, nomem when what activation
// allocates does not fit. On failure the object stays in init, unchanged.
[[nodiscard]] Status activate_object(Object& object);

// All the rights a new object's first cap gets.
[[nodiscard]] std::uint32_t all_rights(ObjectType type);

}  // namespace hyp
