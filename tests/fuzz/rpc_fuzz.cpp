// libFuzzer entry for the RM's RPC layer (optional: -DHYP_LIBFUZZER=ON with clang, see
// docs/rpc.md). The input is a stream of fragments, each a length byte and that many
// bytes (lengths above 240 included, to be refused), with a few control bytes that close
// and open the client's TX queue. They go through a channel and the dispatcher (the
// built-in handlers and an echo handler), then the TX queue opens and everything drains.
// Aborts when the RM's output is not well-formed for Linux's receiver or a dispatched
// request went unanswered; ASan and UBSan catch the rest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "rm/rpc/builtin_handlers.h"
#include "rm/rpc/dispatcher.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp;
using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

constexpr std::uint32_t echo_id = 0x5600FF01;
// A length byte of this value or above is a command, not a fragment.
constexpr std::uint8_t command_close_tx = 0xFE;
constexpr std::uint8_t command_open_tx = 0xFF;

HandlerResult echo(void* /*context*/, const Request& request, WireWriter& reply)
{
    reply.bytes(request.payload, request.size);
    return HandlerResult::ok();
}

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FakeQueuePair queues;
    auto channel = std::make_unique<RpcChannel>();
    auto dispatcher = std::make_unique<Dispatcher>();
    NotificationSequence sequence;
    channel->attach(queues, GUNYAH_RM_VMID_HLOS);
    check(add_builtin_handlers(*dispatcher));
    check(dispatcher->add(echo_id, &echo));

    std::size_t at = 0;
    while (at < size) {
        const std::uint8_t length = data[at++];
        if (length == command_close_tx) {
            queues.tx_room = 0;
        } else if (length == command_open_tx) {
            queues.tx_room = SIZE_MAX;
            (void)channel->notify(sequence, GUNYAH_RM_NOTIF_VM_STATUS, data, size < 64 ? size : 64);
        } else {
            const std::size_t n = length < size - at ? length : size - at;
            queues.rx.emplace_back(data + at, data + at + n);
            at += n;
        }
        (void)channel->poll(*dispatcher);
    }
    queues.tx_room = SIZE_MAX;
    for (int i = 0; i < 10000 && (!queues.rx.empty() || channel->backlog_fragments() != 0); ++i) {
        (void)channel->poll(*dispatcher);
    }
    check(queues.rx.empty() && channel->backlog_fragments() == 0);

    const LinuxReceiver linux = client_view(queues);
    check(linux.ignored == 0 && linux.aborted == 0 && linux.errors == 0);
    std::size_t replies = 0;
    for (const Received& m : linux.messages) {
        replies += m.type == GUNYAH_RM_RPC_TYPE_REPLY ? 1 : 0;
    }
    const DispatcherStats& d = dispatcher->stats();
    check(replies == d.requests + d.unimplemented && d.replies_lost == 0);
    return 0;
}
