// Message queues under concurrency: a sender and a receiver on two host threads (two
// vCPUs of one VM, each copying through its own buffer), every message arriving once, in
// order and whole, and each interrupt raised exactly once per edge, which the threads can
// count from what their calls answered:
//  - the count becomes 0 only by a receive that answers not_empty = 0, and every such
//    empty queue is refilled by a send that makes it 1, the receive interrupt's edge
//    (threshold 1, no push); the run ends empty, so the edges are those receives;
//  - the queue becomes full only by a send that answers not_full = 0, and every full
//    queue is drained by a receive that makes it depth - 1, the send interrupt's edge.
// A second case binds and unbinds the receive interrupt from a third thread meanwhile.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>

#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

constexpr unsigned messages = 20000;
constexpr std::uint32_t depth = 4;
constexpr std::uint64_t tx_ipa = buf_ipa;  // the sender's buffer; the receiver's is rx_ipa

std::uint64_t message_size(unsigned i) { return 8 + i % 200; }
std::uint8_t message_byte(unsigned i, std::size_t at) { return static_cast<std::uint8_t>(i * 31 + at); }

Return call_as(Caller& who, std::uint32_t n, std::uint64_t a0, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3 = 0)
{
    const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(n), a0, a1, a2, a3, 0, 0, 0};
    return dispatch_smccc(who, regs);
}

// Catch2's assertions are not for other threads: they note what went wrong here, and the
// test checks it after joining them.
struct Counts {
    unsigned sent_full = 0;         // sends that answered not_full = 0
    unsigned received_empty = 0;    // receives that answered not_empty = 0
    unsigned received = 0;
    bool in_order = true;
    std::int64_t send_error = 0;    // the first unexpected error, or 0
    std::int64_t receive_error = 0;
};

// Runs the sender and the receiver to the end. The buffers are only touched by their
// own thread (the host pointers were found before the threads start).
Counts run_pair(Ipc& s, CapId q, std::atomic<bool>* stop_extra = nullptr)
{
    Caller sender{&s.cspace, &s.v(s.t0)};
    Caller receiver{&s.cspace, &s.v(s.t1)};
    std::uint8_t* tx = s.host(tx_ipa);
    std::uint8_t* rx = s.host(rx_ipa);
    Counts counts;
    std::atomic<bool> sender_gave_up{false};  // so that the receiver does not wait for ever

    std::thread send_thread([&] {
        for (unsigned i = 0; i < messages; ++i) {
            const std::uint64_t size = message_size(i);
            std::memcpy(tx, &i, sizeof i);
            for (std::size_t at = sizeof i; at < size; ++at) {
                tx[at] = message_byte(i, at);
            }
            for (;;) {
                Return r = call_as(sender, GUNYAH_HC_MSGQUEUE_SEND, q, size, tx_ipa, 0);
                if (err(r) == GUNYAH_ERROR_OK) {
                    counts.sent_full += r.x[1] == 0 ? 1 : 0;
                    break;
                }
                if (err(r) != GUNYAH_ERROR_MSGQUEUE_FULL) {
                    counts.send_error = err(r);
                    sender_gave_up.store(true);
                    return;
                }
                std::this_thread::yield();
            }
        }
    });
    std::thread receive_thread([&] {
        while (counts.received < messages && !sender_gave_up.load()) {
            Return r = call_as(receiver, GUNYAH_HC_MSGQUEUE_RECEIVE, q, rx_ipa, rm_size);
            if (err(r) == GUNYAH_ERROR_MSGQUEUE_EMPTY) {
                std::this_thread::yield();
                continue;
            }
            if (err(r) != GUNYAH_ERROR_OK) {
                counts.receive_error = err(r);
                return;
            }
            unsigned seq = 0;
            std::memcpy(&seq, rx, sizeof seq);
            bool whole = seq == counts.received && r.x[1] == message_size(seq);
            for (std::size_t at = sizeof seq; whole && at < r.x[1]; ++at) {
                whole = rx[at] == message_byte(seq, at);
            }
            counts.in_order = counts.in_order && whole;
            counts.received_empty += r.x[2] == 0 ? 1 : 0;
            ++counts.received;
        }
    });
    send_thread.join();
    receive_thread.join();
    if (stop_extra != nullptr) {
        stop_extra->store(true);
    }
    CHECK(counts.send_error == 0);
    CHECK(counts.receive_error == 0);
    return counts;
}

}  // namespace

TEST_CASE("ipc concurrent: a sender and a receiver on two CPUs, every message once, in order, one raise per edge")
{
    Ipc s;
    CapId q = s.msgqueue(depth, rm_size);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, s.vic_cap, spi_b) == GUNYAH_ERROR_OK);

    Counts c = run_pair(s, q);
    CHECK(c.received == messages);
    CHECK(c.in_order);
    MsgQueue::View v = s.mq(q).view();
    CHECK(v.count == 0);
    INFO("full " << c.sent_full << " times, empty " << c.received_empty << " times");
    CHECK(v.receive_raised == c.received_empty);
    CHECK(v.send_raised == c.sent_full);
    CHECK(v.receive_raised > 0);
    CHECK(s.spi_pending(spi_b));
}

TEST_CASE("ipc concurrent: binding and unbinding the receive interrupt while messages flow")
{
    Ipc s;
    CapId q = s.msgqueue(depth, rm_size);
    std::atomic<bool> stop{false};
    std::atomic<unsigned> rebinds{0};
    std::atomic<std::int64_t> binder_error{0};
    const CapId vic_cap = s.vic_cap;
    std::thread binder([&] {
        Caller rm{&s.cspace, nullptr};  // binding copies nothing: no vCPU needed
        while (!stop.load() && binder_error.load() == 0) {
            // Alternately on two SPIs; nobody else binds or unbinds this side.
            const std::uint32_t spi = rebinds.load() % 2 == 0 ? spi_b : spi_c;
            Return b = call_as(rm, GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, vic_cap, spi);
            Return u = call_as(rm, GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q, 0, 0);
            if (err(b) != GUNYAH_ERROR_OK || err(u) != GUNYAH_ERROR_OK) {
                binder_error.store(err(b) != GUNYAH_ERROR_OK ? err(b) : err(u));
            }
            ++rebinds;
        }
    });
    Counts c = run_pair(s, q, &stop);
    binder.join();
    CHECK(binder_error.load() == 0);
    CHECK(c.received == messages);
    CHECK(c.in_order);
    CHECK(rebinds.load() > 0);
    MsgQueue::View v = s.mq(q).view();
    CHECK_FALSE(v.receive_bound);
    CHECK(v.receive_raised <= c.received_empty);  // only the edges that found it bound
    CHECK(s.vic(s.vic_cap).references() == 3);    // its cap and two vCPUs: no reference left behind
}
