// hyp_identify: the API version and the feature flags of what this build implements.
#include "hyp_api/gunyah_hypercalls.h"
#include "kernel/hypercall/fast_answers.h"
#include "kernel/hypercall/hypercall.h"

namespace hyp::hypercall {

namespace {

constexpr std::uint64_t features0()
{
    // A flag is set only when every call of its interface works; partial interfaces stay
    // clear so that clients fall back rather than fail half-way. (object_reset answers
    // UNIMPLEMENTED, as Gunyah's own does.) vCPU (with register_write), VPM and vcpu_run
    // (with vcpu_run_check, the run-wakeup interrupt and addrspace_configure_vmmio) are
    // whole. Doorbells and message queues are whole (docs/ipc.md says what they leave out).
    return GUNYAH_FLAGS0_PARTITION_CSPACE | GUNYAH_FLAGS0_DOORBELL | GUNYAH_FLAGS0_MSGQUEUE | GUNYAH_FLAGS0_VPM |
           GUNYAH_FLAGS0_VCPU | GUNYAH_FLAGS0_MEMEXTENT | GUNYAH_FLAGS0_VCPU_RUN;
}

constexpr std::uint64_t api_info = GUNYAH_API_INFO(GUNYAH_API_VERSION, /*big_endian=*/0, /*is_64bit=*/1, /*variant=*/0);

}  // namespace

std::uint64_t implemented_features0() { return features0(); }

Return hyp_identify(Caller&, const Args&)
{
    Return r;
    r.x[0] = api_info;
    r.x[1] = features0();
    return r;
}

}  // namespace hyp::hypercall

// What the vector answers without an exit: the same as hyp_identify above and
// dispatch.cpp's SMCCC_VERSION (tests/unit/test_hypercall_dispatch.cpp compares them).
extern "C" constinit const hyp::hypercall::FastAnswers fast_hypercall_answers = {
    {hyp::hypercall::api_info, hyp::hypercall::features0(), 0, 0},
    GUNYAH_SMCCC_VERSION_1_3,
};
