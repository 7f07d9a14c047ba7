// Pins the hyp_api headers to the published Gunyah ABI (shared/reference/gunyah-*.md):
// call numbers and their SMCCC and native encodings, identify/UID answers, rights, flag
// layouts, the RM RPC header byte by byte and payload struct layouts. Then checks that
// each client wrapper puts its arguments in the registers the ABI names, through the
// host trap hook the client library calls when it is not built for AArch64.
#define GUNYAH_CLIENT_HOST_TRAP 1

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "hyp_api/gunyah_client.h"
#include "hyp_api/gunyah_error.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "support/error.h"

namespace {

// What the last hypercall looked like, and what the fake hypervisor answers.
struct TrapLog {
    std::uint32_t imm = 0xFFFFFFFFu;
    gunyah::detail::Regs in{};
    gunyah::detail::Regs reply{};
    int calls = 0;
};
TrapLog trap_log;

void answer(std::array<std::uint64_t, 8> regs)
{
    trap_log = TrapLog{};
    for (std::size_t i = 0; i < regs.size(); ++i) {
        trap_log.reply.x[i] = regs[i];
    }
}

std::uint64_t in_reg(std::size_t i) { return trap_log.in.x[i]; }

}  // namespace

gunyah::detail::Regs gunyah::detail::host_trap(std::uint32_t hvc_imm, const Regs& in)
{
    trap_log.imm = hvc_imm;
    trap_log.in = in;
    ++trap_log.calls;
    return trap_log.reply;
}

// ---- Call numbers and encodings ----------------------------------------------------------

TEST_CASE("hyp_api: every hypercall number matches the reference table", "[hyp_api]")
{
    struct Row {
        std::uint32_t defined;
        std::uint32_t reference;
    };
    // The right-hand column is typed from gunyah-hypercalls.md, not derived.
    const Row rows[] = {
        {GUNYAH_HC_HYP_IDENTIFY, 0x00},
        {GUNYAH_HC_PARTITION_CREATE_PARTITION, 0x01}, {GUNYAH_HC_PARTITION_CREATE_CSPACE, 0x02},
        {GUNYAH_HC_PARTITION_CREATE_ADDRSPACE, 0x03}, {GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, 0x04},
        {GUNYAH_HC_PARTITION_CREATE_THREAD, 0x05}, {GUNYAH_HC_PARTITION_CREATE_DOORBELL, 0x06},
        {GUNYAH_HC_PARTITION_CREATE_MSGQUEUE, 0x07}, {GUNYAH_HC_PARTITION_CREATE_WATCHDOG, 0x09},
        {GUNYAH_HC_PARTITION_CREATE_VIC, 0x0A}, {GUNYAH_HC_PARTITION_CREATE_VPM_GROUP, 0x0B},
        {GUNYAH_HC_PARTITION_CREATE_VIRTIO_MMIO, 0x48},
        {GUNYAH_HC_OBJECT_ACTIVATE, 0x0C}, {GUNYAH_HC_OBJECT_ACTIVATE_FROM, 0x0D},
        {GUNYAH_HC_OBJECT_RESET, 0x0E}, {GUNYAH_HC_OBJECT_RESET_FROM, 0x0F},
        {GUNYAH_HC_CSPACE_DELETE_CAP_FROM, 0x22}, {GUNYAH_HC_CSPACE_COPY_CAP_FROM, 0x23},
        {GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, 0x24}, {GUNYAH_HC_CSPACE_CONFIGURE, 0x25},
        {GUNYAH_HC_CSPACE_ATTACH_THREAD, 0x3E}, {GUNYAH_HC_CSPACE_REVOKE_CAPS_FROM, 0x59},
        {GUNYAH_HC_DOORBELL_BIND_VIRQ, 0x10}, {GUNYAH_HC_DOORBELL_UNBIND_VIRQ, 0x11},
        {GUNYAH_HC_DOORBELL_SEND, 0x12}, {GUNYAH_HC_DOORBELL_RECEIVE, 0x13},
        {GUNYAH_HC_DOORBELL_RESET, 0x14}, {GUNYAH_HC_DOORBELL_MASK, 0x15},
        {GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, 0x17}, {GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, 0x18},
        {GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, 0x19}, {GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, 0x1A},
        {GUNYAH_HC_MSGQUEUE_SEND, 0x1B}, {GUNYAH_HC_MSGQUEUE_RECEIVE, 0x1C},
        {GUNYAH_HC_MSGQUEUE_FLUSH, 0x1D}, {GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, 0x1F},
        {GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, 0x20}, {GUNYAH_HC_MSGQUEUE_CONFIGURE, 0x21},
        {GUNYAH_HC_HWIRQ_BIND_VIRQ, 0x26}, {GUNYAH_HC_HWIRQ_UNBIND_VIRQ, 0x27},
        {GUNYAH_HC_VIC_CONFIGURE, 0x28}, {GUNYAH_HC_VIC_ATTACH_VCPU, 0x29},
        {GUNYAH_HC_VIC_BIND_MSI_SOURCE, 0x56}, {GUNYAH_HC_VGIC_SET_MPIDR_MAPPING, 0x67},
        {GUNYAH_HC_ADDRSPACE_ATTACH_THREAD, 0x2A}, {GUNYAH_HC_ADDRSPACE_MAP, 0x2B},
        {GUNYAH_HC_ADDRSPACE_UNMAP, 0x2C}, {GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, 0x2D},
        {GUNYAH_HC_ADDRSPACE_CONFIGURE, 0x2E}, {GUNYAH_HC_ADDRSPACE_ATTACH_VDMA, 0x2F},
        {GUNYAH_HC_ADDRSPACE_LOOKUP, 0x5A}, {GUNYAH_HC_ADDRSPACE_CONFIGURE_INFO_AREA, 0x5B},
        {GUNYAH_HC_ADDRSPACE_CONFIGURE_VMMIO, 0x60}, {GUNYAH_HC_ADDRSPACE_ATTACH_VDEVICE, 0x62},
        {GUNYAH_HC_MEMEXTENT_MODIFY, 0x30}, {GUNYAH_HC_MEMEXTENT_CONFIGURE, 0x31},
        {GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, 0x32}, {GUNYAH_HC_MEMEXTENT_DONATE, 0x61},
        {GUNYAH_HC_VCPU_CONFIGURE, 0x34}, {GUNYAH_HC_VCPU_POWERON, 0x38},
        {GUNYAH_HC_VCPU_POWEROFF, 0x39}, {GUNYAH_HC_VCPU_KILL, 0x3A},
        {GUNYAH_HC_VCPU_SET_AFFINITY, 0x3D}, {GUNYAH_HC_VCPU_SET_PRIORITY, 0x46},
        {GUNYAH_HC_VCPU_SET_TIMESLICE, 0x47}, {GUNYAH_HC_VCPU_BIND_VIRQ, 0x5C},
        {GUNYAH_HC_VCPU_UNBIND_VIRQ, 0x5D}, {GUNYAH_HC_VCPU_REGISTER_WRITE, 0x64},
        {GUNYAH_HC_VCPU_RUN, 0x65}, {GUNYAH_HC_VCPU_RUN_CHECK, 0x68},
        {GUNYAH_HC_SCHEDULER_YIELD, 0x3B}, {GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, 0x3C},
        {GUNYAH_HC_VPM_GROUP_BIND_VIRQ, 0x43}, {GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, 0x44},
        {GUNYAH_HC_VPM_GROUP_GET_STATE, 0x45}, {GUNYAH_HC_VPM_GROUP_CONFIGURE, 0x66},
        {GUNYAH_HC_TRACE_UPDATE_CLASS_FLAGS, 0x3F}, {GUNYAH_HC_PRNG_GET_ENTROPY, 0x57},
        {GUNYAH_HC_WATCHDOG_CONFIGURE, 0x58}, {GUNYAH_HC_WATCHDOG_ATTACH_VCPU, 0x40},
        {GUNYAH_HC_WATCHDOG_BIND_VIRQ, 0x41}, {GUNYAH_HC_WATCHDOG_UNBIND_VIRQ, 0x42},
        {GUNYAH_HC_WATCHDOG_MANAGE, 0x63},
        {GUNYAH_HC_VIRTIO_MMIO_CONFIGURE, 0x49}, {GUNYAH_HC_VIRTIO_MMIO_BACKEND_BIND_VIRQ, 0x4A},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_UNBIND_VIRQ, 0x4B}, {GUNYAH_HC_VIRTIO_MMIO_FRONTEND_BIND_VIRQ, 0x4C},
        {GUNYAH_HC_VIRTIO_MMIO_FRONTEND_UNBIND_VIRQ, 0x4D}, {GUNYAH_HC_VIRTIO_MMIO_BACKEND_ASSERT_VIRQ, 0x4E},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_DEV_FEATURES, 0x4F},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_SET_QUEUE_NUM_MAX, 0x50},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_DRV_FEATURES, 0x51},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_QUEUE_INFO, 0x52},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_GET_NOTIFICATION, 0x53},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_ACKNOWLEDGE_RESET, 0x54},
        {GUNYAH_HC_VIRTIO_MMIO_BACKEND_UPDATE_STATUS, 0x55},
        {GUNYAH_HC_VIRTIO_INPUT_CONFIGURE, 0x5E}, {GUNYAH_HC_VIRTIO_INPUT_SET_DATA, 0x5F},
    };
    REQUIRE(std::size(rows) == GUNYAH_HC_COUNT);
    for (const Row& row : rows) {
        CAPTURE(row.reference);
        REQUIRE(row.defined == row.reference);
    }
}

TEST_CASE("hyp_api: the call list names each number once, all below the table limit", "[hyp_api]")
{
    std::set<std::uint32_t> numbers;
    std::set<std::string> names;
#define HYP_API_TEST_COLLECT(NAME) \
    numbers.insert(GUNYAH_HC_##NAME); \
    names.insert(#NAME);
    GUNYAH_HC_FOR_EACH(HYP_API_TEST_COLLECT)
#undef HYP_API_TEST_COLLECT
    REQUIRE(numbers.size() == GUNYAH_HC_COUNT);
    REQUIRE(names.size() == GUNYAH_HC_COUNT);
    REQUIRE(*numbers.rbegin() + 1 == GUNYAH_HC_NUM_LIMIT);
    // Numbers the reference leaves unassigned stay unassigned.
    for (std::uint32_t gap : {0x08u, 0x16u, 0x1Eu, 0x33u, 0x35u, 0x36u, 0x37u}) {
        CAPTURE(gap);
        REQUIRE(numbers.count(gap) == 0);
    }
}

TEST_CASE("hyp_api: SMCCC function ids are 0xC6008000 + n", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_MSGQUEUE_SEND) == 0xC600801Bu);
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_MSGQUEUE_RECEIVE) == 0xC600801Cu);
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_VCPU_RUN) == 0xC6008065u);
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY) == 0xC6008000u);
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_DOORBELL_SEND) == 0xC6008012u);
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_MEMEXTENT_DONATE) == 0xC6008061u);
    // The brief's formula, written out: fast | SMC64 | owner 6 | (0x8000 + n).
    STATIC_REQUIRE(GUNYAH_HC_SMCCC_ID(0x2B) == (0xC6000000u | (0x8000u + 0x2Bu)));
}

TEST_CASE("hyp_api: an SMCCC function id decodes into fast, SMC64, owner and function", "[hyp_api]")
{
    const std::uint32_t id = GUNYAH_HC_SMCCC_ID(GUNYAH_HC_MSGQUEUE_SEND);
    REQUIRE(GUNYAH_SMCCC_IS_FAST(id));
    REQUIRE(GUNYAH_SMCCC_IS_SMC64(id));
    REQUIRE(GUNYAH_SMCCC_OWNER(id) == GUNYAH_SMCCC_OWNER_VENDOR_HYP);
    REQUIRE(GUNYAH_SMCCC_FUNCTION(id) == 0x801Bu);
    REQUIRE(GUNYAH_HC_SMCCC_IS_HYPERCALL(id));
    REQUIRE(GUNYAH_HC_SMCCC_NUM(id) == GUNYAH_HC_MSGQUEUE_SEND);

    SECTION("the SMCCC 1.3 no-SVE-state hint does not change the call")
    {
        REQUIRE(GUNYAH_HC_SMCCC_IS_HYPERCALL(id | GUNYAH_SMCCC_SVE_HINT));
        REQUIRE(GUNYAH_HC_SMCCC_NUM(id | GUNYAH_SMCCC_SVE_HINT) == GUNYAH_HC_MSGQUEUE_SEND);
    }
    SECTION("SMC32, yielding, other owners and other function ranges are not hypercalls")
    {
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(id & ~GUNYAH_SMCCC_SMC64));
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(id & ~GUNYAH_SMCCC_FAST_CALL));
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(0xC4000003u));  // PSCI CPU_ON
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID));
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(0xC600001Bu));  // function bits 15:14 != 0b10
        REQUIRE_FALSE(GUNYAH_HC_SMCCC_IS_HYPERCALL(id | 0x00020000u));  // reserved bit set
    }
    SECTION("PSCI ids decode as the standard-service owner")
    {
        REQUIRE(GUNYAH_SMCCC_OWNER(0xC4000003u) == GUNYAH_SMCCC_OWNER_STANDARD);
        REQUIRE(GUNYAH_SMCCC_OWNER(GUNYAH_SMCCC_VERSION_ID) == GUNYAH_SMCCC_OWNER_ARCH);
    }
}

TEST_CASE("hyp_api: native calls carry 0x6000 + n in the HVC immediate", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_MSGQUEUE_SEND) == 0x601Bu);
    STATIC_REQUIRE(GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_VCPU_RUN) == 0x6065u);
    REQUIRE(GUNYAH_HC_NATIVE_IS_HYPERCALL(0x6000u));
    REQUIRE(GUNYAH_HC_NATIVE_IS_HYPERCALL(0x61FFu));
    REQUIRE_FALSE(GUNYAH_HC_NATIVE_IS_HYPERCALL(0x0u));      // HVC #0 is SMCCC/PSCI
    REQUIRE_FALSE(GUNYAH_HC_NATIVE_IS_HYPERCALL(0x6200u));
    REQUIRE(GUNYAH_HC_NATIVE_NUM(0x6061u) == GUNYAH_HC_MEMEXTENT_DONATE);
}

TEST_CASE("hyp_api: vendor-hyp service calls, the UID and the SMCCC version", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_SMCCC_VENDOR_HYP_CALL_COUNT == 0x8600FF00u);
    STATIC_REQUIRE(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID == 0x8600FF01u);
    STATIC_REQUIRE(GUNYAH_SMCCC_VENDOR_HYP_REVISION == 0x8600FF03u);
    // Fast SMC32 calls of the vendor-hyp owner.
    REQUIRE(GUNYAH_SMCCC_IS_FAST(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID));
    REQUIRE_FALSE(GUNYAH_SMCCC_IS_SMC64(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID));
    REQUIRE(GUNYAH_SMCCC_OWNER(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID) == GUNYAH_SMCCC_OWNER_VENDOR_HYP);

    // Gunyah's generated SMCCC_GUNYAH_UID0..3.
    STATIC_REQUIRE(GUNYAH_UID_X0 == 0xcd8fd5c1u);
    STATIC_REQUIRE(GUNYAH_UID_X1 == 0xdb5f53a4u);
    STATIC_REQUIRE(GUNYAH_UID_X2 == 0x36ce6592u);
    STATIC_REQUIRE(GUNYAH_UID_X3 == 0x145f3d67u);

    STATIC_REQUIRE(GUNYAH_SMCCC_VERSION_ID == 0x80000000u);
    STATIC_REQUIRE(GUNYAH_SMCCC_VERSION_1_3 == 0x10003u);
    STATIC_REQUIRE(GUNYAH_SMCCC_VERSION(1, 3) == GUNYAH_SMCCC_VERSION_1_3);
    STATIC_REQUIRE(GUNYAH_SMCCC_NOT_SUPPORTED == -1);
    STATIC_REQUIRE(GUNYAH_SMCCC_NOT_SUPPORTED == GUNYAH_ERROR_UNIMPLEMENTED);
}

TEST_CASE("hyp_api: api_info packs version 1, little-endian, 64-bit and a variant", "[hyp_api]")
{
    constexpr std::uint64_t info = GUNYAH_API_INFO(GUNYAH_API_VERSION, 0, 1, 0x48);
    STATIC_REQUIRE(info == 0x4800000000008001ull);
    STATIC_REQUIRE(GUNYAH_API_INFO_VERSION_OF(info) == 1u);
    STATIC_REQUIRE(GUNYAH_API_INFO_VARIANT_OF(info) == 0x48u);
    STATIC_REQUIRE(GUNYAH_API_INFO(1, 1, 0, 0) == 0x4001ull);

    constexpr gunyah::Identity id{info, {GUNYAH_FLAGS0_MSGQUEUE | GUNYAH_FLAGS0_VCPU_RUN |
                                             (std::uint64_t{GUNYAH_FLAGS0_SCHEDULER_FPRR}
                                              << GUNYAH_FLAGS0_SCHEDULER_SHIFT),
                                         0, 0}};
    STATIC_REQUIRE(id.api_version() == 1);
    STATIC_REQUIRE(id.is_64bit());
    STATIC_REQUIRE_FALSE(id.big_endian());
    STATIC_REQUIRE(id.variant() == 0x48);
    STATIC_REQUIRE(id.has(GUNYAH_FLAGS0_MSGQUEUE));
    STATIC_REQUIRE_FALSE(id.has(GUNYAH_FLAGS0_DOORBELL));
    STATIC_REQUIRE(id.scheduler() == GUNYAH_FLAGS0_SCHEDULER_FPRR);
}

TEST_CASE("hyp_api: feature flags word 0 has one bit per interface, scheduler in bits 31:28", "[hyp_api]")
{
    const std::uint64_t bits[] = {
        GUNYAH_FLAGS0_PARTITION_CSPACE, GUNYAH_FLAGS0_DOORBELL, GUNYAH_FLAGS0_MSGQUEUE,
        GUNYAH_FLAGS0_VIC, GUNYAH_FLAGS0_VPM, GUNYAH_FLAGS0_VCPU, GUNYAH_FLAGS0_MEMEXTENT,
        GUNYAH_FLAGS0_TRACE_CTRL, GUNYAH_FLAGS0_WATCHDOG, GUNYAH_FLAGS0_VIRTIO_MMIO,
        GUNYAH_FLAGS0_PRNG, GUNYAH_FLAGS0_VCPU_RUN,
    };
    for (std::size_t i = 0; i < std::size(bits); ++i) {
        CAPTURE(i);
        REQUIRE(bits[i] == (std::uint64_t{1} << i));
    }
    STATIC_REQUIRE(GUNYAH_FLAGS0_SCHEDULER_MASK == 0xF0000000ull);
    STATIC_REQUIRE(GUNYAH_FLAGS0_SCHEDULER_OF(0x10000FFFull) == GUNYAH_FLAGS0_SCHEDULER_FPRR);
}

// ---- Errors ------------------------------------------------------------------------------

TEST_CASE("hyp_api: error codes added by the hypercall reference have their numbers", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_ERROR_NORESOURCES == 11);
    STATIC_REQUIRE(GUNYAH_ERROR_OBJECT_CONFIG == 34);
    STATIC_REQUIRE(GUNYAH_ERROR_OBJECT_CONFIGURED == 35);
    STATIC_REQUIRE(GUNYAH_ERROR_FAILURE == 36);
    STATIC_REQUIRE(GUNYAH_ERROR_MEMDB_EMPTY == 110);
    STATIC_REQUIRE(GUNYAH_ERROR_MEMDB_NOT_OWNER == 111);
    STATIC_REQUIRE(GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL == 120);
    STATIC_REQUIRE(GUNYAH_ERROR_MEMEXTENT_TYPE == 121);
    STATIC_REQUIRE(GUNYAH_ERROR_EXISTING_MAPPING == 200);
}

TEST_CASE("hyp_api: the kernel names the new error codes", "[hyp_api]")
{
    REQUIRE(std::string{hyp::error_name(hyp::Error::noresources)} == "noresources");
    REQUIRE(std::string{hyp::error_name(hyp::Error::object_configured)} == "object_configured");
    REQUIRE(std::string{hyp::error_name(hyp::Error::memdb_not_owner)} == "memdb_not_owner");
    REQUIRE(std::string{hyp::error_name(hyp::Error::existing_mapping)} == "existing_mapping");
    REQUIRE(static_cast<std::int64_t>(hyp::Error::memextent_type) == 121);
}

TEST_CASE("hyp_api: one list of error codes, every one named and distinct", "[hyp_api]")
{
    std::vector<std::int64_t> values;
#define COLLECT(name, NAME)                                                                        \
    values.push_back(GUNYAH_ERROR_##NAME);                                                         \
    CHECK(std::string{hyp::error_name(hyp::Error::name)} == #name);                               \
    CHECK(static_cast<std::int64_t>(hyp::Error::name) == GUNYAH_ERROR_##NAME);
    GUNYAH_ERRORS(COLLECT)
#undef COLLECT
    CHECK(values.size() == 32);
    std::sort(values.begin(), values.end());
    CHECK(std::adjacent_find(values.begin(), values.end()) == values.end());
    CHECK(std::string{hyp::error_name(static_cast<hyp::Error>(12345))} == "unknown");
}

// ---- Rights and object types ----------------------------------------------------------------

TEST_CASE("hyp_api: capability rights are the values of the source's rights table", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_RIGHT_ACTIVATE == 0x80000000u);
    STATIC_REQUIRE(GUNYAH_RIGHT_PARTITION_OBJECT_CREATE == 0x1u);
    STATIC_REQUIRE(GUNYAH_RIGHT_PARTITION_DONATE == 0x2u);
    STATIC_REQUIRE(GUNYAH_RIGHT_CSPACE_REVOKE == 0x10u);
    STATIC_REQUIRE(GUNYAH_RIGHT_ADDRSPACE_ADD_VMMIO_RANGE == 0x8u);
    STATIC_REQUIRE(GUNYAH_RIGHT_MEMEXTENT_DONATE == 0x10u);
    STATIC_REQUIRE(GUNYAH_RIGHT_THREAD_DISABLE == 0x200u);
    STATIC_REQUIRE(GUNYAH_RIGHT_THREAD_WRITE_CONTEXT == 0x100u);
    STATIC_REQUIRE(GUNYAH_RIGHT_DOORBELL_BIND == 0x4u);
    STATIC_REQUIRE(GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE == 0x8u);
    STATIC_REQUIRE(GUNYAH_RIGHT_VIC_ATTACH_VDEVICE == 0x4u);
    STATIC_REQUIRE(GUNYAH_RIGHT_HWIRQ_BIND_VIC == 0x2u);  // source value, not the doc's 0x1
    STATIC_REQUIRE(GUNYAH_RIGHT_VPM_GROUP_QUERY == 0x4u);
    STATIC_REQUIRE(GUNYAH_RIGHT_VIRTIO_MMIO_CONFIG == 0x8u);
    STATIC_REQUIRE(GUNYAH_RIGHT_VRTC_SET_TIME_BASE == 0x4u);
    STATIC_REQUIRE(GUNYAH_RIGHT_WATCHDOG_BIND_VIRQ == 0x2u);

    STATIC_REQUIRE(GUNYAH_RIGHTS_THREAD_ALL == 0x800003FFu);
    STATIC_REQUIRE(GUNYAH_RIGHTS_CSPACE_ALL == 0x8000001Fu);
    STATIC_REQUIRE(GUNYAH_RIGHTS_MEMEXTENT_ALL == 0x8000001Fu);
    STATIC_REQUIRE(GUNYAH_RIGHTS_MSGQUEUE_ALL == 0x8000000Fu);
    STATIC_REQUIRE(GUNYAH_RIGHTS_HWIRQ_ALL == 0x80000002u);
    STATIC_REQUIRE(GUNYAH_CAP_ID_INVALID == ~std::uint64_t{0});
    STATIC_REQUIRE(gunyah::cap_invalid == GUNYAH_CAP_ID_INVALID);
}

TEST_CASE("hyp_api: object types are distinct, explicit and leave 0 for no object", "[hyp_api]")
{
    const int types[] = {
        GUNYAH_OBJECT_TYPE_ADDRSPACE, GUNYAH_OBJECT_TYPE_CSPACE, GUNYAH_OBJECT_TYPE_DOORBELL,
        GUNYAH_OBJECT_TYPE_HWIRQ, GUNYAH_OBJECT_TYPE_MEMEXTENT, GUNYAH_OBJECT_TYPE_MSGQUEUE,
        GUNYAH_OBJECT_TYPE_PARTITION, GUNYAH_OBJECT_TYPE_THREAD, GUNYAH_OBJECT_TYPE_VIC,
        GUNYAH_OBJECT_TYPE_VIRTIO_MMIO, GUNYAH_OBJECT_TYPE_VPM_GROUP, GUNYAH_OBJECT_TYPE_VRTC,
        GUNYAH_OBJECT_TYPE_WATCHDOG,
    };
    std::set<int> seen(std::begin(types), std::end(types));
    REQUIRE(seen.size() == std::size(types));
    REQUIRE(seen.count(GUNYAH_OBJECT_TYPE_NONE) == 0);
    REQUIRE(*seen.rbegin() + 1 == GUNYAH_OBJECT_TYPE_LIMIT);
}

// ---- Flag layouts ----------------------------------------------------------------------------

TEST_CASE("hyp_api: memextent attrs: access, memtype, type, append and nothing else", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_MEMEXTENT_ATTRS_VALID_MASK == 0x80030307u);
    STATIC_REQUIRE(GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_CACHED,
                                          GUNYAH_MEMEXTENT_TYPE_SPARSE) == 0x00010306u);
    STATIC_REQUIRE(GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE,
                                          GUNYAH_MEMEXTENT_TYPE_BASIC) == 0x00000107u);
    STATIC_REQUIRE((GUNYAH_ACCESS_R | GUNYAH_ACCESS_X) == GUNYAH_ACCESS_RX);
    STATIC_REQUIRE((GUNYAH_ACCESS_R | GUNYAH_ACCESS_W | GUNYAH_ACCESS_X) == GUNYAH_ACCESS_RWX);
}

TEST_CASE("hyp_api: mapping attrs put EL0 access, EL1 access and the stage-2 type in their fields", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB) ==
                   0x000F0064u);
    STATIC_REQUIRE(GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_NONE, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE) ==
                   0x00010060u);
    STATIC_REQUIRE(GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_RX, GUNYAH_ACCESS_RWX) == 0x75u);
    STATIC_REQUIRE(GUNYAH_S2_MEMTYPE_NORMAL_NC == 0x5u);
    STATIC_REQUIRE(GUNYAH_S2_MEMTYPE_NORMAL_OWB_IWT == 0xEu);
}

TEST_CASE("hyp_api: map, modify and donate flag words", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_ADDRSPACE_MAP_PARTIAL == 0x1u);
    STATIC_REQUIRE(GUNYAH_ADDRSPACE_MAP_NO_SYNC == 0x80000000u);
    STATIC_REQUIRE((GUNYAH_MEMEXTENT_MODIFY_CACHE_FLUSH_RANGE | GUNYAH_MEMEXTENT_MODIFY_NO_SYNC) == 0x80000003u);
    STATIC_REQUIRE(GUNYAH_MEMEXTENT_MODIFY_SYNC_ALL == 255u);
    STATIC_REQUIRE((GUNYAH_DONATE_TO_SIBLING | GUNYAH_DONATE_NO_SYNC) == 0x80000002u);
}

TEST_CASE("hyp_api: vcpu and message-queue encodings", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_VCPU_OPTION_CRITICAL == 0x100ull);
    STATIC_REQUIRE(GUNYAH_VCPU_OPTION_HLOS_VM == 0x8000000000000000ull);
    STATIC_REQUIRE(GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE == 5u);
    STATIC_REQUIRE(GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET == 0x100u);
    // The RM's queues: 8 deep, 240-byte messages.
    STATIC_REQUIRE(GUNYAH_MSGQUEUE_CREATE_INFO(8, GUNYAH_MSGQUEUE_MAX_MSG_SIZE) == 0x00F00008u);
    STATIC_REQUIRE(GUNYAH_MSGQUEUE_CREATE_INFO(GUNYAH_MSGQUEUE_MAX_DEPTH, GUNYAH_MSGQUEUE_MAX_MSG_SIZE_LIMIT) ==
                   0x04000100u);
    STATIC_REQUIRE(GUNYAH_MSGQUEUE_MAX_MSG_SIZE == GUNYAH_RM_RPC_FRAGMENT_SIZE);
}

// ---- RM RPC -----------------------------------------------------------------------------------

TEST_CASE("hyp_api: an RPC request header encodes to the documented bytes", "[hyp_api]")
{
    std::uint8_t bytes[8] = {};
    gunyah_rm_rpc_hdr_write(bytes, GUNYAH_RM_RPC_TYPE_REQUEST, 0, 0x1234, GUNYAH_RM_MSG_VM_START);
    const std::uint8_t expect[8] = {0x21, 0x01, 0x34, 0x12, 0x04, 0x00, 0x00, 0x56};
    REQUIRE(std::memcmp(bytes, expect, sizeof expect) == 0);

    SECTION("and decodes back")
    {
        const gunyah_rm_rpc_hdr_fields f = gunyah_rm_rpc_hdr_read(bytes);
        REQUIRE(f.version == 1);
        REQUIRE(f.hdr_words == 2);
        REQUIRE(f.msg_type == GUNYAH_RM_RPC_TYPE_REQUEST);
        REQUIRE(f.continuations == 0);
        REQUIRE(f.seq == 0x1234);
        REQUIRE(f.msg_id == 0x56000004u);
    }
    SECTION("and reads the same through the packed struct")
    {
        gunyah_rm_rpc_hdr h;
        std::memcpy(&h, bytes, sizeof h);
        const std::uint8_t api = h.api;
        const std::uint16_t seq = h.seq;
        const std::uint32_t id = h.msg_id;
        REQUIRE(api == GUNYAH_RM_RPC_API_BYTE);
        REQUIRE(seq == 0x1234);
        REQUIRE(id == GUNYAH_RM_MSG_VM_START);
    }
}

TEST_CASE("hyp_api: the type byte holds the message type and the continuation count", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_RM_RPC_TYPE_BYTE(GUNYAH_RM_RPC_TYPE_REPLY, 3) == 0x0E);
    STATIC_REQUIRE(GUNYAH_RM_RPC_TYPE_BYTE(GUNYAH_RM_RPC_TYPE_NOTIFICATION, 0) == 0x03);
    STATIC_REQUIRE(GUNYAH_RM_RPC_TYPE_BYTE(GUNYAH_RM_RPC_TYPE_REQUEST, GUNYAH_RM_RPC_MAX_CONTINUATIONS) == 0xF9);
    STATIC_REQUIRE(GUNYAH_RM_RPC_MSG_TYPE_OF(0xF9) == GUNYAH_RM_RPC_TYPE_REQUEST);
    STATIC_REQUIRE(GUNYAH_RM_RPC_CONTINUATIONS_OF(0xF9) == 62);

    std::uint8_t bytes[8];
    gunyah_rm_rpc_hdr_write(bytes, GUNYAH_RM_RPC_TYPE_CONTINUATION, 5, 0xFFFF, 0x51000012u);
    const gunyah_rm_rpc_hdr_fields f = gunyah_rm_rpc_hdr_read(bytes);
    REQUIRE(bytes[1] == 0x14);
    REQUIRE(f.msg_type == GUNYAH_RM_RPC_TYPE_CONTINUATION);
    REQUIRE(f.continuations == 5);
    REQUIRE(f.seq == 0xFFFF);
    REQUIRE(f.msg_id == GUNYAH_RM_MSG_MEM_LEND);
}

TEST_CASE("hyp_api: RPC sizes: 240-byte fragments, 232 bytes of payload, 63 fragments at most", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_RM_RPC_FRAGMENT_PAYLOAD == 232u);
    STATIC_REQUIRE(GUNYAH_RM_RPC_MAX_PAYLOAD == 14616u);
    STATIC_REQUIRE(sizeof(gunyah_rm_rpc_hdr) == GUNYAH_RM_RPC_HDR_SIZE);
    STATIC_REQUIRE(sizeof(gunyah_rm_rpc_reply_hdr) == 12);
}

TEST_CASE("hyp_api: RM error codes and message ids", "[hyp_api]")
{
    STATIC_REQUIRE(GUNYAH_RM_ERROR_UNIMPLEMENTED == 0xFFFFFFFFu);
    STATIC_REQUIRE(GUNYAH_RM_ERROR_MSG_INVALID == 4u);
    STATIC_REQUIRE(GUNYAH_RM_ERROR_IRQ_RELEASED == 0x11u);
    STATIC_REQUIRE(GUNYAH_RM_ERROR_VM_STATE == 0x14u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_VM_ALLOC_VMID == 0x56000001u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_VM_CONFIG_IMAGE == 0x56000009u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES == 0x56000020u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT == 0x56000031u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_MEM_SHARE == 0x51000013u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_MEM_APPEND == 0x51000018u);
    STATIC_REQUIRE(GUNYAH_RM_MSG_CONSOLE_WRITE == 0x56000083u);
    STATIC_REQUIRE(GUNYAH_RM_NOTIF_VM_STATUS == 0x56100008u);
    STATIC_REQUIRE(GUNYAH_RM_NOTIF_MEM_SHARED == 0x51100011u);
    STATIC_REQUIRE(GUNYAH_RM_VM_STATUS_RESET == 11u);
    STATIC_REQUIRE(GUNYAH_RM_VM_STATE_WORD(GUNYAH_RM_VM_STATUS_RUNNING, GUNYAH_RM_OS_STATE_RUN, 0x55) ==
                   0x00550403u);
}

TEST_CASE("hyp_api: a GET_HYP_RESOURCES entry is 44 bytes with unaligned 64-bit fields", "[hyp_api]")
{
    // The reference: u8 type, u8 pad, le16 partner_vmid, le32 handle, le32 label,
    // le64 cap_id, le32 virq_handle, le32 virq, le64 base, le64 size = 44 bytes.
    STATIC_REQUIRE(sizeof(gunyah_rm_hyp_resource) == 1 + 1 + 2 + 4 + 4 + 8 + 4 + 4 + 8 + 8);
    STATIC_REQUIRE(sizeof(gunyah_rm_hyp_resource) == 44);

    std::uint8_t bytes[44] = {};
    bytes[0] = GUNYAH_RM_RES_MSGQ_SEND;
    bytes[2] = 0x03;                                     // partner vmid 3
    bytes[12] = 0x11;                                    // cap id low byte
    bytes[19] = 0x88;                                    // cap id high byte
    bytes[24] = 0x2A;                                    // virq 42
    bytes[43] = 0x01;                                    // size high byte
    gunyah_rm_hyp_resource entry;
    std::memcpy(&entry, bytes, sizeof entry);
    const std::uint8_t type = entry.type;
    const std::uint16_t partner = entry.partner_vmid;
    const std::uint64_t cap = entry.cap_id;
    const std::uint32_t virq = entry.virq;
    const std::uint64_t size = entry.size;
    REQUIRE(type == GUNYAH_RM_RES_MSGQ_SEND);
    REQUIRE(partner == GUNYAH_RM_VMID_HLOS);
    REQUIRE(cap == 0x8800000000000011ull);
    REQUIRE(virq == 42);
    REQUIRE(size == 0x0100000000000000ull);
}

TEST_CASE("hyp_api: payload structs have the sizes the reference gives", "[hyp_api]")
{
    STATIC_REQUIRE(sizeof(gunyah_rm_vm_vmid) == 4);
    STATIC_REQUIRE(sizeof(gunyah_rm_vm_stop_req) == 8);
    STATIC_REQUIRE(sizeof(gunyah_rm_vm_config_image_req) == 40);
    STATIC_REQUIRE(sizeof(gunyah_rm_vm_set_boot_context_req) == 16);
    STATIC_REQUIRE(sizeof(gunyah_rm_vm_set_time_base_req) == 20);
    STATIC_REQUIRE(sizeof(gunyah_rm_notif_vm_status) == 8);
    STATIC_REQUIRE(sizeof(gunyah_rm_notif_vm_exited) == 8);
    STATIC_REQUIRE(sizeof(gunyah_rm_mem_share_req) == 8);
    STATIC_REQUIRE(sizeof(gunyah_rm_mem_acl_entry) == 4);
    STATIC_REQUIRE(sizeof(gunyah_rm_mem_sgl_entry) == 16);
    STATIC_REQUIRE(sizeof(gunyah_rm_mem_attr_entry) == 4);
    STATIC_REQUIRE(sizeof(gunyah_rm_mem_accept_req) == 12);
    STATIC_REQUIRE(sizeof(gunyah_rm_notif_mem_shared) == 20);
    STATIC_REQUIRE(sizeof(gunyah_rm_irq_lend_req) == 12);
}

// ---- The client library, through the host trap ---------------------------------------------

TEST_CASE("hyp_api: addrspace_map puts its seven arguments in x1..x7 under the SMCCC id", "[hyp_api]")
{
    answer({0});
    const gunyah::Error e = gunyah::addrspace_map(0xA5, 0xE1, 0x80000000, 0x000F0077u,
                                                  GUNYAH_ADDRSPACE_MAP_PARTIAL, 0x1000, 0x2000);
    REQUIRE(e == gunyah::Error::ok);
    REQUIRE(trap_log.calls == 1);
    REQUIRE(trap_log.imm == 0);
    REQUIRE(in_reg(0) == 0xC600802Bu);
    REQUIRE(in_reg(1) == 0xA5);
    REQUIRE(in_reg(2) == 0xE1);
    REQUIRE(in_reg(3) == 0x80000000);
    REQUIRE(in_reg(4) == 0x000F0077u);
    REQUIRE(in_reg(5) == GUNYAH_ADDRSPACE_MAP_PARTIAL);
    REQUIRE(in_reg(6) == 0x1000);
    REQUIRE(in_reg(7) == 0x2000);
}

TEST_CASE("hyp_api: msgqueue send and receive follow the ABI's register order", "[hyp_api]")
{
    std::uint8_t buffer[GUNYAH_MSGQUEUE_MAX_MSG_SIZE] = {};

    SECTION("send: cap, size, buffer, flags -> not_full")
    {
        answer({0, 1});
        const auto r = gunyah::msgqueue_send(7, 24, buffer, GUNYAH_MSGQUEUE_SEND_PUSH);
        REQUIRE(r.ok());
        REQUIRE(r.not_full);
        REQUIRE(in_reg(0) == 0xC600801Bu);
        REQUIRE(in_reg(1) == 7);
        REQUIRE(in_reg(2) == 24);
        REQUIRE(in_reg(3) == reinterpret_cast<std::uintptr_t>(buffer));
        REQUIRE(in_reg(4) == 1);
        REQUIRE(in_reg(5) == 0);  // unused inputs are zero
    }
    SECTION("a full queue answers MSGQUEUE_FULL")
    {
        answer({GUNYAH_ERROR_MSGQUEUE_FULL, 0});
        const auto r = gunyah::msgqueue_send(7, 24, buffer, 0);
        REQUIRE(r.error == gunyah::Error::msgqueue_full);
        REQUIRE_FALSE(r.not_full);
    }
    SECTION("receive: cap, buffer, buffer size -> size, not_empty")
    {
        answer({0, 40, 1});
        const auto r = gunyah::msgqueue_receive(8, buffer, sizeof buffer);
        REQUIRE(r.ok());
        REQUIRE(r.size == 40);
        REQUIRE(r.not_empty);
        REQUIRE(in_reg(0) == 0xC600801Cu);
        REQUIRE(in_reg(2) == reinterpret_cast<std::uintptr_t>(buffer));
        REQUIRE(in_reg(3) == sizeof buffer);
    }
}

TEST_CASE("hyp_api: a created or copied cap comes back in x1, and only on success", "[hyp_api]")
{
    answer({0, 0x42});
    const gunyah::CapResult made = gunyah::partition_create_cspace(1, 2);
    REQUIRE(made.ok());
    REQUIRE(made.cap == 0x42);
    REQUIRE(in_reg(0) == 0xC6008002u);
    REQUIRE(in_reg(3) == 0);  // the reserved argument is 0

    answer({static_cast<std::uint64_t>(GUNYAH_ERROR_CSPACE_FULL), 0x42});
    const gunyah::CapResult copied = gunyah::cspace_copy_cap_from(1, 2, 3, GUNYAH_RIGHT_MSGQUEUE_SEND);
    REQUIRE(copied.error == gunyah::Error::cspace_full);
    REQUIRE(copied.cap == gunyah::cap_invalid);
    REQUIRE(in_reg(0) == 0xC6008023u);
    REQUIRE(in_reg(4) == GUNYAH_RIGHT_MSGQUEUE_SEND);
}

TEST_CASE("hyp_api: reserved-ones arguments are passed as all ones", "[hyp_api]")
{
    answer({0});
    REQUIRE(gunyah::msgqueue_configure_send(5, 1, 100) == gunyah::Error::ok);
    REQUIRE(in_reg(4) == ~std::uint64_t{0});
    answer({0});
    REQUIRE(gunyah::vcpu_set_affinity(5, 2) == gunyah::Error::ok);
    REQUIRE(in_reg(2) == 2);
    REQUIRE(in_reg(3) == ~std::uint64_t{0});
}

TEST_CASE("hyp_api: vcpu_run returns the state and three data words from x1..x4", "[hyp_api]")
{
    answer({0, GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, 0x9000000, 4, 0x41});
    const gunyah::RunResult r = gunyah::vcpu_run(3, 0xAA, 0, 0);
    REQUIRE(r.ok());
    REQUIRE(r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE);
    REQUIRE(r.data[0] == 0x9000000);
    REQUIRE(r.data[1] == 4);
    REQUIRE(r.data[2] == 0x41);
    REQUIRE(in_reg(0) == 0xC6008065u);
    REQUIRE(in_reg(2) == 0xAA);
    REQUIRE(in_reg(5) == 0);  // x5 must be 0
}

TEST_CASE("hyp_api: call_native puts n in the HVC immediate and arguments from x0", "[hyp_api]")
{
    answer({static_cast<std::uint64_t>(GUNYAH_ERROR_MSGQUEUE_EMPTY), 0, 0, 0});
    const gunyah::Result r = gunyah::call_native<GUNYAH_HC_MSGQUEUE_RECEIVE>(9u, 0x1000u, 240u);
    REQUIRE(r.error == gunyah::Error::msgqueue_empty);
    REQUIRE(trap_log.imm == 0x601Cu);
    REQUIRE(in_reg(0) == 9);
    REQUIRE(in_reg(1) == 0x1000);
    REQUIRE(in_reg(2) == 240);
    REQUIRE(in_reg(3) == 0);
}

TEST_CASE("hyp_api: the generic call reports x0 as an error and x1..x3 raw", "[hyp_api]")
{
    answer({~std::uint64_t{0}, 1, 2, 3});
    const gunyah::Result r = gunyah::call(0x08, 1);  // an unassigned number
    REQUIRE(r.error == gunyah::Error::unimplemented);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.x1 == 1);
    REQUIRE(r.x3 == 3);
    REQUIRE(in_reg(0) == 0xC6008008u);
}

TEST_CASE("hyp_api: identifying the hypervisor: UID, revision, SMCCC version, hyp_identify", "[hyp_api]")
{
    answer({GUNYAH_UID_X0, GUNYAH_UID_X1, GUNYAH_UID_X2, GUNYAH_UID_X3});
    const gunyah::Uid uid = gunyah::vendor_hyp_call_uid();
    REQUIRE(uid.is_gunyah());
    REQUIRE_FALSE(uid.is_qcom_gunyah());
    REQUIRE(in_reg(0) == 0x8600FF01u);

    answer({~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}});
    REQUIRE_FALSE(gunyah::vendor_hyp_call_uid().is_gunyah());  // not Gunyah: NOT_SUPPORTED

    answer({GUNYAH_SMCCC_VERSION_1_3});
    REQUIRE(gunyah::smccc_version() == 0x10003);
    REQUIRE(in_reg(0) == 0x80000000u);

    answer({GUNYAH_API_INFO(1, 0, 1, 0), GUNYAH_FLAGS0_PARTITION_CSPACE | GUNYAH_FLAGS0_MSGQUEUE, 0, 0});
    const gunyah::Identity id = gunyah::hyp_identify();
    REQUIRE(in_reg(0) == 0xC6008000u);
    REQUIRE(id.api_version() == 1);
    REQUIRE(id.is_64bit());
    REQUIRE(id.has(GUNYAH_FLAGS0_MSGQUEUE));

    answer({GUNYAH_API_INFO(1, 0, 1, 0)});
    REQUIRE(gunyah::vendor_hyp_revision() == 0x8001u);
    REQUIRE(in_reg(0) == 0x8600FF03u);
}

TEST_CASE("hyp_api: wide results: entropy in x1..x4, queue info in x1..x5", "[hyp_api]")
{
    answer({0, 0x1111111111111111ull, 2, 3, 4});
    const gunyah::EntropyResult e = gunyah::prng_get_entropy(16);
    REQUIRE(e.ok());
    REQUIRE(e.data[0] == 0x11111111u);  // 32 bits per register
    REQUIRE(e.data[3] == 4);

    answer({0, 64, 1, 0x1000, 0x2000, 0x3000});
    const gunyah::QueueInfoResult q = gunyah::virtio_mmio_backend_get_queue_info(6, 0);
    REQUIRE(q.queue_num == 64);
    REQUIRE(q.queue_ready == 1);
    REQUIRE(q.queue_device == 0x3000);
    REQUIRE(in_reg(0) == 0xC6008052u);
}
