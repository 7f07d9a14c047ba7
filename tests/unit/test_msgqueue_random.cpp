// Message queues against a model: random sends (good and bad buffers, sizes, flags),
// receives (good and bad buffers, short buffers), flushes and threshold changes, each
// checked against a std::deque and a count of the interrupts the model says must have
// been raised. After every call: the same answer, the same queue, the same interrupt
// counts, the received bytes, and a refused receive's buffer untouched.
#include <cstdint>
#include <deque>
#include <iterator>
#include <random>
#include <vector>

#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

// The fixture's mappings, and what each allows.
struct Region {
    std::uint64_t base;
    std::uint64_t size;
    bool readable;
    bool writable;
};
constexpr Region regions[] = {
    {buf_ipa, buf_pages * page, true, true},
    {swap_ipa, 2 * page, true, true},
    {ro_ipa, page, true, false},
    {wo_ipa, page, false, true},
    {dev_ipa, page, false, false},  // Device memory: never copied
};

bool inside(std::uint64_t ipa, std::uint64_t size, bool write)
{
    if (size == 0) {
        return true;
    }
    for (const Region& r : regions) {
        if (ipa >= r.base && ipa - r.base <= r.size && size <= r.size - (ipa - r.base)) {
            return write ? r.writable : r.readable;
        }
    }
    return false;
}

struct Model {
    std::uint32_t depth;
    std::uint32_t max_size;
    std::deque<std::vector<std::uint8_t>> messages;
    std::uint32_t not_full;
    std::uint32_t not_empty = 1;
    std::uint64_t tx_raised = 0;
    std::uint64_t rx_raised = 0;
};

class Run {
public:
    Run(Ipc& s, CapId q, Model& m, std::uint32_t seed) : s_{s}, q_{q}, m_{m}, rng_{seed} {}

    void step()
    {
        switch (rng_() % 10) {
        case 0:
        case 1:
        case 2:
        case 3: send(); break;
        case 4:
        case 5:
        case 6: receive(); break;
        case 7: flush(); break;
        case 8: configure_send(); break;
        default: configure_receive(); break;
        }
        MsgQueue::View v = s_.mq(q_).view();
        REQUIRE(v.count == m_.messages.size());
        REQUIRE(v.not_full_threshold == m_.not_full);
        REQUIRE(v.not_empty_threshold == m_.not_empty);
        REQUIRE(v.send_raised == m_.tx_raised);
        REQUIRE(v.receive_raised == m_.rx_raised);
    }

private:
    // A buffer somewhere interesting: inside a mapping, across one's end, in a hole.
    std::uint64_t buffer(std::uint64_t size)
    {
        const Region& r = regions[rng_() % std::size(regions)];
        switch (rng_() % 6) {
        case 0: return hole_ipa + rng_() % page;
        case 1: return r.base + r.size - rng_() % (size + 1);  // may run off the end
        case 2: return swap_ipa + page - rng_() % (size + 1);  // across the swapped pages
        default: return r.base + rng_() % (r.size - (size < r.size ? size : r.size) + 1);
        }
    }
    std::uint64_t size()
    {
        switch (rng_() % 8) {
        case 0: return 0;
        case 1: return m_.max_size;
        case 2: return m_.max_size + 1 + rng_() % 4;
        default: return rng_() % (m_.max_size + 1);
        }
    }
    // Writes a pattern where the VM has memory the host can reach; returns what the
    // sender's buffer holds (meaningful only when the send may succeed).
    std::vector<std::uint8_t> fill(std::uint64_t ipa, std::uint64_t n)
    {
        std::vector<std::uint8_t> out(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            out[i] = static_cast<std::uint8_t>(rng_());
            if (inside(ipa + i, 1, false) || inside(ipa + i, 1, true)) {
                *s_.host(ipa + i) = out[i];
            }
        }
        return out;
    }
    std::vector<std::uint8_t> peek(std::uint64_t ipa, std::uint64_t n)
    {
        std::vector<std::uint8_t> out(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            bool mapped = inside(ipa + i, 1, false) || inside(ipa + i, 1, true);
            out[i] = mapped ? *s_.host(ipa + i) : 0;
        }
        return out;
    }

    void send()
    {
        const std::uint64_t n = size();
        const std::uint64_t ipa = buffer(n);
        const std::uint64_t flags = rng_() % 8 == 0 ? 2 : rng_() % 2;  // sometimes an undefined bit
        const std::vector<std::uint8_t> data = fill(ipa, n < m_.max_size ? n : m_.max_size);
        Return r = s_.send(q_, n, ipa, flags);
        std::int64_t want = GUNYAH_ERROR_OK;
        if (flags > 1) {
            want = GUNYAH_ERROR_ARG_INVAL;
        } else if (n > m_.max_size) {
            want = GUNYAH_ERROR_ARG_SIZE;
        } else if (m_.messages.size() == m_.depth) {
            want = GUNYAH_ERROR_MSGQUEUE_FULL;
        } else if (!inside(ipa, n, false)) {
            want = GUNYAH_ERROR_ADDR_INVAL;
        }
        REQUIRE(err(r) == want);
        if (want != GUNYAH_ERROR_OK) {
            REQUIRE(r.x[1] == 0);
            return;
        }
        m_.messages.push_back(data);
        if (flags != 0 || m_.messages.size() == m_.not_empty) {
            ++m_.rx_raised;
        }
        REQUIRE(r.x[1] == (m_.messages.size() < m_.depth ? 1u : 0u));
    }

    void receive()
    {
        const std::uint64_t room = rng_() % 4 == 0 ? rng_() % (m_.max_size + 1) : m_.max_size + rng_() % 3;
        const std::uint64_t n = m_.messages.empty() ? 0 : m_.messages.front().size();
        const std::uint64_t ipa = buffer(n);
        fill(ipa, m_.max_size);
        const std::vector<std::uint8_t> before = peek(ipa, m_.max_size);
        Return r = s_.receive(q_, ipa, room);
        std::int64_t want = GUNYAH_ERROR_OK;
        if (m_.messages.empty()) {
            want = GUNYAH_ERROR_MSGQUEUE_EMPTY;
        } else if (n > room) {
            want = GUNYAH_ERROR_ARG_SIZE;
        } else if (!inside(ipa, n, true)) {
            want = GUNYAH_ERROR_ADDR_INVAL;
        }
        REQUIRE(err(r) == want);
        if (want != GUNYAH_ERROR_OK) {
            REQUIRE(r.x[1] == 0);
            REQUIRE(r.x[2] == 0);
            REQUIRE(peek(ipa, m_.max_size) == before);
            return;
        }
        std::vector<std::uint8_t> got = peek(ipa, n);
        REQUIRE(got == m_.messages.front());
        m_.messages.pop_front();
        if (m_.messages.size() == m_.not_full) {
            ++m_.tx_raised;
        }
        REQUIRE(r.x[1] == n);
        REQUIRE(r.x[2] == (m_.messages.empty() ? 0u : 1u));
        // Beyond the message, the buffer is as it was.
        const std::vector<std::uint8_t> after = peek(ipa, m_.max_size);
        const auto skip = static_cast<std::ptrdiff_t>(n);
        REQUIRE(std::vector<std::uint8_t>(after.begin() + skip, after.end()) ==
                std::vector<std::uint8_t>(before.begin() + skip, before.end()));
    }

    void flush()
    {
        REQUIRE(s_.e(GUNYAH_HC_MSGQUEUE_FLUSH, q_) == GUNYAH_ERROR_OK);
        if (m_.messages.size() > m_.not_full) {
            ++m_.tx_raised;
        }
        m_.messages.clear();
    }

    std::uint64_t holdoff() { return rng_() % 8 == 0 ? 1 + rng_() % 100 : (rng_() % 2 == 0 ? 0 : 0xffffffffu); }

    void configure_send()
    {
        const std::uint64_t t = rng_() % 6 == 0 ? GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED : rng_() % (m_.depth + 2);
        const std::uint64_t h = holdoff();
        const std::int64_t got = s_.configure_send(q_, t, h);
        if (h != 0 && h != 0xffffffffu) {
            REQUIRE(got == GUNYAH_ERROR_UNIMPLEMENTED);
        } else if (t == GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED) {
            REQUIRE(got == GUNYAH_ERROR_OK);
        } else if (t >= m_.depth) {
            REQUIRE(got == GUNYAH_ERROR_ARG_INVAL);
        } else {
            REQUIRE(got == GUNYAH_ERROR_OK);
            const bool was = m_.messages.size() <= m_.not_full;
            m_.not_full = static_cast<std::uint32_t>(t);
            if (!was && m_.messages.size() <= m_.not_full) {
                ++m_.tx_raised;
            }
        }
    }

    void configure_receive()
    {
        std::uint64_t t = rng_() % (m_.depth + 2);
        if (rng_() % 6 == 0) {
            t = rng_() % 2 == 0 ? GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED : GUNYAH_MSGQUEUE_THRESHOLD_MAXIMUM;
        }
        const std::uint64_t h = holdoff();
        const std::int64_t got = s_.configure_receive(q_, t, h);
        const std::uint64_t threshold = t == GUNYAH_MSGQUEUE_THRESHOLD_MAXIMUM ? m_.depth : t;
        if (h != 0 && h != 0xffffffffu) {
            REQUIRE(got == GUNYAH_ERROR_UNIMPLEMENTED);
        } else if (t == GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED) {
            REQUIRE(got == GUNYAH_ERROR_OK);
        } else if (threshold == 0 || threshold > m_.depth) {
            REQUIRE(got == GUNYAH_ERROR_ARG_INVAL);
        } else {
            REQUIRE(got == GUNYAH_ERROR_OK);
            const bool was = m_.messages.size() >= m_.not_empty;
            m_.not_empty = static_cast<std::uint32_t>(threshold);
            if (!was && m_.messages.size() >= m_.not_empty) {
                ++m_.rx_raised;
            }
        }
    }

    Ipc& s_;
    CapId q_;
    Model& m_;
    std::mt19937 rng_;
};

}  // namespace

TEST_CASE("msgqueue random: thousands of calls agree with a model, interrupts included")
{
    struct Shape {
        std::uint32_t depth;
        std::uint32_t size;
    };
    for (Shape shape : {Shape{1, 16}, Shape{2, 240}, Shape{4, 240}, Shape{8, 1024}, Shape{5, 1}}) {
        CAPTURE(shape.depth, shape.size);
        Ipc s;
        CapId q = s.msgqueue(shape.depth, shape.size);
        REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
        REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, s.vic_cap, spi_b) == GUNYAH_ERROR_OK);
        Model m{shape.depth, shape.size, {}, shape.depth - 1};
        Run run{s, q, m, shape.depth * 1000 + shape.size};
        for (unsigned i = 0; i < 3000; ++i) {
            CAPTURE(i);
            run.step();
        }
    }
}
