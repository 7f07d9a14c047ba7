// Hardware interrupts (kernel/object/hwirq.h) through their hypercalls, on the host's fake
// physical GIC (arch/host/include/arch/irq_fake.h): one hwirq per SPI but the
// hypervisor's, each masked until bound; a bind forwards the physical SPI to a VM's
// virtual one; a firing masks the physical SPI and pends the virtual one; the guest's
// deactivation, folded, unmasks it again; an unbind masks it for good. Refusals change
// nothing.
#include <arch/irq_fake.h>

#include <vector>

#include "hyp_api/rm_boot_info.h"
#include "kernel/core/irq.h"
#include "kernel/object/hwirq.h"
#include "kernel/virt/vgic/list_register.h"
#include "test_ipc_fixture.h"

using namespace ipctest;
namespace lr = hyp::virt::lr;
namespace irq_fake = hyp::irq_fake;

namespace {

constexpr std::uint32_t spi_end = 96;        // the fake GIC's SPIs: 32..95
constexpr std::uint32_t hypervisors = 33;    // its console's, as on QEMU virt

struct Hw : Ipc {
    std::vector<std::uint64_t> caps = std::vector<std::uint64_t>(RM_BOOT_INFO_MAX_HWIRQS);
    std::size_t made = 0;

    Hw()
    {
        irq_fake::reset(spi_end, {hypervisors});
        Result<std::size_t> r = create_hwirqs(root, cspace, caps.data(), caps.size());
        REQUIRE(r.ok());
        made = *r;
    }
    CapId hw(std::uint32_t intid) const { return caps[intid - 32]; }
    std::int64_t bind(CapId h, CapId vic, std::uint64_t virq) { return e(GUNYAH_HC_HWIRQ_BIND_VIRQ, h, vic, virq); }
    std::int64_t unbind(CapId h) { return e(GUNYAH_HC_HWIRQ_UNBIND_VIRQ, h); }

    // The guest enables SPI `intid` (Group 1, level) with its distributor on.
    void guest_enables(std::uint32_t intid)
    {
        write(vm_as, gicd + gicv3::gicd_ctlr, 4, gicv3::ctlr_enable_grp1 | gicv3::ctlr_are);
        write(vm_as, gicd + gicv3::gicd_isenabler + 4 * (intid / 32), 4, std::uint64_t{1} << (intid % 32));
    }
    // vCPU 0 enters (flush), takes and ends `intid`, and exits (fold, then the run loop's resample).
    void guest_handles(std::uint32_t intid)
    {
        Vic& v = vic(vic_cap);
        virt::Vgic::Flush f = v.vgic().flush(0, 4);
        std::uint64_t lrs[4] = {};
        bool found = false;
        for (unsigned i = 0; i < f.used; ++i) {
            lrs[i] = f.lrs[i];
            if (lr::vintid(lrs[i]) == intid) {
                CHECK((lrs[i] & lr::eoi) != 0);
                lrs[i] &= ~lr::state_mask;  // acknowledged and deactivated
                found = true;
            }
        }
        REQUIRE(found);
        v.vgic().fold(0, lrs, f.used);
        v.resample_forwarded();
    }
};

}  // namespace

TEST_CASE("hwirq: one per SPI of the GIC but the hypervisor's, each masked until bound")
{
    Hw s;
    CHECK(s.made == spi_end - 32 - 1);
    CHECK(s.hw(hypervisors) == GUNYAH_CAP_ID_INVALID);
    CHECK(s.caps[spi_end - 32] == GUNYAH_CAP_ID_INVALID);  // past the GIC's SPIs
    for (std::uint32_t intid = 32; intid < spi_end; ++intid) {
        CHECK(irq_fake::masked(intid));
        if (intid != hypervisors) {
            CHECK(s.obj<Hwirq>(s.hw(intid)).intid() == intid);
            CHECK(s.obj<Hwirq>(s.hw(intid)).state() == ObjectState::active);
        }
    }
}

TEST_CASE("hwirq_bind_virq: caps, rights and the vic's checks in order, a refusal leaving it masked and unbound")
{
    Hw s;
    const CapId h = s.hw(spi_a);
    CHECK(s.bind(0xdeadbeef, s.vic_cap, spi_a) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(s.bind(s.weak(h, GUNYAH_RIGHTS_HWIRQ_ALL & ~GUNYAH_RIGHT_HWIRQ_BIND_VIC), s.vic_cap, spi_a) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.bind(s.vic_cap, s.vic_cap, spi_a) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.bind(h, h, spi_a) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.bind(h, s.weak(s.vic_cap, GUNYAH_RIGHTS_VIC_ALL & ~GUNYAH_RIGHT_VIC_BIND_SOURCE), spi_a) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    for (std::uint64_t virq : {std::uint64_t{31}, std::uint64_t{last_spi + 1}, (std::uint64_t{1} << 32) + spi_a}) {
        CHECK(s.bind(h, s.vic_cap, virq) == GUNYAH_ERROR_ARG_INVAL);
    }
    CHECK(s.bind(h, s.vic_cap, uart_intid) == GUNYAH_ERROR_IRQ_BOUND);  // the vPL011's
    CHECK(s.unbind(h) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(irq_fake::masked(spi_a));
    CHECK(s.obj<Hwirq>(h).bound_virq() == 0);

    REQUIRE(s.bind(h, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    CHECK_FALSE(irq_fake::masked(spi_a));
    CHECK(s.obj<Hwirq>(h).bound_virq() == spi_a);
    CHECK(s.bind(h, s.vic_cap, spi_b) == GUNYAH_ERROR_IRQ_BOUND);               // bound already
    CHECK(s.bind(s.hw(spi_b), s.vic_cap, spi_a) == GUNYAH_ERROR_IRQ_BOUND);     // its SPI taken
    CHECK(irq_fake::masked(spi_b));
    REQUIRE(s.unbind(h) == GUNYAH_ERROR_OK);
    CHECK(irq_fake::masked(spi_a));
}

TEST_CASE("hwirq: a firing masks the physical SPI and pends the virtual one until the guest ends it")
{
    Hw s;
    const CapId h = s.hw(spi_b);
    REQUIRE(s.bind(h, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);  // physical 41 -> virtual 40
    s.guest_enables(spi_a);
    const unsigned unmasks = irq_fake::unmasks(spi_b);

    for (int round = 0; round < 3; ++round) {
        REQUIRE(irq_fake::fire(spi_b));
        CHECK(irq_fake::masked(spi_b));
        CHECK(s.spi_pending(spi_a));
        s.guest_handles(spi_a);
        CHECK_FALSE(irq_fake::masked(spi_b));
        CHECK_FALSE(s.spi_pending(spi_a));
        CHECK(irq_fake::unmasks(spi_b) == unmasks + round + 1);
    }

    // Unbound while pending in the guest: masked, the virtual line dropped, and a later
    // firing (the distributor had it pending) reaches nobody.
    REQUIRE(irq_fake::fire(spi_b));
    REQUIRE(s.unbind(h) == GUNYAH_ERROR_OK);
    CHECK(irq_fake::masked(spi_b));
    CHECK_FALSE(s.spi_pending(spi_a));
    CHECK(s.unbind(h) == GUNYAH_ERROR_IRQ_UNBOUND);
    REQUIRE(irq_fake::fire(spi_b));
    CHECK(irq_fake::masked(spi_b));
    CHECK_FALSE(s.spi_pending(spi_a));
    s.vic(s.vic_cap).resample_forwarded();
    CHECK(irq_fake::masked(spi_b));

    // And the SPI is free for another source again.
    CHECK(s.bind(s.hw(spi_c), s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    CHECK(s.unbind(s.hw(spi_c)) == GUNYAH_ERROR_OK);
}

TEST_CASE("hwirq: a firing of an SPI nobody bound, or not a hwirq's, is masked and goes nowhere")
{
    Hw s;
    // Unmasked as if it had been bound once: the handler must mask it before the end of
    // interrupt, or a level line would fire again at once.
    irq_unmask_spi(spi_c);
    REQUIRE(irq_fake::fire(spi_c));
    CHECK(irq_fake::masked(spi_c));
    CHECK_FALSE(s.spi_pending(spi_c));
    irq_unmask_spi(hypervisors);  // (the EL2 vector gives it to its own handler; this one must cope)
    REQUIRE(irq_fake::fire(hypervisors));
    CHECK(irq_fake::masked(hypervisors));
}
