// hyp_identify: the API version and the feature flags of what this build implements.
#include "hyp_api/gunyah_hypercalls.h"
#include "kernel/hypercall/hypercall.h"

namespace hyp::hypercall {

std::uint64_t implemented_features0()
{
    // A flag is set only when every call of its interface works; partial interfaces stay
    // clear so that clients fall back rather than fail half-way. (object_reset answers
    // UNIMPLEMENTED, as Gunyah's own does.) vCPU (with register_write), VPM and vcpu_run
    // (with vcpu_run_check, the run-wakeup interrupt and addrspace_configure_vmmio) are
    // whole. Doorbells and message queues are whole (docs/ipc.md says what they leave out).
    return GUNYAH_FLAGS0_PARTITION_CSPACE | GUNYAH_FLAGS0_DOORBELL | GUNYAH_FLAGS0_MSGQUEUE | GUNYAH_FLAGS0_VPM |
           GUNYAH_FLAGS0_VCPU | GUNYAH_FLAGS0_MEMEXTENT | GUNYAH_FLAGS0_VCPU_RUN;
}

Return hyp_identify(Caller&, const Args&)
{
    Return r;
    r.x[0] = GUNYAH_API_INFO(GUNYAH_API_VERSION, /*big_endian=*/0, /*is_64bit=*/1, /*variant=*/0);
    r.x[1] = implemented_features0();
    return r;
}

}  // namespace hyp::hypercall
