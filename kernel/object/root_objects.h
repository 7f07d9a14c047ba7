// The objects that exist from boot: the memdb holding every byte of RAM, the root
// partition holding all RAM the hypervisor does not use itself, and the root cspace
// holding caps to both. The resource manager will be given these.
#pragma once

#include <cstddef>

#include "support/addr.h"
#include "support/result.h"
#include "kernel/mem/memdb.h"
#include "kernel/object/cspace.h"
#include "kernel/object/partition.h"

namespace hyp {

struct RootObjects {
    mem::Memdb* memdb = nullptr;
    Partition* partition = nullptr;
    CSpace* cspace = nullptr;
    CapId partition_cap = invalid_cap_id;
    CapId cspace_cap = invalid_cap_id;
};

// The machine's RAM as boot code found it; this file knows no board or device tree.
struct BootRam {
    const PhysRange* ram = nullptr;  // every RAM range, reserved parts included
    std::size_t ram_count = 0;
    const PhysRange* usable = nullptr;  // RAM less what firmware reserved: sorted, disjoint
    std::size_t usable_count = 0;
};

// Device memory (MMIO) that VMs may be given: sorted, disjoint, page aligned, none of
// it RAM. Tracked in the memdb as the root partition's device memory.
struct BootDeviceMemory {
    const PhysRange* ranges = nullptr;
    std::size_t count = 0;
};

// `kept` are ranges of RAM the hypervisor keeps for itself (its image, the device tree,
// boot modules): owned by the hypervisor in the memdb, never allocatable.
[[nodiscard]] Result<RootObjects> create_root_objects(const BootRam& ram, const BootDeviceMemory& devices,
                                                      const PhysRange* kept, std::size_t kept_count);

[[nodiscard]] const RootObjects& root_objects();

}  // namespace hyp
