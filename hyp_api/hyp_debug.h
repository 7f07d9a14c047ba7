/*
 * Our own vendor calls, not Gunyah's: numbers in Gunyah's hypercall range that Gunyah does
 * not assign, answered only when the hypervisor's command line enables them (otherwise
 * they return -1 like any unknown number). docs/objects.md lists them. Plain C.
 */
#ifndef HYP_API_HYP_DEBUG_H
#define HYP_API_HYP_DEBUG_H

#include "hyp_api/gunyah_hypercalls.h"

/* hyp_debug_stats: HVC #0x61F0 (native) or SMCCC id 0xC60081F0, no inputs (R0).
 * x0 OK, x1 free bytes in the root partition's page allocator, x2 live kernel objects
 * (every type), x3 live capabilities in all cspaces. For leak tests; enabled by
 * `hyp.debug_calls=1`. (0x1FF stays unassigned: tests/guest/bad_args.cpp checks it.) */
#define HYP_HC_DEBUG_STATS                      0x1F0u

#endif
