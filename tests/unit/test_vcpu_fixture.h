// The vCPU tests' System: the memory tests' one (a root partition and cspace, calls
// through dispatch_smccc) plus the kernel scheduler set up with a few CPUs and helpers
// that build vCPUs through hypercalls. A View is everything a refused call must leave
// as it was.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>

#include "hyp_api/gunyah_objects.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/object/vcpu.h"
#include "test_memextent_fixture.h"

namespace vcputest {

using namespace hyp;
using namespace hyp::hypercall;
using memtest::err;

inline constexpr std::uint32_t cpus = 4;
inline constexpr std::uint64_t counter_hz = 62'500'000;

// Everything observable about a vCPU.
struct View {
    ObjectState state{};
    std::uint32_t block_bits = 0;
    sched::EntityState entity_state{};
    sched::CpuIndex affinity = 0;
    sched::Priority priority = 0;
    sched::Nanoseconds timeslice = 0;
    std::uint64_t options = 0;
    const void* cspace = nullptr;
    const void* addrspace = nullptr;
    bool powered_on = false;
    bool killed = false;
    std::uint64_t pc = 0;
    std::uint64_t x0 = 0;
    std::uint64_t pstate = 0;
    std::uint64_t sctlr = 0;
    bool operator==(const View&) const = default;
};

struct System : memtest::System {
    System() : memtest::System(1024)
    {
        vcpu_scheduler().init(cpus, counter_hz);
        for (sched::CpuIndex c = 0; c < cpus; ++c) {
            REQUIRE(vcpu_scheduler().ready_count(c) == 0);
        }
    }

    // cspace_attach_thread is not in the table yet (see docs/objects.md): called directly.
    std::int64_t attach_cspace(CapId cs, CapId thread)
    {
        Args a;
        a.arg[0] = cs;
        a.arg[1] = thread;
        return err(cspace_attach_thread(caller, a));
    }
    std::int64_t attach_as(CapId as, CapId thread) { return e(GUNYAH_HC_ADDRSPACE_ATTACH_THREAD, as, thread); }

    CapId new_thread()
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_THREAD, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    CapId new_cspace(std::uint32_t max_caps = 8)
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_CSPACE, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_CSPACE_CONFIGURE, r.x[1], max_caps) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, r.x[1]) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    // A thread with a fresh cspace and address space attached, still in init. The
    // attached objects' caps are dropped: the thread holds them.
    CapId attached_thread(std::uint64_t vmid = 1)
    {
        CapId t = new_thread();
        CapId cs = new_cspace();
        CapId as = addrspace(vmid);
        REQUIRE(attach_cspace(cs, t) == GUNYAH_ERROR_OK);
        REQUIRE(attach_as(as, t) == GUNYAH_ERROR_OK);
        drop(cs);
        drop(as);
        return t;
    }
    // An active, powered-off vCPU on `cpu`.
    CapId vcpu(sched::CpuIndex cpu = 0, std::uint64_t vmid = 1)
    {
        CapId t = attached_thread(vmid);
        REQUIRE(e(GUNYAH_HC_VCPU_SET_AFFINITY, t, cpu, ~std::uint64_t{0}) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
        return t;
    }
    std::int64_t poweron(CapId t, std::uint64_t entry = 0x8000'0000, std::uint64_t context = 0x1234,
                         std::uint64_t flags = 0)
    {
        return e(GUNYAH_HC_VCPU_POWERON, t, entry, context, flags);
    }

    Vcpu& v(CapId cap) { return obj<Vcpu>(cap); }

    View view(CapId cap)
    {
        Vcpu& x = v(cap);
        sched::Entity& en = x.entity();
        return View{x.state(),
                    en.block_reasons().bits(),
                    en.state(),
                    en.affinity(),
                    en.priority(),
                    en.timeslice_ns(),
                    x.options(),
                    x.cspace(),
                    x.addrspace(),
                    x.powered_on(),
                    x.killed(),
                    x.regs().gp.elr,
                    x.regs().gp.x[0],
                    x.regs().gp.spsr,
                    x.regs().el1.sctlr_el1};
    }

    // Is the entity on `cpu`'s ready queue?
    bool ready_on(CapId cap, sched::CpuIndex cpu)
    {
        sched::Entity* me = &v(cap).entity();
        bool found = false;
        vcpu_scheduler().for_each_ready(cpu, [&](sched::Entity& en) { found = found || &en == me; });
        return found;
    }
    std::size_t ready_total()
    {
        std::size_t n = 0;
        for (sched::CpuIndex c = 0; c < cpus; ++c) {
            n += vcpu_scheduler().ready_count(c);
        }
        return n;
    }
};

}  // namespace vcputest
