// The IPC tests' System: the vic tests' one (a VM with an address space, a platform with
// GIC addresses) plus an active vic with two active vCPUs, the caller being vCPU 0, and
// buffers for message copies mapped in the VM's address space:
//
//   buf_ipa     4 pages RW, Normal             (the pages after them are unmapped)
//   swap_ipa    2 pages RW whose physical pages are in the other order, so a buffer
//               across swap_ipa + page is two copies from non-adjacent memory
//   ro_ipa      1 page R only
//   wo_ipa      1 page W only
//   dev_ipa     1 page RW, Device-nGnRE
//   hole_ipa    nothing mapped
//
// Helpers make doorbells and queues through hypercalls, read and write the VM's memory
// as the host sees it, and look at the vGIC's pending bit of an SPI.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "hyp_api/gunyah_objects.h"
#include "kernel/ipc/doorbell.h"
#include "kernel/ipc/msgqueue.h"
#include "test_vic_fixture.h"

namespace ipctest {

using namespace victest;
using memtest::page;

inline constexpr std::uint64_t buf_ipa = 0xa000'0000;
inline constexpr std::uint64_t buf_pages = 4;
inline constexpr std::uint64_t swap_ipa = 0xa010'0000;
inline constexpr std::uint64_t ro_ipa = 0xa020'0000;
inline constexpr std::uint64_t wo_ipa = 0xa030'0000;
inline constexpr std::uint64_t dev_ipa = 0xa040'0000;
inline constexpr std::uint64_t hole_ipa = 0xa050'0000;

// SPIs of the fixture's vic (64 configured: INTIDs 32..95; the vPL011 has 33).
inline constexpr std::uint32_t spi_a = 40;
inline constexpr std::uint32_t spi_b = 41;
inline constexpr std::uint32_t spi_c = 42;
inline constexpr std::uint32_t last_spi = 95;

inline constexpr std::uint64_t rx_ipa = buf_ipa + 2 * page;  // where the message-queue tests receive
inline constexpr std::uint32_t rm_size = GUNYAH_MSGQUEUE_MAX_MSG_SIZE;  // 240
inline constexpr std::uint64_t push = GUNYAH_MSGQUEUE_SEND_PUSH;

[[nodiscard]] constexpr std::uint64_t create_info(std::uint32_t depth, std::uint32_t size)
{
    return GUNYAH_MSGQUEUE_CREATE_INFO(depth, size);
}

struct Ipc : Vics {
    CapId vic_cap = 0;
    CapId t0 = 0;
    CapId t1 = 0;

    Ipc()
    {
        vic_cap = active_vic(2, 64);
        t0 = vic_vcpu(vic_cap, 0);
        t1 = vic_vcpu(vic_cap, 1);
        caller.vcpu = &v(t0);
        // Extents below the VPM fixture's (top 5 pages), one per kind of buffer.
        REQUIRE(map(vm_as, extent(top(9), buf_pages * page), buf_ipa) == GUNYAH_ERROR_OK);
        CapId two = extent(top(11), 2 * page);
        REQUIRE(map_part(vm_as, two, swap_ipa, page, page) == GUNYAH_ERROR_OK);
        REQUIRE(map_part(vm_as, two, swap_ipa + page, 0, page) == GUNYAH_ERROR_OK);
        REQUIRE(map(vm_as, extent(top(12), page), ro_ipa, memtest::r_wb) == GUNYAH_ERROR_OK);
        REQUIRE(map(vm_as, extent(top(13), page), wo_ipa,
                    memtest::mapping(GUNYAH_ACCESS_W, GUNYAH_S2_MEMTYPE_NORMAL_WB)) == GUNYAH_ERROR_OK);
        REQUIRE(map(vm_as, extent(top(14), page), dev_ipa,
                    memtest::mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE)) == GUNYAH_ERROR_OK);
    }

    // ---- objects ------------------------------------------------------------------------
    CapId create(std::uint32_t call)
    {
        Return r = this->call(call, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    CapId new_doorbell() { return create(GUNYAH_HC_PARTITION_CREATE_DOORBELL); }
    CapId doorbell()
    {
        CapId c = new_doorbell();
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
        return c;
    }
    CapId new_msgqueue() { return create(GUNYAH_HC_PARTITION_CREATE_MSGQUEUE); }
    CapId msgqueue(std::uint32_t depth = 4, std::uint32_t size = rm_size)
    {
        CapId c = new_msgqueue();
        REQUIRE(e(GUNYAH_HC_MSGQUEUE_CONFIGURE, c, create_info(depth, size)) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, c) == GUNYAH_ERROR_OK);
        return c;
    }
    Doorbell& db(CapId c) { return obj<Doorbell>(c); }
    MsgQueue& mq(CapId c) { return obj<MsgQueue>(c); }

    // ---- calls --------------------------------------------------------------------------
    Return send(CapId q, std::uint64_t size, std::uint64_t ipa = buf_ipa, std::uint64_t flags = 0)
    {
        return call(GUNYAH_HC_MSGQUEUE_SEND, q, size, ipa, flags);
    }
    Return receive(CapId q, std::uint64_t ipa = rx_ipa, std::uint64_t size = rm_size)
    {
        return call(GUNYAH_HC_MSGQUEUE_RECEIVE, q, ipa, size);
    }
    std::int64_t configure_send(CapId q, std::uint64_t threshold,
                                std::uint64_t holdoff = GUNYAH_MSGQUEUE_DELAY_UNCHANGED)
    {
        return e(GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, q, threshold, holdoff, GUNYAH_ARG_RES1);
    }
    std::int64_t configure_receive(CapId q, std::uint64_t threshold,
                                   std::uint64_t holdoff = GUNYAH_MSGQUEUE_DELAY_UNCHANGED)
    {
        return e(GUNYAH_HC_MSGQUEUE_CONFIGURE_RECEIVE, q, threshold, holdoff, GUNYAH_ARG_RES1);
    }

    // ---- the VM's memory, as the host sees it ------------------------------------------
    std::uint8_t* host(std::uint64_t ipa)
    {
        Result<mem::Stage2Mapping> m = as(vm_as).translate(Ipa{ipa});
        REQUIRE(m.ok());
        return static_cast<std::uint8_t*>(Partition::to_pointer(m->pa));
    }
    // `n` bytes at `ipa` (which may cross mapped pages): a pattern from `seed`.
    void fill(std::uint64_t ipa, std::size_t n, std::uint8_t seed)
    {
        for (std::size_t i = 0; i < n; ++i) {
            *host(ipa + i) = static_cast<std::uint8_t>(seed + i * 7);
        }
    }
    std::vector<std::uint8_t> bytes(std::uint64_t ipa, std::size_t n)
    {
        std::vector<std::uint8_t> out(n);
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = *host(ipa + i);
        }
        return out;
    }
    static std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed)
    {
        std::vector<std::uint8_t> out(n);
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = static_cast<std::uint8_t>(seed + i * 7);
        }
        return out;
    }

    // ---- the vGIC -----------------------------------------------------------------------
    bool spi_pending(std::uint32_t intid)
    {
        const std::uint64_t bits = read(vm_as, gicd + gicv3::gicd_ispendr + 4 * (intid / 32), 4);
        return (bits & (std::uint64_t{1} << (intid % 32))) != 0;
    }
    void clear_spi(std::uint32_t intid)
    {
        write(vm_as, gicd + gicv3::gicd_icpendr + 4 * (intid / 32), 4, std::uint64_t{1} << (intid % 32));
    }
};

// The message-queue tests' helpers.
struct Queues : Ipc {
    // A queue whose send interrupt is spi_a and receive interrupt spi_b.
    CapId bound_queue(std::uint32_t depth = 4, std::uint32_t size = rm_size)
    {
        CapId q = msgqueue(depth, size);
        REQUIRE(e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, vic_cap, spi_a) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, vic_cap, spi_b) == GUNYAH_ERROR_OK);
        return q;
    }
    std::uint32_t count(CapId q) { return mq(q).view().count; }
    std::uint64_t tx_raised(CapId q) { return mq(q).view().send_raised; }
    std::uint64_t rx_raised(CapId q) { return mq(q).view().receive_raised; }
    // Sends `n` messages of `size` bytes, all accepted.
    void send_ok(CapId q, unsigned n, std::uint64_t size = 16, std::uint64_t flags = 0)
    {
        for (unsigned i = 0; i < n; ++i) {
            REQUIRE(err(send(q, size, buf_ipa, flags)) == GUNYAH_ERROR_OK);
        }
    }
    void receive_ok(CapId q, unsigned n)
    {
        for (unsigned i = 0; i < n; ++i) {
            REQUIRE(err(receive(q)) == GUNYAH_ERROR_OK);
        }
    }
};

}  // namespace ipctest
