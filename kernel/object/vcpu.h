// The vCPU: Gunyah's thread object (partition_create_thread), portable. It owns a
// scheduler entity, its guest register state, its options and references to the cspace
// and address space attached to it. It does not run yet: the target glue copies regs()
// into arch::GuestRegs / El1SysRegs and acts on the kicks recorded here.
//
//   create ─> init: configure, attach cspace + addrspace, affinity, priority, timeslice
//          ─> activate (needs both attached) ─> active, powered off
//          ─> poweron (entry, context) ─> powered on ─> poweroff / kill
//
// Scheduler: blocked `inactive` from creation, `powered_off` once active; poweron clears
// `powered_off`, poweroff sets it, kill sets `killed` (never cleared). Every call that
// changes the entity records the Kick the scheduler returned (take_kick()): the glue
// must send it (IPI or local reschedule). The hypercall handlers do not yet.
//
// Locking: `lock` (the object lock) is taken before any run queue lock (scheduler.h).
// References to the attached objects are dropped outside it.
#pragma once

#include <cstdint>

#include "kernel/core/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/sched/scheduler.h"

namespace hyp {

class AddrSpace;
class CSpace;

// The scheduler vCPUs are scheduled by: one per kernel. The boot code (and the host
// tests) init() it with the CPU count; until then cpu_count() is 0 and every vCPU call
// that needs it fails with Error::failure.
[[nodiscard]] sched::Scheduler& vcpu_scheduler();

// The register state a vCPU carries, portable. The target glue copies it to and from
// arch::GuestRegs (x, sp_el1, pc -> elr, pstate -> spsr) and arch::El1SysRegs.
struct VcpuRegs {
    std::uint64_t x[31] = {};
    std::uint64_t pc = 0;
    std::uint64_t pstate = 0;
    std::uint64_t sp_el0 = 0;
    std::uint64_t sp_el1 = 0;
    // The EL1 system registers poweron resets; the rest of El1SysRegs resets to 0.
    std::uint64_t sctlr_el1 = 0;
    std::uint64_t tcr_el1 = 0;
    std::uint64_t ttbr0_el1 = 0;
    std::uint64_t ttbr1_el1 = 0;
    std::uint64_t mair_el1 = 0;
    std::uint64_t vbar_el1 = 0;
    std::uint64_t cpacr_el1 = 0;
};

// PSTATE at poweron: EL1h (M = 0b0101) with D, A, I and F masked.
inline constexpr std::uint64_t vcpu_reset_pstate = 0x3c5;
// SCTLR_EL1 at poweron: the ARMv8.0 RES1 bits (29, 28, 23, 22, 20, 11); MMU and caches off.
inline constexpr std::uint64_t vcpu_reset_sctlr_el1 = 0x30d00800;

inline constexpr std::uint32_t vcpu_no_index = ~std::uint32_t{0};

class Vcpu final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::thread;

    explicit Vcpu(ObjectDestroyer destroyer);
    // Powered on: first blocked `killed` (off its ready queue). Then the cspace and
    // address-space references go.
    ~Vcpu();

    // ---- init only (object_state otherwise) -------------------------------------------
    // Options word of vcpu_configure; the caller has refused undefined bits.
    [[nodiscard]] Status configure(std::uint64_t options);
    // Replace any earlier attachment (as Gunyah); the target must be active (caller).
    [[nodiscard]] Status attach_cspace(CSpace& cspace);
    [[nodiscard]] Status attach_addrspace(AddrSpace& as);
    // denied above max_vcpu_priority (Gunyah's VCPU_MAX_PRIORITY); scheduler's arg_inval.
    [[nodiscard]] Status set_priority(sched::Priority priority);
    // arg_inval outside the scheduler's 100 us .. 100 ms.
    [[nodiscard]] Status set_timeslice(sched::Nanoseconds ns);
    // Kernel-only (no ABI): the vCPU's index within its VM, for the vPSCI (MPIDR) and
    // the vIC. Whoever builds the VM sets it (vic_attach_vcpu, when it exists).
    [[nodiscard]] Status set_vm_index(std::uint32_t index);
    // init -> active: object_config without a cspace and an address space attached,
    // failure when the scheduler has no CPUs yet.
    [[nodiscard]] Status activate();

    // ---- init or active ---------------------------------------------------------------
    // arg_inval for a CPU the scheduler does not have; deleted: object_state.
    [[nodiscard]] Status set_affinity(sched::CpuIndex cpu);

    // ---- active only (object_state otherwise) -----------------------------------------
    // busy unless powered off; object_state if killed. Unless kept: pc = entry,
    // x0 = context. PSTATE and the EL1 registers reset (see above).
    [[nodiscard]] Status poweron(std::uint64_t entry, bool keep_entry, std::uint64_t context, bool keep_context);
    // arg_inval unless powered on (it could not be the calling vCPU: Gunyah's rule).
    [[nodiscard]] Status poweroff(bool last_vcpu);
    // Blocks it `killed` for good; killing again is a no-op.
    [[nodiscard]] Status kill();

    // ---- queries (snapshots) ----------------------------------------------------------
    [[nodiscard]] std::uint64_t options() const { return options_; }
    [[nodiscard]] CSpace* cspace() const { return cspace_; }
    [[nodiscard]] AddrSpace* addrspace() const { return addrspace_; }
    [[nodiscard]] std::uint32_t vm_index() const { return vm_index_; }
    [[nodiscard]] bool powered_on() const { return powered_on_; }
    [[nodiscard]] bool killed() const { return killed_; }
    [[nodiscard]] bool last_vcpu() const { return last_vcpu_; }
    [[nodiscard]] sched::Entity& entity() { return entity_; }
    // The register state, for the glue (with the vCPU not running) and the tests.
    [[nodiscard]] VcpuRegs& regs() { return regs_; }
    // The last kick a call recorded, cleared: the glue sends it.
    [[nodiscard]] sched::Kick take_kick();

    mutable SpinLock lock;

private:
    [[nodiscard]] Status require_init() const;
    void record(sched::Kick kick);

    sched::Entity entity_;
    VcpuRegs regs_;
    std::uint64_t options_ = 0;
    CSpace* cspace_ = nullptr;    // a reference held
    AddrSpace* addrspace_ = nullptr;  // a reference held
    std::uint32_t vm_index_ = vcpu_no_index;
    sched::Kick kick_ = sched::Kick::none();
    bool powered_on_ = false;
    bool killed_ = false;
    bool last_vcpu_ = false;
};

// Gunyah's VCPU_MAX_PRIORITY: 63 is kept for the hypervisor's own threads.
inline constexpr sched::Priority max_vcpu_priority = 62;

}  // namespace hyp
