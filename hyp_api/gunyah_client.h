// The EL1 client library for Gunyah hypercalls (C++ only, header-only): what the
// resource manager and test guests include. One inline wrapper per call of
// gunyah_hypercalls.h, in namespace gunyah, taking arguments in register order and
// returning the error plus any result registers as a named struct.
//   client/call.h      call(n, ...), call_native<n>(...), Error and result types
//   client/identify.h  hyp_identify, vendor-hyp UID and revision, SMCCC version
//   client/objects.h   partition_create_*, object_*, cspace_*
//   client/memory.h    addrspace_*, memextent_*
//   client/ipc.h       doorbell_*, msgqueue_*
//   client/vcpu.h      vcpu_*, vic/hwirq, vpm_group_*, scheduler, trace, prng, watchdog
//   client/virtio.h    virtio_mmio_*, virtio_input_*
// The C headers with the numbers and flag layouts come along, so a client needs only
// this include.
#pragma once

#ifndef __cplusplus
#error "gunyah_client.h is C++; C code uses the numbers in gunyah_hypercalls.h directly"
#endif

#include "hyp_api/gunyah_error.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"

#include "hyp_api/client/call.h"
#include "hyp_api/client/identify.h"
#include "hyp_api/client/ipc.h"
#include "hyp_api/client/memory.h"
#include "hyp_api/client/objects.h"
#include "hyp_api/client/vcpu.h"
#include "hyp_api/client/virtio.h"
