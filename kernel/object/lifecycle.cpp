// Generic create and activate (see lifecycle.h).
#include "kernel/object/lifecycle.h"

#include <utility>

#include "hyp_api/gunyah_rights.h"
#include "kernel/ipc/doorbell.h"
#include "kernel/ipc/msgqueue.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/cspace.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"
#include "kernel/object/vpm_group.h"

namespace hyp {
namespace {

Status activate_cspace(CSpace& cspace)
{
    if (cspace.configured_capacity() == 0) {
        return fail(Error::object_config);
    }
    Partition* home = Partition::of(cspace);
    std::size_t pages = Partition::pages_for(cspace.configured_capacity() * sizeof(CapSlot));
    Result<PhysAddr> slots = home->allocate_pages(pages);
    if (!slots) {
        return fail(slots.error());
    }
    Status s = cspace.activate(static_cast<CapSlot*>(Partition::to_pointer(*slots)));
    if (!s) {
        home->free_pages(*slots, pages);
    }
    return s;
}

// A new T made from `partition`'s memory, as an Object.
template <typename T, typename... Args>
Result<Object*> make(Partition& partition, Args&&... args)
{
    Result<T*> made = partition.create<T>(std::forward<Args>(args)...);
    if (!made) {
        return fail(made.error());
    }
    return static_cast<Object*>(*made);
}

Result<Object*> construct(Partition& partition, ObjectType type)
{
    switch (type) {
    case ObjectType::partition: return make<Partition>(partition, partition.memdb(), &partition);
    case ObjectType::cspace: return make<CSpace>(partition);
    case ObjectType::memextent: return make<MemExtent>(partition);
    case ObjectType::addrspace: return make<AddrSpace>(partition);
    case ObjectType::thread: return make<Vcpu>(partition);
    case ObjectType::vic: return make<Vic>(partition);
    case ObjectType::vpm_group: return make<VpmGroup>(partition);
    case ObjectType::doorbell: return make<Doorbell>(partition);
    case ObjectType::msgqueue: return make<MsgQueue>(partition);
    default: return fail(Error::unimplemented);
    }
}

}  // namespace

Result<Object*> create_object(Partition& partition, ObjectType type)
{
    Result<Object*> object = construct(partition, type);
    if (object) {
        (*object)->retain();
    }
    return object;
}

Status activate_object(Object& object)
{
    if (object.state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    switch (object.type()) {
    case ObjectType::partition:
        object.mark_active();
        return success();
    case ObjectType::cspace:
        return activate_cspace(static_cast<CSpace&>(object));
    case ObjectType::memextent:
        return static_cast<MemExtent&>(object).activate();
    case ObjectType::addrspace:
        return static_cast<AddrSpace&>(object).activate();
    case ObjectType::thread:
        return static_cast<Vcpu&>(object).activate();
    case ObjectType::vpm_group:
        return static_cast<VpmGroup&>(object).activate();
    case ObjectType::vic:
        return static_cast<Vic&>(object).activate();
    case ObjectType::doorbell:
        return static_cast<Doorbell&>(object).activate();
    case ObjectType::msgqueue:
        return static_cast<MsgQueue&>(object).activate();
    default:
        return fail(Error::unimplemented);
    }
}

std::uint32_t all_rights(ObjectType type)
{
    switch (type) {
    case ObjectType::partition: return GUNYAH_RIGHTS_PARTITION_ALL;
    case ObjectType::cspace: return GUNYAH_RIGHTS_CSPACE_ALL;
    case ObjectType::addrspace: return GUNYAH_RIGHTS_ADDRSPACE_ALL;
    case ObjectType::memextent: return GUNYAH_RIGHTS_MEMEXTENT_ALL;
    case ObjectType::thread: return GUNYAH_RIGHTS_THREAD_ALL;
    case ObjectType::doorbell: return GUNYAH_RIGHTS_DOORBELL_ALL;
    case ObjectType::msgqueue: return GUNYAH_RIGHTS_MSGQUEUE_ALL;
    case ObjectType::vic: return GUNYAH_RIGHTS_VIC_ALL;
    case ObjectType::vpm_group: return GUNYAH_RIGHTS_VPM_GROUP_ALL;
    case ObjectType::hwirq: return GUNYAH_RIGHTS_HWIRQ_ALL;
    case ObjectType::none: return 0;
    }
    return 0;
}

}  // namespace hyp
