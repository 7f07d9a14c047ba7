// Hypercall decoding: both call forms reach the same handlers, unknown calls get
// NOT_SUPPORTED and change nothing, and the cspace calls check caps before acting.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/fast_answers.h"
#include "kernel/hypercall/hypercall.h"
#include "kernel/object/cspace.h"

using namespace hyp;
using namespace hyp::hypercall;

namespace {

constexpr std::uint64_t not_supported = ~std::uint64_t{0};

struct World {
    World() : root_slots(16), other_slots(16), root{root_slots.data(), 16, nullptr}, other{other_slots.data(), 16, nullptr}
    {
        caller.cspace = &root;
        root_cap = root.insert_root(root, GUNYAH_RIGHTS_CSPACE_ALL).value();
        other_cap = root.insert_root(other, GUNYAH_RIGHTS_CSPACE_ALL).value();
    }
    ~World()
    {
        other.clear();
        root.clear();
    }

    Return smccc(std::uint32_t n, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                 std::uint64_t a3 = 0, std::uint64_t a4 = 0)
    {
        const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(n), a0, a1, a2, a3, a4, 0, 0};
        return dispatch_smccc(caller, regs);
    }
    Return native(std::uint32_t n, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0, std::uint64_t a4 = 0)
    {
        const std::uint64_t regs[8] = {a0, a1, a2, a3, a4, 0, 0, 0};
        return dispatch_native(caller, GUNYAH_HC_NATIVE_IMM(n), regs);
    }

    std::vector<CapSlot> root_slots, other_slots;
    CSpace root, other;
    Caller caller;
    CapId root_cap = 0, other_cap = 0;
};

std::int64_t err(const Return& r) { return static_cast<std::int64_t>(r.x[0]); }

}  // namespace

TEST_CASE("hyp_identify answers the API version in both call forms")
{
    World w;
    for (const Return& r : {w.smccc(GUNYAH_HC_HYP_IDENTIFY), w.native(GUNYAH_HC_HYP_IDENTIFY)}) {
        CHECK(GUNYAH_API_INFO_VERSION_OF(r.x[0]) == 1);
        CHECK((r.x[0] & GUNYAH_API_INFO_IS_64BIT) != 0);
        CHECK((r.x[0] & GUNYAH_API_INFO_BIG_ENDIAN) == 0);
        CHECK(r.x[1] == implemented_features0());
    }
}

TEST_CASE("the vector's fast answers are the ones the slow path gives")
{
    // vectors.S answers these three from fast_hypercall_answers without an exit; the
    // function IDs it compares with must be the calls dispatch gives those answers to.
    World w;
    CHECK(GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_HYP_IDENTIFY) == fast_native_identify_imm);
    CHECK(GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY) == fast_smccc_identify_id);
    CHECK(GUNYAH_SMCCC_VERSION_ID == fast_smccc_version_id);
    for (const Return& r : {w.smccc(GUNYAH_HC_HYP_IDENTIFY), w.native(GUNYAH_HC_HYP_IDENTIFY)}) {
        for (unsigned i = 0; i < 4; ++i) {
            CHECK(r.x[i] == fast_hypercall_answers.identify[i]);
        }
    }
    const std::uint64_t version_regs[8] = {fast_smccc_version_id, 7, 7, 7, 0, 0, 0, 0};
    const Return v = dispatch_smccc(w.caller, version_regs);
    CHECK(v.x[0] == fast_hypercall_answers.smccc_version);
    CHECK(v.x[1] == 0);
    CHECK(v.x[2] == 0);
    CHECK(v.x[3] == 0);
}

TEST_CASE("identify claims only the interfaces that are complete")
{
    // Each flag is checked against the calls of its interface in the table: a flag set
    // with a call of its interface missing would send clients into NOT_SUPPORTED.
    std::uint64_t flags = implemented_features0();
    CHECK((flags & GUNYAH_FLAGS0_MEMEXTENT) != 0);
    for (std::uint32_t n : {GUNYAH_HC_MEMEXTENT_MODIFY, GUNYAH_HC_MEMEXTENT_CONFIGURE, GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE,
                            GUNYAH_HC_MEMEXTENT_DONATE, GUNYAH_HC_PARTITION_CREATE_MEMEXTENT}) {
        CHECK(lookup(n)->handler != nullptr);
    }
    CHECK((flags & GUNYAH_FLAGS0_PARTITION_CSPACE) != 0);
    for (std::uint32_t n : {GUNYAH_HC_PARTITION_CREATE_PARTITION, GUNYAH_HC_PARTITION_CREATE_CSPACE, GUNYAH_HC_OBJECT_ACTIVATE,
                            GUNYAH_HC_OBJECT_ACTIVATE_FROM, GUNYAH_HC_CSPACE_DELETE_CAP_FROM, GUNYAH_HC_CSPACE_COPY_CAP_FROM,
                            GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, GUNYAH_HC_CSPACE_CONFIGURE, GUNYAH_HC_CSPACE_ATTACH_THREAD,
                            GUNYAH_HC_CSPACE_REVOKE_CAPS_FROM}) {
        CHECK(lookup(n)->handler != nullptr);
    }
    CHECK((flags & GUNYAH_FLAGS0_DOORBELL) != 0);
    for (std::uint32_t n : {GUNYAH_HC_PARTITION_CREATE_DOORBELL, GUNYAH_HC_DOORBELL_BIND_VIRQ, GUNYAH_HC_DOORBELL_UNBIND_VIRQ,
                            GUNYAH_HC_DOORBELL_SEND, GUNYAH_HC_DOORBELL_RECEIVE, GUNYAH_HC_DOORBELL_RESET,
                            GUNYAH_HC_DOORBELL_MASK}) {
        CHECK(lookup(n)->handler != nullptr);
    }
    CHECK((flags & GUNYAH_FLAGS0_MSGQUEUE) != 0);
    for (std::uint32_t n : {GUNYAH_HC_PARTITION_CREATE_MSGQUEUE, GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ,
                            GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ,
                            GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, GUNYAH_HC_MSGQUEUE_SEND, GUNYAH_HC_MSGQUEUE_RECEIVE,
                            GUNYAH_HC_MSGQUEUE_FLUSH, GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND,
                            GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, GUNYAH_HC_MSGQUEUE_CONFIGURE}) {
        CHECK(lookup(n)->handler != nullptr);
    }
    // vCPU, VPM and vcpu_run are whole; vic waits for its other calls.
    constexpr std::uint64_t whole = GUNYAH_FLAGS0_VCPU | GUNYAH_FLAGS0_VPM | GUNYAH_FLAGS0_VCPU_RUN;
    CHECK((flags & whole) == whole);
    CHECK((flags & GUNYAH_FLAGS0_VIC) == 0);
    CHECK(lookup(GUNYAH_HC_VCPU_REGISTER_WRITE)->handler != nullptr);
}

namespace {
// The UUID a client sees, built from the four result registers exactly as Linux does it
// (smccc_res_to_uuid: byte i of the UUID is byte i % 4 of register i / 4, little-endian)
// and printed as %pUb prints it (the bytes in order, grouped 4-2-2-2-6).
std::string uuid_as_linux_reads_it(const Return& r)
{
    std::uint8_t b[16];
    for (unsigned i = 0; i < 16; ++i) {
        b[i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(r.x[i / 4]) >> (8 * (i % 4)));
    }
    std::string s;
    for (unsigned i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s += '-';
        }
        static constexpr char hex[] = "0123456789abcdef";
        s += hex[b[i] >> 4];
        s += hex[b[i] & 0xf];
    }
    return s;
}
} // namespace

TEST_CASE("the vendor-hypervisor UID is the open-source Gunyah one, as Linux reads it")
{
    World w;
    const std::uint64_t regs[8] = {GUNYAH_SMCCC_VENDOR_HYP_CALL_UID};
    Return r = dispatch_smccc(w.caller, regs);
    // Gunyah's SMCCC_GUNYAH_UID0..3, register by register.
    CHECK(r.x[0] == 0xcd8fd5c1);
    CHECK(r.x[1] == 0xdb5f53a4);
    CHECK(r.x[2] == 0x36ce6592);
    CHECK(r.x[3] == 0x145f3d67);
    // Linux's GUNYAH_UUID; the Gunyah drivers refuse to load on anything else.
    CHECK(uuid_as_linux_reads_it(r) == "c1d58fcd-a453-5fdb-9265-ce36673d5f14");

    // Qualcomm's UID follows the same rule (we never answer it; clients may accept it).
    Return qcom{};
    qcom.x[0] = GUNYAH_QCOM_UID_X0;
    qcom.x[1] = GUNYAH_QCOM_UID_X1;
    qcom.x[2] = GUNYAH_QCOM_UID_X2;
    qcom.x[3] = GUNYAH_QCOM_UID_X3;
    CHECK(uuid_as_linux_reads_it(qcom) == "19bd54bd-0b37-571b-946f-609b54539de6");
}

TEST_CASE("SMCCC version is 1.3 and ARCH_FEATURES answers for what exists")
{
    World w;
    const std::uint64_t version[8] = {GUNYAH_SMCCC_VERSION_ID};
    CHECK(dispatch_smccc(w.caller, version).x[0] == 0x10003);
    const std::uint64_t features_of_version[8] = {0x80000001, GUNYAH_SMCCC_VERSION_ID};
    CHECK(dispatch_smccc(w.caller, features_of_version).x[0] == 0);
    const std::uint64_t workaround[8] = {0x80000001, 0x80008000};
    CHECK(dispatch_smccc(w.caller, workaround).x[0] == not_supported);
}

TEST_CASE("unknown and malformed calls return NOT_SUPPORTED")
{
    World w;
    for (std::uint64_t id : {std::uint64_t{0xC6008000 + 0x3ff}, std::uint64_t{0xC6008000 + 0x08},  // gaps
                             std::uint64_t{0x86008000},  // SMC32 form of a hypercall
                             std::uint64_t{0xC6000000},  // vendor-hyp, not a hypercall number
                             std::uint64_t{0x8600FF00},  // deprecated CALL_COUNT
                             std::uint64_t{0x1C6008000}, // upper half of x0 set
                             std::uint64_t{0xC4000003}}) // PSCI: not the hypervisor's own service
    {
        const std::uint64_t regs[8] = {id, 1, 2, 3, 4, 5, 6, 7};
        CHECK(dispatch_smccc(w.caller, regs).x[0] == not_supported);
    }
    const std::uint64_t regs[8] = {};
    CHECK(dispatch_native(w.caller, 0, regs).x[0] == not_supported);       // HVC #0 is SMCCC's
    CHECK(dispatch_native(w.caller, 0x6200, regs).x[0] == not_supported);  // past the range
    CHECK(dispatch_native(w.caller, 0x6000 + 0x1ff, regs).x[0] == not_supported);
}

TEST_CASE("a non-zero reserved argument is refused before the handler runs")
{
    World w;
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_COPY_CAP_FROM, w.root_cap, w.other_cap, w.root_cap, ~0u, 1)) ==
          GUNYAH_ERROR_ARG_INVAL);
    CHECK(w.root.used() == 2);
}

TEST_CASE("copy, delete and revoke through hypercalls follow the caps' rights")
{
    World w;
    // Copy the cap to `other` into `other` itself with only COPY and DELETE rights.
    Return copy = w.smccc(GUNYAH_HC_CSPACE_COPY_CAP_FROM, w.root_cap, w.other_cap, w.other_cap,
                          GUNYAH_RIGHT_CSPACE_COPY | GUNYAH_RIGHT_CSPACE_DELETE);
    REQUIRE(err(copy) == GUNYAH_ERROR_OK);
    CapId in_other = copy.x[1];
    CHECK(w.other.rights_of(in_other).value() == (GUNYAH_RIGHT_CSPACE_COPY | GUNYAH_RIGHT_CSPACE_DELETE));

    // Rights above 32 bits are malformed.
    CHECK(err(w.native(GUNYAH_HC_CSPACE_COPY_CAP_FROM, w.root_cap, w.other_cap, w.other_cap, 1ull << 32)) ==
          GUNYAH_ERROR_ARG_INVAL);
    // A cap that is not a cspace.
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, 12345, in_other)) == GUNYAH_ERROR_CSPACE_CAP_NULL);

    // Revoke everything derived from the root's cap to `other`: the copy goes.
    REQUIRE(err(w.native(GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, w.root_cap, w.other_cap)) == GUNYAH_ERROR_OK);
    CHECK(w.other.lookup(in_other, ObjectType::none, 0).error() == Error::cspace_cap_revoked);

    REQUIRE(err(w.smccc(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, w.root_cap, w.other_cap)) == GUNYAH_ERROR_OK);
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, w.root_cap, w.other_cap)) == GUNYAH_ERROR_CSPACE_CAP_REVOKED);
}

TEST_CASE("cspace calls without the right fail and change nothing")
{
    World w;
    CapId weak = w.root.copy_to(w.root_cap, w.root, GUNYAH_RIGHT_CSPACE_COPY).value();
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, weak, w.other_cap)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_REVOKE_CAP_FROM, weak, w.root_cap)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_COPY_CAP_FROM, w.root_cap, w.other_cap, weak, ~0u)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(w.root.used() == 3);
    CHECK(err(w.smccc(GUNYAH_HC_CSPACE_CONFIGURE, w.other_cap, 4)) == GUNYAH_ERROR_OBJECT_STATE);  // active
}

TEST_CASE("a caller without a cspace can identify the hypervisor and nothing else")
{
    Caller nobody;
    for (std::uint32_t n = 0; n < GUNYAH_HC_NUM_LIMIT; ++n) {
        const Entry* entry = lookup(n);
        if (entry == nullptr || entry->handler == nullptr || n == GUNYAH_HC_HYP_IDENTIFY) {
            continue;
        }
        const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(n), 1, 2, 3, 4, 5, 6, 7};
        std::uint64_t x0 = dispatch_smccc(nobody, regs).x[0];
        CHECK((x0 == GUNYAH_ERROR_CSPACE_CAP_NULL || x0 == GUNYAH_ERROR_ARG_INVAL));
    }
    const std::uint64_t identify[8] = {GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY)};
    CHECK(GUNYAH_API_INFO_VERSION_OF(dispatch_smccc(nobody, identify).x[0]) == 1);
}
