// hyp_debug_stats (hyp_api/hyp_debug.h): ours, off unless the command line says
// hyp.debug_calls=1, for leak tests that compare the counts before and after a VM's life.
#include "hyp_api/hyp_debug.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/object.h"
#include "kernel/object/partition.h"

namespace hyp::hypercall {
namespace {

constinit bool debug_calls = false;
constinit Partition* stats_partition = nullptr;

}  // namespace

void enable_debug_calls(bool on) { __atomic_store_n(&debug_calls, on, __ATOMIC_RELAXED); }

bool debug_calls_enabled() { return __atomic_load_n(&debug_calls, __ATOMIC_RELAXED); }

void set_debug_partition(Partition* root) { stats_partition = root; }

// (R0) -> x1 root partition free bytes, x2 live objects, x3 live capabilities.
Return hyp_debug_stats(Caller&, const Args&)
{
    Partition* root = stats_partition;
    return ok_return(root != nullptr ? root->free_bytes() : 0, live_objects(), live_caps());
}

}  // namespace hyp::hypercall
