// Object type names, for logs.
#include "kernel/object/object.h"

namespace hyp {
namespace {

constinit std::uint64_t live = 0;

}  // namespace

void Object::count_live(std::int64_t delta)
{
    __atomic_fetch_add(&live, static_cast<std::uint64_t>(delta), __ATOMIC_RELAXED);
}

std::uint64_t live_objects() { return __atomic_load_n(&live, __ATOMIC_RELAXED); }

const char* object_type_name(ObjectType type)
{
    switch (type) {
    case ObjectType::none: return "none";
    case ObjectType::partition: return "partition";
    case ObjectType::cspace: return "cspace";
    case ObjectType::addrspace: return "addrspace";
    case ObjectType::memextent: return "memextent";
    case ObjectType::thread: return "thread";
    case ObjectType::doorbell: return "doorbell";
    case ObjectType::msgqueue: return "msgqueue";
    case ObjectType::vic: return "vic";
    case ObjectType::vpm_group: return "vpm_group";
    case ObjectType::hwirq: return "hwirq";
    }
    return "unknown";
}

}  // namespace hyp
