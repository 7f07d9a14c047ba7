// Random and mutated fragment streams through a channel and the dispatcher, from fixed
// seeds and for a bounded time: the RM must not crash or read out of bounds (ASan and
// UBSan watch), everything it sends must be well-formed for Linux's receiver, every
// request it dispatched must get exactly one reply, and the well-formed requests
// interleaved with the garbage must get their right replies.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <random>

#include "rm/rpc/builtin_handlers.h"
#include "rm/rpc/dispatcher.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp;
using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

constexpr std::uint32_t echo_id = 0x5600FF01;  // the test's own request: replies its payload
constexpr std::uint16_t client = 0x81;

HandlerResult echo(void* /*context*/, const Request& request, WireWriter& reply)
{
    reply.bytes(request.payload, request.size);
    return HandlerResult::ok();
}

class Fuzzer {
public:
    explicit Fuzzer(std::uint64_t seed) : rng_{seed}
    {
        channel_->attach(queues_, client);
        REQUIRE(add_builtin_handlers(*dispatcher_));
        REQUIRE(dispatcher_->add(echo_id, &echo));
    }

    void step()
    {
        switch (pick(10)) {
        case 0:
        case 1:
        case 2: random_fragment(); break;
        case 3:
        case 4:
        case 5: mutated_fragment(); break;
        case 6: well_formed_request(); break;
        case 7: stray_inside_request(); break;
        case 8: notification(); break;
        case 9: weather(); break;
        }
        if (pick(3) == 0) {
            (void)channel_->poll(*dispatcher_);
        }
    }

    // Opens the TX queue and polls until everything is through, then checks.
    void finish()
    {
        queues_.tx_room = SIZE_MAX;
        for (int i = 0; i < 100000 && (!queues_.rx.empty() || channel_->backlog_fragments() != 0); ++i) {
            (void)channel_->poll(*dispatcher_);
        }
        REQUIRE(queues_.rx.empty());
        REQUIRE(channel_->backlog_fragments() == 0);

        const LinuxReceiver linux = client_view(queues_);
        // Everything the RM sent was well-formed, and no message was cut short.
        CHECK(linux.ignored == 0);
        CHECK(linux.aborted == 0);
        CHECK(linux.errors == 0);
        // One reply per request dispatched, none lost.
        const DispatcherStats& d = dispatcher_->stats();
        std::size_t replies = 0;
        std::map<std::uint16_t, std::vector<const Received*>> by_seq;
        std::uint16_t expected_notification = 0;
        std::size_t notifications = 0;
        for (const Received& m : linux.messages) {
            if (m.type == GUNYAH_RM_RPC_TYPE_REPLY) {
                ++replies;
                by_seq[m.seq].push_back(&m);
            } else {
                CHECK(m.seq == expected_notification);
                ++expected_notification;
                ++notifications;
            }
        }
        CHECK(replies == d.requests + d.unimplemented);
        CHECK(d.replies_lost == 0);
        CHECK(channel_->stats().replies_dropped == 0);
        CHECK(notifications + channel_->stats().notifications_dropped == notifications_asked_);
        // Each well-formed request got its reply (garbage may have produced more replies
        // with the same sequence number; one of them is the right one).
        for (const Expected& e : expected_) {
            bool found = false;
            for (const Received* m : by_seq[e.seq]) {
                found = found || (m->msg_id == e.msg_id && m->rm_error == GUNYAH_RM_OK && m->payload == e.reply);
            }
            CAPTURE(e.seq, e.msg_id);
            CHECK(found);
        }
        CHECK(!expected_.empty());
    }

private:
    struct Expected {
        std::uint16_t seq;
        std::uint32_t msg_id;
        Bytes reply;
    };

    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>{0, n - 1}(rng_); }
    std::uint8_t byte() { return static_cast<std::uint8_t>(pick(256)); }
    Bytes random_bytes(std::size_t n)
    {
        Bytes b(n);
        for (std::uint8_t& x : b) {
            x = byte();
        }
        return b;
    }

    // A plausible header more often than chance would give one.
    Bytes random_fragment()
    {
        Bytes f = random_bytes(pick(250));
        if (f.size() >= 2 && pick(2) == 0) {
            f[0] = linux_api_byte;
            f[1] = static_cast<std::uint8_t>(f[1] & (pick(2) == 0 ? 0x03 : 0xFF));
        }
        queues_.rx.push_back(f);
        return f;
    }

    void mutated_fragment()
    {
        const std::uint32_t id = pick(2) == 0 ? echo_id : GUNYAH_RM_MSG_VM_GET_VMID;
        std::vector<Bytes> fs = linux_request(id, static_cast<std::uint16_t>(pick(65536)), random_bytes(pick(700)));
        Bytes f = fs[pick(fs.size())];
        switch (pick(5)) {
        case 0: f[pick(8)] ^= static_cast<std::uint8_t>(1u << pick(8)); break;  // a header bit
        case 1: f.resize(pick(f.size() + 1)); break;                             // cut short
        case 2: f.resize(f.size() + 1 + pick(20), byte()); break;                // grown
        case 3: f[1] = static_cast<std::uint8_t>((f[1] & 0x03) | (pick(64) << 2)); break;  // count
        case 4: f[pick(f.size())] = byte(); break;                               // anywhere
        }
        queues_.rx.push_back(f);
    }

    Bytes request_payload(std::uint32_t id)
    {
        if (id == GUNYAH_RM_MSG_VM_GET_VMID) {
            return {};
        }
        // Mostly small, sometimes up to the largest Linux sends.
        return random_bytes(pick(4) == 0 ? pick(232 * 62 + 1) : pick(500));
    }

    void expect(std::uint16_t seq, std::uint32_t id, const Bytes& payload)
    {
        const Bytes reply = id == GUNYAH_RM_MSG_VM_GET_VMID ? Bytes{client, 0, 0, 0} : payload;
        expected_.push_back(Expected{seq, id, reply});
    }

    void well_formed_request()
    {
        const std::uint32_t id = pick(2) == 0 ? echo_id : GUNYAH_RM_MSG_VM_GET_VMID;
        const std::uint16_t seq = next_seq_++;
        const Bytes payload = request_payload(id);
        client_sends(queues_, id, seq, payload);
        expect(seq, id, payload);
    }

    // A well-formed request with continuations of other messages slipped between its
    // own: the strays are dropped and the request still completes.
    void stray_inside_request()
    {
        const std::uint16_t seq = next_seq_++;
        const Bytes payload = random_bytes(233 + pick(1500));
        const std::vector<Bytes> fs = linux_request(echo_id, seq, payload);
        for (std::size_t i = 0; i < fs.size(); ++i) {
            queues_.rx.push_back(fs[i]);
            if (i + 1 < fs.size() && pick(2) == 0) {
                const std::size_t count = fs.size() - 1;
                switch (pick(3)) {
                case 0: queues_.rx.push_back(fragment(0, count, seq + 1u, echo_id, random_bytes(pick(233)))); break;
                case 1: queues_.rx.push_back(fragment(0, count, seq, echo_id + 1, random_bytes(pick(233)))); break;
                case 2: queues_.rx.push_back(fragment(0, (count + 1) % 63, seq, echo_id, random_bytes(pick(233)))); break;
                }
            }
        }
        expect(seq, echo_id, payload);
    }

    void notification()
    {
        const Bytes payload = random_bytes(pick(8) == 0 ? pick(max_payload + 2) : pick(40));
        ++notifications_asked_;
        (void)channel_->notify(sequence_, GUNYAH_RM_NOTIF_VM_STATUS, payload.data(), payload.size());
    }

    // The client stops and starts reading its queue.
    void weather() { queues_.tx_room = pick(3) == 0 ? 0 : pick(4) == 0 ? SIZE_MAX : pick(70); }

    std::mt19937_64 rng_;
    FakeQueuePair queues_;
    std::unique_ptr<RpcChannel> channel_ = std::make_unique<RpcChannel>();
    std::unique_ptr<Dispatcher> dispatcher_ = std::make_unique<Dispatcher>();
    NotificationSequence sequence_;
    std::vector<Expected> expected_;
    std::size_t notifications_asked_ = 0;
    std::uint16_t next_seq_ = 0x1000;
};

}  // namespace

TEST_CASE("rm rpc fuzz: garbage and mutated fragments never hurt the RM, and good requests still get answers",
          "[rpc][fuzz]")
{
    // A few seconds at most under the sanitizers: steps per seed, and a clock over all.
    constexpr std::uint64_t seeds[] = {1, 2, 3, 0x5EED, 0xC0FFEE, 20240229};
    constexpr std::size_t steps_per_seed = 6000;
    constexpr auto budget = std::chrono::seconds(3);
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t seed : seeds) {
        CAPTURE(seed);
        auto fuzzer = std::make_unique<Fuzzer>(seed);
        for (std::size_t i = 0; i < steps_per_seed; ++i) {
            fuzzer->step();
            if (std::chrono::steady_clock::now() - start > budget) {
                break;
            }
        }
        fuzzer->finish();
    }
}
