// The vGIC from several CPUs at once: each thread runs one vCPU (fold, flush, acknowledge,
// deactivate, WFI) and meanwhile sends SGIs, raises SPIs and programs registers, as vCPUs
// of one VM do. Under the sanitizers: no crash, no deadlock, SGIs arrive, and at the end
// everything drains.
#include "tests/unit/test_vgic_support.h"

#include <atomic>
#include <random>
#include <thread>

using namespace vgic_test;

namespace {

constexpr unsigned vcpus = 4;

// Catch2's assertions are not thread-safe: the threads count problems here instead.
std::atomic<unsigned> errors{0};

class AtomicNotify final : public hyp::virt::VgicNotify {
public:
    std::atomic<unsigned> calls[vcpus] = {};
    void interrupt_pending(unsigned vcpu) override
    {
        if (vcpu >= vcpus) {
            errors.fetch_add(1);
            return;
        }
        calls[vcpu].fetch_add(1, std::memory_order_relaxed);
    }
};

// One vCPU's loop. Returns how many SGIs it acknowledged.
unsigned run_vcpu(Vgic& vgic, unsigned self, unsigned iterations, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    Lrs lrs;
    lrs.n = 4;
    unsigned sgis = 0;
    auto mmio = [&](bool dist, std::uint64_t offset, std::uint64_t value) {
        hyp::virt::MmioDevice& dev = dist ? vgic.distributor() : vgic.redistributors();
        std::uint64_t v = 0;
        if (dev.mmio_write(offset, 4, value) != hyp::virt::MmioResult::done ||
            dev.mmio_read(offset, 4, v) != hyp::virt::MmioResult::done) {
            errors.fetch_add(1);
        }
    };
    for (unsigned i = 0; i < iterations; ++i) {
        switch (rng() % 8) {
        case 0: vgic.write_sgi1r(self, (std::uint64_t{rng() % 2} << 24) | (rng() & 0xf)); break;
        case 1: vgic.raise_edge(self, 32 + static_cast<std::uint32_t>(rng() % 64)); break;
        case 2: vgic.set_level(self, 32 + static_cast<std::uint32_t>(rng() % 64), rng() % 2 == 0); break;
        case 3:
            if (rng() % 4 == 0) {
                mmio(true, g::gicd_irouter + 8 * (32 + rng() % 64), rng() % vcpus);
            } else {
                mmio(false, self * g::redistributor_stride + g::sgi_frame + g::gicr_isenabler0, 0x3);
            }
            break;
        default: {
            vgic.fold(self, lrs.v, lrs.n);
            Vgic::Flush f = vgic.flush(self, lrs.n);
            lrs.load(f, 4);
            for (unsigned s = 0; s < f.used; ++s) {
                std::uint64_t& r = lrs.v[s];
                if ((r & lr::state_mask) == lr::state_pending && rng() % 2 == 0) {
                    r = (r & ~lr::state_mask) | lr::state_active;
                    sgis += lr::vintid(r) < 16 ? 1 : 0;
                }
                if (lr::is_active(r) && rng() % 2 == 0) {
                    r &= ~lr::state_active;
                }
            }
            if (rng() % 16 == 0) {
                vgic.fold(self, lrs.v, lrs.n);
                lrs = Lrs{};
                lrs.n = 4;
                (void)vgic.has_deliverable(self);
            }
            break;
        }
        }
    }
    vgic.fold(self, lrs.v, lrs.n);
    return sgis;
}

}  // namespace

TEST_CASE("vgic: vCPUs on several CPUs at once send, take and drain interrupts", "[vgic][concurrent]")
{
    AtomicNotify notify;
    auto vgic = std::make_unique<Vgic>();
    hyp::virt::VgicConfig config;
    config.vcpu_count = vcpus;
    config.spi_count = 64;
    config.distributor = hyp::IpaRange{hyp::Ipa{dist_base}, g::distributor_size};
    config.redistributor_base = hyp::Ipa{redist_base};
    REQUIRE(vgic->init(config, notify).ok());
    REQUIRE(vgic->distributor().mmio_write(g::gicd_ctlr, 4, g::ctlr_enable_grp1) == hyp::virt::MmioResult::done);
    for (std::uint32_t w = 1; w <= 2; ++w) {
        REQUIRE(vgic->distributor().mmio_write(g::gicd_isenabler + 4 * w, 4, 0xffffffff) ==
                hyp::virt::MmioResult::done);
    }

    unsigned sgis[vcpus] = {};
    std::thread threads[vcpus];
    for (unsigned v = 0; v < vcpus; ++v) {
        threads[v] = std::thread([&, v] { sgis[v] = run_vcpu(*vgic, v, 20000, 1000 + v); });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    CHECK(errors.load() == 0);
    for (unsigned v = 0; v < vcpus; ++v) {
        CHECK(sgis[v] > 0);
        CHECK(notify.calls[v].load() > 0);
    }

    // Lines low, then each vCPU takes and finishes whatever is left.
    for (std::uint32_t intid = 32; intid < 96; ++intid) {
        vgic->set_level(0, intid, false);
    }
    for (int round = 0; round < 200; ++round) {
        for (unsigned v = 0; v < vcpus; ++v) {
            Vgic::Flush f = vgic->flush(v, 16);
            std::uint64_t done[Vgic::max_lrs] = {};
            for (unsigned s = 0; s < f.used; ++s) {
                done[s] = f.lrs[s] & ~lr::state_mask;  // acknowledged and deactivated
            }
            vgic->fold(v, done, f.used);
        }
    }
    for (unsigned v = 0; v < vcpus; ++v) {
        CHECK(vgic->flush(v, 16).used == 0);
        CHECK_FALSE(vgic->has_deliverable(v));
    }
}
