// Generic create and activate (see lifecycle.h).
#include "kernel/object/lifecycle.h"

#include "hyp_api/gunyah_rights.h"
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

}  // namespace

Result<Object*> create_object(Partition& partition, ObjectType type)
{
    Object* object = nullptr;
    switch (type) {
    case ObjectType::partition: {
        Result<Partition*> p = partition.create<Partition>(partition.memdb(), &partition);
        if (!p) {
            return fail(p.error());
        }
        object = *p;
        break;
    }
    case ObjectType::cspace: {
        Result<CSpace*> c = partition.create<CSpace>();
        if (!c) {
            return fail(c.error());
        }
        object = *c;
        break;
    }
    case ObjectType::memextent: {
        Result<MemExtent*> e = partition.create<MemExtent>();
        if (!e) {
            return fail(e.error());
        }
        object = *e;
        break;
    }
    case ObjectType::addrspace: {
        Result<AddrSpace*> a = partition.create<AddrSpace>();
        if (!a) {
            return fail(a.error());
        }
        object = *a;
        break;
    }
    case ObjectType::thread: {
        Result<Vcpu*> v = partition.create<Vcpu>();
        if (!v) {
            return fail(v.error());
        }
        object = *v;
        break;
    }
    case ObjectType::vic: {
        Result<Vic*> v = partition.create<Vic>();
        if (!v) {
            return fail(v.error());
        }
        object = *v;
        break;
    }
    case ObjectType::vpm_group: {
        Result<VpmGroup*> g = partition.create<VpmGroup>();
        if (!g) {
            return fail(g.error());
        }
        object = *g;
        break;
    }
    default:
        return fail(Error::unimplemented);
    }
    object->retain();
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
