// virt::GuestMemory over an address space (see addrspace_guest_memory.h).
#include "kernel/object/addrspace_guest_memory.h"

namespace hyp {

bool AddrSpaceGuestMemory::is_executable_ram(Ipa ipa) const
{
    Result<mem::Stage2Mapping> m = as_.translate(ipa);
    return m.ok() && mem::has_right(m->attrs.access, mem::stage2_access_x) && !mem::is_device(m->attrs.type);
}

bool AddrSpaceGuestMemory::is_mapped(Ipa ipa) const
{
    return as_.translate(ipa).ok();
}

}  // namespace hyp
