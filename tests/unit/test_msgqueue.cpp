// Message queues through their hypercalls (kernel/ipc/msgqueue.h): configuration and its
// limits, the FIFO with its full and empty answers, message copies through the caller's
// stage 2, and every refusal, which must change nothing. Interrupts and thresholds are
// in test_msgqueue_interrupts.cpp, a model-checked random run in test_msgqueue_random.cpp.
#include <cstdint>
#include <vector>

#include <arch/guest_va.h>

#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

constexpr std::uint64_t all = ~std::uint64_t{0};

}  // namespace

TEST_CASE("msgqueue: configure takes depth 1..256 and message sizes 1..1024, in init only")
{
    Queues s;
    CapId q = s.new_msgqueue();
    MsgQueue& queue = s.mq(q);
    CHECK(queue.state() == ObjectState::init);
    // Not configured: nothing to activate.
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, q) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(queue.state() == ObjectState::init);

    auto configure = [&](CapId cap, std::uint64_t info) { return s.e(GUNYAH_HC_MSGQUEUE_CONFIGURE, cap, info); };
    // The cap: ACTIVATE, the type; R0.
    CHECK(configure(s.weak(q, GUNYAH_RIGHTS_MSGQUEUE_ALL & ~GUNYAH_RIGHT_ACTIVATE), create_info(4, 240)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(configure(s.vic_cap, create_info(4, 240)) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_CONFIGURE, q, create_info(4, 240), 1) == GUNYAH_ERROR_ARG_INVAL);
    // The limits, and bits outside depth and size.
    for (std::uint64_t bad : {create_info(0, 240), create_info(257, 240), create_info(4, 0), create_info(4, 1025),
                              std::uint64_t{0}, (std::uint64_t{1} << 32) | create_info(4, 240),
                              (std::uint64_t{1} << 63) | create_info(4, 240), all}) {
        CAPTURE(bad);
        CHECK(configure(q, bad) == GUNYAH_ERROR_ARG_INVAL);
        CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, q) == GUNYAH_ERROR_OBJECT_CONFIG);  // still not configured
    }
    // Both limits are accepted; a later configure replaces an earlier one.
    CHECK(configure(q, create_info(1, 1)) == GUNYAH_ERROR_OK);
    CHECK(configure(q, create_info(256, 1024)) == GUNYAH_ERROR_OK);
    CHECK(configure(q, create_info(8, 240)) == GUNYAH_ERROR_OK);
    CHECK(queue.state() == ObjectState::init);

    // Every other call wants it active.
    CHECK(err(s.send(q, 16)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.receive(q)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_FLUSH, q) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.configure_send(q, 1) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.configure_receive(q, 1) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, s.vic_cap, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, s.vic_cap, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, q) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q) == GUNYAH_ERROR_OBJECT_STATE);

    // Activation allocates the buffer: 8 x 240 bytes, one page.
    const std::uint64_t free_before = s.root.free_bytes();
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, q) == GUNYAH_ERROR_OK);
    CHECK(s.root.free_bytes() == free_before - page);
    MsgQueue::View v = queue.view();
    CHECK(v.depth == 8);
    CHECK(v.max_size == 240);
    CHECK(v.count == 0);
    CHECK(v.not_full_threshold == 7);  // Gunyah's defaults: depth - 1 and 1
    CHECK(v.not_empty_threshold == 1);
    CHECK(configure(q, create_info(4, 240)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, q) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(queue.view() == v);

    // The largest queue: 256 KiB of buffer, given back when it goes.
    const std::uint64_t free_now = s.root.free_bytes();
    CapId big = s.msgqueue(256, 1024);
    CHECK(s.root.free_bytes() <= free_now - 64 * page);
    s.drop(big);
    CHECK(s.root.free_bytes() == free_now);
}

TEST_CASE("msgqueue: messages come out in order and whole, with not_full and not_empty")
{
    Queues s;
    CapId q = s.msgqueue(3, rm_size);
    // Three messages of different sizes and contents, the RM's size among them.
    const std::uint64_t sizes[] = {rm_size, 1, 100};
    for (unsigned i = 0; i < 3; ++i) {
        s.fill(buf_ipa, sizes[i], static_cast<std::uint8_t>(10 * i));
        Return r = s.send(q, sizes[i]);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        CHECK(r.x[1] == (i < 2 ? 1u : 0u));  // not_full, until the third
        CHECK(s.count(q) == i + 1);
    }
    CHECK(err(s.send(q, 1)) == GUNYAH_ERROR_MSGQUEUE_FULL);
    CHECK(s.send(q, 1).x[1] == 0);
    for (unsigned i = 0; i < 3; ++i) {
        s.fill(rx_ipa, rm_size + 1, 0xf0);
        Return r = s.receive(q, rx_ipa, rm_size);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        CHECK(r.x[1] == sizes[i]);
        CHECK(r.x[2] == (i < 2 ? 1u : 0u));  // not_empty, until the last
        CHECK(s.bytes(rx_ipa, sizes[i]) == Ipc::pattern(sizes[i], static_cast<std::uint8_t>(10 * i)));
        // Nothing past the message is written.
        CHECK(*s.host(rx_ipa + sizes[i]) == Ipc::pattern(rm_size + 1, 0xf0)[sizes[i]]);
    }
    Return r = s.receive(q);
    CHECK(err(r) == GUNYAH_ERROR_MSGQUEUE_EMPTY);
    CHECK(r.x[1] == 0);
    CHECK(r.x[2] == 0);

    // Round the ring a few times: order holds across the wrap.
    for (unsigned round = 0; round < 5; ++round) {
        for (unsigned i = 0; i < 2; ++i) {
            s.fill(buf_ipa, 8, static_cast<std::uint8_t>(round * 2 + i));
            REQUIRE(err(s.send(q, 8)) == GUNYAH_ERROR_OK);
        }
        for (unsigned i = 0; i < 2; ++i) {
            REQUIRE(err(s.receive(q, rx_ipa, 8)) == GUNYAH_ERROR_OK);
            CHECK(s.bytes(rx_ipa, 8) == Ipc::pattern(8, static_cast<std::uint8_t>(round * 2 + i)));
        }
    }
    // An empty message is a message.
    REQUIRE(err(s.send(q, 0, hole_ipa)) == GUNYAH_ERROR_OK);  // nothing to read, so no buffer needed
    r = s.receive(q, hole_ipa, 0);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 0);
}

TEST_CASE("msgqueue: sizes are checked: a message beyond the queue's size, a receive buffer too small")
{
    Queues s;
    CapId q = s.bound_queue(2, 64);
    const MsgQueue::View empty = s.mq(q).view();
    CHECK(err(s.send(q, 65)) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(err(s.send(q, all)) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(s.mq(q).view() == empty);

    s.fill(buf_ipa, 64, 5);
    REQUIRE(err(s.send(q, 64)) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.send(q, 10)) == GUNYAH_ERROR_OK);
    // Full, and the size is checked first (an argument, before the queue's state).
    CHECK(err(s.send(q, 65)) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(err(s.send(q, 64)) == GUNYAH_ERROR_MSGQUEUE_FULL);
    const MsgQueue::View full = s.mq(q).view();

    // A receive buffer smaller than the message: arg_size, and the message stays first.
    s.fill(rx_ipa, 64, 0xaa);
    Return r = s.receive(q, rx_ipa, 63);
    CHECK(err(r) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(r.x[1] == 0);
    CHECK(s.mq(q).view() == full);
    CHECK(s.bytes(rx_ipa, 64) == Ipc::pattern(64, 0xaa));  // not a byte written
    r = s.receive(q, rx_ipa, 64);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 64);
    CHECK(s.bytes(rx_ipa, 64) == Ipc::pattern(64, 5));
    // A larger buffer than the message is fine.
    r = s.receive(q, rx_ipa, all);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 10);
}

TEST_CASE("msgqueue: messages go through the caller's stage 2, a bad buffer is addr_inval and changes nothing")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);

    // A message across two pages that are not adjacent in physical memory, both ways.
    const std::uint64_t across = swap_ipa + page - 50;
    s.fill(across, 120, 42);
    REQUIRE(err(s.send(q, 120, across)) == GUNYAH_ERROR_OK);
    s.fill(across, 120, 0);
    REQUIRE(err(s.receive(q, across, 120)) == GUNYAH_ERROR_OK);
    CHECK(s.bytes(across, 120) == Ipc::pattern(120, 42));
    // Read-only memory can be sent from; write-only memory received into.
    REQUIRE(err(s.send(q, 16, ro_ipa)) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.receive(q, wo_ipa, rm_size)) == GUNYAH_ERROR_OK);

    REQUIRE(err(s.send(q, 16)) == GUNYAH_ERROR_OK);  // one message waiting
    const MsgQueue::View one = s.mq(q).view();
    struct Bad {
        const char* what;
        std::uint64_t ipa;
        bool send_ok;
        bool receive_ok;
    };
    const Bad bad[] = {
        {"unmapped", hole_ipa, false, false},
        {"running off the mapping", buf_ipa + buf_pages * page - 8, false, false},
        {"read-only", ro_ipa, true, false},
        {"write-only", wo_ipa, false, true},
        {"device memory", dev_ipa, false, false},
        {"wrapping", all - 7, false, false},
        {"beyond the IPA size", std::uint64_t{1} << 50, false, false},
    };
    s.fill(buf_ipa + (buf_pages - 1) * page, page, 0x33);
    for (const Bad& b : bad) {
        CAPTURE(b.what);
        if (!b.send_ok) {
            CHECK(err(s.send(q, 16, b.ipa)) == GUNYAH_ERROR_ADDR_INVAL);
            CHECK(err(s.send(q, 16, b.ipa, push)) == GUNYAH_ERROR_ADDR_INVAL);
            CHECK(s.mq(q).view() == one);  // nothing queued, no interrupt
        }
        if (!b.receive_ok) {
            Return r = s.receive(q, b.ipa, rm_size);
            CHECK(err(r) == GUNYAH_ERROR_ADDR_INVAL);
            CHECK(r.x[1] == 0);
            CHECK(s.mq(q).view() == one);  // the message is still there
        }
        CHECK(s.bytes(buf_ipa + (buf_pages - 1) * page, page) == Ipc::pattern(page, 0x33));
    }

    // A caller with no vCPU has no memory to copy.
    s.caller.vcpu = nullptr;
    CHECK(err(s.send(q, 16)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(err(s.receive(q)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(s.mq(q).view() == one);

    // A vCPU of another VM: buf_ipa means nothing in its stage 2.
    CapId stranger = s.vcpu(0, 2);
    s.caller.vcpu = &s.v(stranger);
    CHECK(err(s.send(q, 16)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(err(s.receive(q)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(s.mq(q).view() == one);

    // The VM's other vCPU shares its memory.
    s.caller.vcpu = &s.v(s.t1);
    CHECK(err(s.receive(q)) == GUNYAH_ERROR_OK);
}

TEST_CASE("msgqueue: every call checks its cap (null, revoked, type, rights) and R0, and changes nothing")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    s.send_ok(q, 2);
    const MsgQueue::View before = s.mq(q).view();
    CapId gone = s.weak(q, GUNYAH_RIGHTS_MSGQUEUE_ALL);
    s.drop(gone);
    const CapId null_cap = 0xdead'beef;

    struct Call {
        const char* name;
        std::uint32_t number;
        Rights needs;
        int r0;  // the R0 input's index, or -1
        std::uint64_t a1, a2, a3;
    };
    const Call calls[] = {
        {"send", GUNYAH_HC_MSGQUEUE_SEND, GUNYAH_RIGHT_MSGQUEUE_SEND, 4, 16, buf_ipa, 0},
        {"receive", GUNYAH_HC_MSGQUEUE_RECEIVE, GUNYAH_RIGHT_MSGQUEUE_RECEIVE, 3, rx_ipa, rm_size, 0},
        {"flush", GUNYAH_HC_MSGQUEUE_FLUSH, GUNYAH_RIGHT_MSGQUEUE_RECEIVE, 1, 0, 0, 0},
        {"configure_send", GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, GUNYAH_RIGHT_MSGQUEUE_SEND, -1, 0, 0, all},
        {"configure_receive", GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, GUNYAH_RIGHT_MSGQUEUE_RECEIVE, -1, 4, 0, all},
        {"bind_send_virq", GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, GUNYAH_RIGHT_MSGQUEUE_BIND_SEND, 3, s.vic_cap, spi_c, 0},
        {"bind_receive_virq", GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE, 3, s.vic_cap,
         spi_c, 0},
        {"unbind_send_virq", GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, GUNYAH_RIGHT_MSGQUEUE_BIND_SEND, 1, 0, 0, 0},
        {"unbind_receive_virq", GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE, 1, 0, 0,
         0},
        {"configure", GUNYAH_HC_MSGQUEUE_CONFIGURE, GUNYAH_RIGHT_ACTIVATE, 2, create_info(2, 16), 0, 0},
    };
    for (const Call& c : calls) {
        CAPTURE(c.name);
        auto as = [&](CapId cap) { return s.e(c.number, cap, c.a1, c.a2, c.a3); };
        CHECK(as(null_cap) == GUNYAH_ERROR_CSPACE_CAP_NULL);
        CHECK(as(GUNYAH_CAP_ID_INVALID) == GUNYAH_ERROR_CSPACE_CAP_NULL);
        CHECK(as(gone) == GUNYAH_ERROR_CSPACE_CAP_REVOKED);
        CHECK(as(s.vic_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
        CHECK(as(s.weak(q, GUNYAH_RIGHTS_MSGQUEUE_ALL & ~c.needs)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
        if (c.r0 >= 0) {
            std::uint64_t regs[5] = {q, c.a1, c.a2, c.a3, 0};
            regs[c.r0] = 1;
            CHECK(s.e(c.number, regs[0], regs[1], regs[2], regs[3], regs[4]) == GUNYAH_ERROR_ARG_INVAL);
        }
        CHECK(s.mq(q).view() == before);
    }
    // configure on an active queue: the state, after the cap.
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_CONFIGURE, q, create_info(2, 16)) == GUNYAH_ERROR_OBJECT_STATE);
    // send: undefined flag bits.
    CHECK(err(s.send(q, 16, buf_ipa, 2)) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(err(s.send(q, 16, buf_ipa, std::uint64_t{1} << 32 | push)) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.mq(q).view() == before);
    CHECK_FALSE(s.spi_pending(spi_c));

    // The right each needs is enough on its own.
    CHECK(err(s.send(s.weak(q, GUNYAH_RIGHT_MSGQUEUE_SEND), 16)) == GUNYAH_ERROR_OK);
    CHECK(err(s.receive(s.weak(q, GUNYAH_RIGHT_MSGQUEUE_RECEIVE))) == GUNYAH_ERROR_OK);
    CHECK(s.configure_send(s.weak(q, GUNYAH_RIGHT_MSGQUEUE_SEND), 2) == GUNYAH_ERROR_OK);
    CHECK(s.configure_receive(s.weak(q, GUNYAH_RIGHT_MSGQUEUE_RECEIVE), 2) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, s.weak(q, GUNYAH_RIGHT_MSGQUEUE_BIND_SEND)) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, s.weak(q, GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE)) ==
          GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_FLUSH, s.weak(q, GUNYAH_RIGHT_MSGQUEUE_RECEIVE)) == GUNYAH_ERROR_OK);
}

namespace {

// A guest stage 1 for the test below: VA page `va_page` -> IPA page `ipa_page`, the page
// after it -> `second_ipa_page`; VA `fault_va_page` faults; anything else is flat.
struct Stage1 {
    std::uint64_t va_page = 0, ipa_page = 0, second_ipa_page = 0, fault_va_page = 0;
};
Stage1 stage1;

hyp::arch::GuestVaTranslation translate(std::uint64_t va, bool)
{
    const std::uint64_t page_of = va & ~std::uint64_t{0xfff}, offset = va & 0xfff;
    if (page_of == stage1.fault_va_page) {
        return {false, 0};
    }
    if (page_of == stage1.va_page) {
        return {true, stage1.ipa_page + offset};
    }
    if (page_of == stage1.va_page + 0x1000) {
        return {true, stage1.second_ipa_page + offset};
    }
    return {true, va};
}

struct FakeStage1 {
    FakeStage1() { hyp::arch::guest_va_fake::translate = translate; }
    ~FakeStage1() { hyp::arch::guest_va_fake::translate = nullptr; }
};

}  // namespace

TEST_CASE("msgqueue: buffers are the caller's virtual addresses, through its own stage 1 first")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    FakeStage1 fake;
    const std::uint64_t va = 0xffff000000200000ull;  // a kernel VA, nothing like an IPA
    stage1 = Stage1{va, buf_ipa, buf_ipa + page, 0xffff000000400000ull};

    // Through stage 1 to buf_ipa, and back out at another VA of the same page.
    s.fill(buf_ipa + 8, 100, 7);
    REQUIRE(err(s.send(q, 100, va + 8)) == GUNYAH_ERROR_OK);
    s.fill(buf_ipa + 8, 100, 0);
    REQUIRE(err(s.receive(q, va + 8, rm_size)) == GUNYAH_ERROR_OK);
    CHECK(s.bytes(buf_ipa + 8, 100) == Ipc::pattern(100, 7));

    // Across two pages that are contiguous in IPA too: fine.
    REQUIRE(err(s.send(q, 100, va + page - 40)) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.receive(q, va + page - 40, rm_size)) == GUNYAH_ERROR_OK);

    const MsgQueue::View empty = s.mq(q).view();
    // A stage-1 fault, and two pages that are not contiguous in IPA: addr_inval, nothing queued.
    CHECK(err(s.send(q, 16, stage1.fault_va_page + 16)) == GUNYAH_ERROR_ADDR_INVAL);
    stage1.second_ipa_page = buf_ipa + 2 * page;
    CHECK(err(s.send(q, 100, va + page - 40)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(s.mq(q).view() == empty);
    // The same on receive: the message stays.
    REQUIRE(err(s.send(q, 16, va)) == GUNYAH_ERROR_OK);
    const MsgQueue::View one = s.mq(q).view();
    CHECK(err(s.receive(q, stage1.fault_va_page, rm_size)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(err(s.receive(q, va + page - 40, rm_size)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(s.mq(q).view() == one);
}
