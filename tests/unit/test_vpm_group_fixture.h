// The VPM group tests' System: the vCPU tests' one plus one VM (a cspace, an address space
// with executable RAM at ram_ipa and a read-write, non-executable page at data_ipa), a VPM
// group, and helpers that build the VM's vCPUs, attach them and make PSCI calls as them.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>

#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "kernel/object/vpm_group.h"
#include "test_vcpu_fixture.h"

namespace vpmtest {

using namespace hyp;
using namespace hyp::hypercall;
using memtest::err;
using vcputest::cpus;

inline constexpr std::uint64_t ram_ipa = 0x8000'0000;
inline constexpr std::uint64_t ram_pages = 4;
inline constexpr std::uint64_t data_ipa = 0x9000'0000;
inline constexpr std::uint64_t entry = ram_ipa + 0x100;
inline constexpr std::uint32_t rwx_wb =
    GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX, GUNYAH_S2_MEMTYPE_NORMAL_WB);
inline constexpr std::uint64_t all_ones = ~std::uint64_t{0};

[[nodiscard]] constexpr std::uint64_t psci(std::int64_t code) { return static_cast<std::uint64_t>(code); }

struct System : vcputest::System {
    CapId vm_cspace = 0;
    CapId vm_as = 0;
    CapId group_cap = 0;

    System()
    {
        vm_cspace = new_cspace();
        vm_as = addrspace(1);
        CapId code = extent(top(ram_pages), ram_pages * memtest::page);
        REQUIRE(map(vm_as, code, ram_ipa, rwx_wb) == GUNYAH_ERROR_OK);
        CapId data = extent(top(ram_pages + 1), memtest::page);
        REQUIRE(map(vm_as, data, data_ipa, memtest::rw_wb) == GUNYAH_ERROR_OK);
        group_cap = new_group();
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, group_cap) == GUNYAH_ERROR_OK);
    }

    CapId new_group()
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_VPM_GROUP, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    VpmGroup& group() { return obj<VpmGroup>(group_cap); }

    // A thread of the VM (its cspace and address space attached), still in init.
    CapId vm_thread(sched::CpuIndex cpu = 0)
    {
        CapId t = new_thread();
        REQUIRE(attach_cspace(vm_cspace, t) == GUNYAH_ERROR_OK);
        REQUIRE(attach_as(vm_as, t) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_VCPU_SET_AFFINITY, t, cpu, all_ones) == GUNYAH_ERROR_OK);
        return t;
    }
    std::int64_t attach(CapId group, CapId thread, std::uint64_t index)
    {
        return e(GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, group, thread, index);
    }
    // vCPU `index` of the VM: attached to the group, active, powered off, on CPU index % cpus.
    CapId member(std::uint32_t index)
    {
        CapId t = vm_thread(index % cpus);
        REQUIRE(attach(group_cap, t, index) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
        return t;
    }

    // A PSCI call made by the vCPU behind `who`.
    virt::PsciOutcome psci_call(CapId who, std::uint64_t x0, std::uint64_t x1 = 0, std::uint64_t x2 = 0,
                                std::uint64_t x3 = 0)
    {
        const std::uint64_t regs[8] = {x0, x1, x2, x3, 0, 0, 0, 0};
        Vcpu& vcpu = v(who);
        return vcpu.vpm_group()->psci_call(vcpu, regs);
    }
    std::uint64_t cpu_on(CapId who, std::uint32_t target, std::uint64_t at = entry, std::uint64_t context = 0)
    {
        return psci_call(who, PSCI_FN_CPU_ON_64, hyp_abi::vcpu_mpidr(target), at, context).x0;
    }
    std::uint64_t affinity(CapId who, std::uint32_t target)
    {
        return psci_call(who, PSCI_FN_AFFINITY_INFO_64, hyp_abi::vcpu_mpidr(target), 0).x0;
    }

    Return run_check(CapId t) { return call(GUNYAH_HC_VCPU_RUN_CHECK, t); }
    std::uint64_t vpm_state(CapId g)
    {
        Return r = call(GUNYAH_HC_VPM_GROUP_GET_STATE, g);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }

    // The run loop's part, played by the test: CPU `cpu` picks what to run; after a switch
    // the previous entity's registers count as saved (finish_switch).
    void schedule(sched::CpuIndex cpu)
    {
        sched::Decision d = vcpu_scheduler().schedule(cpu, 0);
        if (d.switched) {
            (void)vcpu_scheduler().finish_switch(cpu);
        }
    }
};

}  // namespace vpmtest
