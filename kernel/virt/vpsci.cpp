// Virtual PSCI (see vpsci.h). Return codes and argument rules from Arm DEN 0022 (PSCI
// 1.1); where the spec leaves a choice, the choice is Trusted Firmware-A's or KVM's, and
// says so.
#include "kernel/virt/vpsci.h"

#include "arch/aarch64/include/arch/registers.h"
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"

namespace hyp::virt {
namespace {

constexpr std::uint32_t psci_id_mask = 0xbfffffe0u;  // ignores the SMC64 bit and the number
constexpr std::uint32_t psci_id_base = 0x84000000u;
constexpr std::uint32_t smc64_bit = 0x40000000u;
constexpr std::uint32_t smccc_version_id = 0x80000000u;

// CPU_SUSPEND's power_state in the original format (PSCI_FEATURES says so): StateID
// 15:0, StateType 16, PowerLevel 25:24; the rest must be zero.
constexpr std::uint32_t power_state_valid_bits = 0x0301ffffu;

// MPIDR affinity fields a target_cpu may have: Aff3 (39:32) only in SMC64 calls.
constexpr std::uint64_t affinity64 = 0xff00ffffffull;
constexpr std::uint64_t affinity32 = 0x00ffffffull;

constexpr std::uint64_t vmpidr_res1 = std::uint64_t{1} << 31;

constexpr std::uint64_t ret(std::int64_t code) { return static_cast<std::uint64_t>(code); }

constexpr std::uint64_t low32(std::uint64_t value) { return value & 0xffffffffu; }

PsciOutcome answer(std::int64_t code)
{
    PsciOutcome out;
    out.handled = true;
    out.x0 = ret(code);
    return out;
}

PsciOutcome effect(PsciEffect e)
{
    PsciOutcome out = answer(PSCI_RET_SUCCESS);
    out.effect = e;
    return out;
}

bool implemented(std::uint32_t id)
{
    switch (id) {
    case PSCI_FN_VERSION:
    case PSCI_FN_CPU_SUSPEND_32:
    case PSCI_FN_CPU_SUSPEND_64:
    case PSCI_FN_CPU_OFF:
    case PSCI_FN_CPU_ON_32:
    case PSCI_FN_CPU_ON_64:
    case PSCI_FN_AFFINITY_INFO_32:
    case PSCI_FN_AFFINITY_INFO_64:
    case PSCI_FN_MIGRATE_INFO_TYPE:
    case PSCI_FN_SYSTEM_OFF:
    case PSCI_FN_SYSTEM_RESET:
    case PSCI_FN_SYSTEM_RESET2_32:
    case PSCI_FN_SYSTEM_RESET2_64:
    case PSCI_FN_FEATURES:
        return true;
    default:
        return false;
    }
}

// PSCI_FEATURES: 0 for what is implemented (for CPU_SUSPEND, 0 is also its flags:
// original power_state format, platform-coordinated mode only), and for SMCCC_VERSION,
// which the hypercall dispatcher implements: Linux asks this before it trusts
// SMCCC_VERSION, and needs SMCCC 1.1 to find the hypervisor's UID.
std::int64_t features(std::uint32_t id)
{
    return implemented(id) || id == smccc_version_id ? PSCI_RET_SUCCESS : PSCI_RET_NOT_SUPPORTED;
}

}  // namespace

bool Vpsci::is_psci_call(std::uint64_t x0)
{
    return (x0 >> 32) == 0 && (static_cast<std::uint32_t>(x0) & psci_id_mask) == psci_id_base;
}

Status Vpsci::init(unsigned vcpu_count, const GuestMemory& memory, unsigned boot_vcpu)
{
    if (vcpu_count == 0 || vcpu_count > max_vcpus || boot_vcpu >= vcpu_count) {
        return fail(Error::arg_inval);
    }
    LockGuard guard(lock_);
    memory_ = &memory;
    count_ = vcpu_count;
    for (unsigned i = 0; i < max_vcpus; ++i) {
        power_[i] = i == boot_vcpu ? VcpuPower::on : VcpuPower::off;
    }
    return success();
}

int Vpsci::index_of(std::uint64_t mpidr, bool smc64) const
{
    if ((mpidr & ~(smc64 ? affinity64 : affinity32)) != 0) {
        return -1;  // bits outside the affinity fields: not an MPIDR
    }
    std::int64_t index = hyp_abi::vcpu_index_of_mpidr(mpidr);
    return index >= 0 && static_cast<std::uint64_t>(index) < count_ ? static_cast<int>(index) : -1;
}

bool Vpsci::any_running() const
{
    for (unsigned i = 0; i < count_; ++i) {
        if (power_[i] == VcpuPower::on || power_[i] == VcpuPower::on_pending) {
            return true;
        }
    }
    return false;
}

PsciOutcome Vpsci::call(unsigned caller, const std::uint64_t (&regs)[8])
{
    if (!is_psci_call(regs[0])) {
        return PsciOutcome{};
    }
    if (caller >= count_) {
        return answer(PSCI_RET_INTERNAL_FAILURE);  // the glue's mistake, not the guest's
    }
    auto id = static_cast<std::uint32_t>(regs[0]);
    bool smc64 = (id & smc64_bit) != 0;
    switch (id) {
    case PSCI_FN_VERSION: return answer(PSCI_VERSION_1_1);
    case PSCI_FN_FEATURES: return answer(features(static_cast<std::uint32_t>(regs[1])));
    case PSCI_FN_CPU_SUSPEND_32:
    case PSCI_FN_CPU_SUSPEND_64:
        // Every state, standby or power-down, is entered as standby: the vCPU waits for
        // an interrupt and the call returns SUCCESS. The spec lets an implementation
        // pick a shallower state than asked for; KVM does the same.
        if ((low32(regs[1]) & ~power_state_valid_bits) != 0) {
            return answer(PSCI_RET_INVALID_PARAMETERS);
        }
        return effect(PsciEffect::suspend);
    case PSCI_FN_CPU_OFF: return cpu_off(caller);
    case PSCI_FN_CPU_ON_32:
    case PSCI_FN_CPU_ON_64: return cpu_on(caller, smc64, regs);
    case PSCI_FN_AFFINITY_INFO_32:
    case PSCI_FN_AFFINITY_INFO_64: return affinity_info(smc64, regs);
    case PSCI_FN_MIGRATE_INFO_TYPE: return answer(PSCI_TOS_NOT_PRESENT_MP);
    case PSCI_FN_SYSTEM_OFF: return effect(PsciEffect::system_off);
    case PSCI_FN_SYSTEM_RESET: return effect(PsciEffect::system_reset);
    case PSCI_FN_SYSTEM_RESET2_32:
    case PSCI_FN_SYSTEM_RESET2_64:
        // reset_type is 32 bits in both forms; the one architectural type is a warm
        // reset, which for a VM is the same reset. No vendor types are offered.
        if (low32(regs[1]) != PSCI_RESET2_WARM) {
            return answer(PSCI_RET_INVALID_PARAMETERS);
        }
        return effect(PsciEffect::system_reset);
    default: return answer(PSCI_RET_NOT_SUPPORTED);  // MIGRATE, SYSTEM_SUSPEND, ...
    }
}

PsciOutcome Vpsci::cpu_off(unsigned caller)
{
    LockGuard guard(lock_);
    // Only a running vCPU calls; one still marked on_pending is running, the glue just
    // has not said so yet. Either way it is on its way off now.
    power_[caller] = VcpuPower::stopping;
    return effect(PsciEffect::stop_self);
}

PsciOutcome Vpsci::cpu_on(unsigned caller, bool smc64, const std::uint64_t (&regs)[8])
{
    std::uint64_t target_cpu = smc64 ? regs[1] : low32(regs[1]);
    std::uint64_t entry = smc64 ? regs[2] : low32(regs[2]);
    std::uint64_t context = smc64 ? regs[3] : low32(regs[3]);

    // Checked in TF-A's order: the target, then the entry point, then the target's state.
    int target = index_of(target_cpu, smc64);
    if (target < 0) {
        return answer(PSCI_RET_INVALID_PARAMETERS);
    }
    // An A64 entry point is word aligned, and must be memory this VM can execute.
    if ((entry & 3) != 0 || memory_ == nullptr || !memory_->is_executable_ram(Ipa{entry})) {
        return answer(PSCI_RET_INVALID_ADDRESS);
    }

    LockGuard guard(lock_);
    if (power_[caller] == VcpuPower::on_pending) {
        power_[caller] = VcpuPower::on;  // it is evidently running
    }
    switch (power_[target]) {
    case VcpuPower::on:
    case VcpuPower::stopping: return answer(PSCI_RET_ALREADY_ON);
    case VcpuPower::on_pending: return answer(PSCI_RET_ON_PENDING);
    case VcpuPower::off: break;
    }
    power_[target] = VcpuPower::on_pending;
    PsciOutcome out = effect(PsciEffect::start_vcpu);
    out.target = static_cast<unsigned>(target);
    out.entry = entry;
    out.context = context;
    return out;
}

PsciOutcome Vpsci::affinity_info(bool smc64, const std::uint64_t (&regs)[8])
{
    std::uint64_t target_affinity = smc64 ? regs[1] : low32(regs[1]);
    std::uint64_t level = smc64 ? regs[2] : low32(regs[2]);
    // Only level 0, as TF-A: PSCI 1.0 made support for higher levels optional, and a
    // vCPU is the only power domain a VM has.
    int target = level == 0 ? index_of(target_affinity, smc64) : -1;
    if (target < 0) {
        return answer(PSCI_RET_INVALID_PARAMETERS);
    }
    LockGuard guard(lock_);
    switch (power_[target]) {
    case VcpuPower::off: return answer(PSCI_AFFINITY_OFF);
    case VcpuPower::on_pending: return answer(PSCI_AFFINITY_ON_PENDING);
    default: return answer(PSCI_AFFINITY_ON);
    }
}

void Vpsci::vcpu_started(unsigned index)
{
    LockGuard guard(lock_);
    if (index < count_ && power_[index] == VcpuPower::on_pending) {
        power_[index] = VcpuPower::on;
    }
}

bool Vpsci::vcpu_stopped(unsigned index)
{
    LockGuard guard(lock_);
    if (index < count_) {
        power_[index] = VcpuPower::off;
    }
    return !any_running();
}

void Vpsci::reset(unsigned boot_vcpu)
{
    LockGuard guard(lock_);
    for (unsigned i = 0; i < count_; ++i) {
        power_[i] = i == boot_vcpu ? VcpuPower::on : VcpuPower::off;
    }
}

VcpuPower Vpsci::power(unsigned index)
{
    LockGuard guard(lock_);
    return index < count_ ? power_[index] : VcpuPower::off;
}

void psci_entry_state(const RegisterFile& regs, std::uint64_t entry, std::uint64_t context)
{
    for (auto& x : regs.x) {
        x = 0;
    }
    regs.x[0] = context;
    regs.pc = entry;
    regs.pstate = arch::spsr::daif | arch::spsr::mode_el1h;
}

std::uint64_t vcpu_mpidr(unsigned index) { return hyp_abi::vcpu_mpidr(index); }

std::uint64_t vcpu_vmpidr_el2(unsigned index) { return vmpidr_res1 | hyp_abi::vcpu_mpidr(index); }

}  // namespace hyp::virt
