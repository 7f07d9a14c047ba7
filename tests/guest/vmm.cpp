// A VMM, as Linux's Gunyah VM manager drives one: the primary VM asks the resource
// manager for a new VM over its RPC link, lends it memory holding a tiny EL1 image and
// its device tree (secondary/tiny_vm.*), configures, initialises and starts it, runs its
// vCPU with vcpu_run and emulates its MMIO accesses, sees it power off, then stops,
// resets, reclaims the memory and deallocates the VM.
//   1. one life, every step checked: the lent memory is gone from this VM while lent and
//      back after the reclaim; the run's exits in order with their addresses, sizes and
//      values; vcpu_run_check agreeing; VM_EXITED for the VM
//   2. a life the owner ends with VM_STOP (VM_EXITED says STOP_FORCED); a life the
//      hypervisor schedules (its boot context set, it runs to SYSTEM_OFF on its own); a
//      doorbell rung into another VM (the peer guest) three times, the peer's vCPU woken;
//      calls in the wrong state or with bad arguments: errors, and nothing changes; a
//      life whose vCPU this VM's vCPUs 0 and 1 run in turn, its FP/SIMD registers checked
//      by the tiny VM at every exit (on -smp 2 its state moves between physical CPUs)
//   3. a hostile client: random requests to every VM and memory service, random
//      doorbell and msgqueue calls; errors only, and a clean life still works
//   4. `cycles` more lives (bootargs cycles=N, default 200), quietly; the hypervisor's
//      free memory, objects and capabilities are the same before and after (its
//      hyp_debug_stats call, on with hyp.debug_calls=1)
#include "hyp_api/client/ipc.h"
#include "hyp_api/client/vcpu.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rm_mem.h"
#include "hyp_api/gunyah_rm_rpc.h"
#include "hyp_api/gunyah_rm_vm.h"
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"
#include "rm_client.h"
#include "rm_link.h"
#include "runtime.h"
#include "tiny_vm.h"
#include "vm_client.h"

GUEST_NAME("vmm");

using namespace guest;

namespace {

using gunyah::CapId;

// What the VMM answers the tiny VM's MMIO read with.
constexpr u32 mmio_read_answer = 0xc0ffee;
// The FDT magic d00dfeed, stored big-endian, as a little-endian 32-bit load sees it.
constexpr u32 fdt_magic_le = 0xedfe0dd0;
// The vendor call that reports the hypervisor's free memory (docs: hyp_debug_stats).
constexpr u64 hyp_debug_stats_id = 0xc60081f0;

constinit RmLink link;
constinit RmReply reply;
u64 region = 0;  // this VM's RAM lent to the tiny VM, TINY_VM_RAM_SIZE bytes
bool quiet = false;

// A check that prints only when it fails once `quiet` is set (the cycles).
bool expect(bool ok, const char* what, u32 detail)
{
    if (quiet && ok) {
        return true;
    }
    return check(ok, "%s (%#x)", what, detail);
}

bool succeeded(u32 rm_error, const char* what) { return expect(rm_error == GUNYAH_RM_OK, what, rm_error); }

u32 vm_call(u32 id, u32 vmid) { return guest::vm_call(link, reply, id, vmid); }

// ---- The steps of a VM's life --------------------------------------------------------------

bool alloc_vmid(u32& vmid)
{
    const u32 e = vm_alloc_dynamic(link, reply, vmid);
    return expect(e == GUNYAH_RM_OK && vmid != 0, "VM_ALLOC_VMID(0): OK and a vmid", e) &&
           expect(vmid >= GUNYAH_RM_VMID_DYNAMIC_FIRST && vmid <= GUNYAH_RM_VMID_DYNAMIC_LAST,
                  "the vmid is a dynamic one", vmid);
}

u32 lend(u32 id, u32 vmid, u64 base, u64 size, u32& handle, u32 rights = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X)
{
    return mem_give(link, reply, id, vmid, base, size, rights, handle);
}

u32 config_image(u32 vmid, u32 handle, u64 dt_size = TINY_VM_DT_SIZE)
{
    return vm_config_image(link, reply, vmid, handle, TINY_VM_IMAGE_OFFSET, tiny_vm_image_size(), TINY_VM_DT_OFFSET,
                           dt_size);
}

u32 reclaim(u32 handle) { return mem_reclaim(link, reply, handle); }

// The VM's vCPU among its resources: its cap (in this VM's cspace).
bool find_vcpu(u32 vmid, CapId& vcpu)
{
    VmResources all;
    const u32 e = vm_get_resources(link, reply, vmid, all);
    const VcpuResource& r = all.vcpu;
    const unsigned vcpus = all.vcpus;
    if (!expect(e == GUNYAH_RM_OK, "VM_GET_HYP_RESOURCES: OK", e)) {
        return false;
    }
    if (!quiet) {
        say("resources: %u vCPU; the first: label %u, cap %#lx, virq %u, partner vmid %u", vcpus, r.label, r.cap,
            r.virq, r.partner_vmid);
    }
    vcpu = r.cap;
    return expect(vcpus == 1, "exactly one vCPU among the resources", vcpus) &&
           expect(r.label == 0, "its label is its index, 0", r.label);
}

// Runs the tiny VM's vCPU to its end, answering its MMIO accesses (tiny_vm.S's order).
bool run_tiny_vm(CapId vcpu)
{
    struct Exit {
        u64 state, offset, size, value;
    };
    const Exit expected[] = {
        {GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, TINY_VM_REG_WRITE, 4, TINY_VM_WRITE_VALUE},
        {GUNYAH_VCPU_RUN_STATE_VMMIO_READ, TINY_VM_REG_READ, 4, 0},
        {GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, TINY_VM_REG_ECHO, 4, mmio_read_answer + 1},
        {GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, TINY_VM_REG_DT_MAGIC, 4, fdt_magic_le},
        {GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE, TINY_VM_REG_DT_ADDRESS, 8, TINY_VM_RAM_BASE + TINY_VM_DT_OFFSET},
    };
    constexpr unsigned exits = sizeof expected / sizeof expected[0];
    unsigned next = 0;
    unsigned ready = 0;
    u64 resume0 = 0;
    for (unsigned calls = 0; calls < 100000; ++calls) {
        const gunyah::RunResult r = vcpu_run_on(vcpu, resume0, 0, &ready);
        resume0 = 0;
        if (!expect(r.ok(), "vcpu_run: OK", static_cast<u32>(r.error))) {
            return false;
        }
        if (r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF) {
            if (!quiet) {
                say("vcpu_run: powered off after %u MMIO exits (%u times ready, %u calls)", next, ready, calls + 1);
            }
            return expect(next == exits, "it powered off after all its MMIO exits", next) &&
                   expect((r.data[0] & GUNYAH_VCPU_RUN_POWERED_OFF_EXITED) != 0,
                          "powered off: the VM exited (SYSTEM_OFF)", static_cast<u32>(r.data[0]));
        }
        if (next == exits) {
            bad("vcpu_run: state %#lx after the last MMIO exit (data %#lx %#lx %#lx)", r.state, r.data[0], r.data[1],
                r.data[2]);
            return false;
        }
        const Exit& want = expected[next];
        const bool same = r.state == want.state && r.data[0] == TINY_VM_MMIO + want.offset && r.data[1] == want.size &&
                          (want.state != GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE || r.data[2] == want.value);
        if (!same) {
            bad("vcpu_run exit %u: state %#lx, data %#lx %#lx %#lx; expected state %#lx at %#lx size %lu value %#lx",
                next, r.state, r.data[0], r.data[1], r.data[2], want.state, TINY_VM_MMIO + want.offset, want.size,
                want.value);
            return false;
        }
        if (!quiet) {
            say("vcpu_run exit %u: MMIO %s at %#lx, %lu bytes%s%#lx", next,
                r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_READ ? "read" : "write", r.data[0], r.data[1],
                r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_READ ? ", answered " : ", value ",
                r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_READ ? u64{mmio_read_answer} : r.data[2]);
        }
        if (r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_READ) {
            resume0 = mmio_read_answer;
            // vcpu_run_check must see the same exit, still waiting for its answer.
            const gunyah::RunResult c = gunyah::vcpu_run_check(vcpu);
            expect(c.ok() && c.state == r.state && c.data[0] == r.data[0] && c.data[1] == r.data[1],
                   "vcpu_run_check: the same MMIO read, unanswered", static_cast<u32>(c.state));
        }
        ++next;
    }
    bad("vcpu_run: the tiny VM did not power off in 100000 calls");
    return false;
}

// The lent region as this VM sees it: a load there aborts (the hook skips it and counts).
unsigned aborts = 0;
bool count_abort(ExceptionFrame& frame)
{
    if (esr_ec(frame.esr) != ec_dabt_same_el) {
        return false;
    }
    ++aborts;
    frame.elr += 4;
    return true;
}
bool region_readable()
{
    set_sync_hook(count_abort);
    const unsigned before = aborts;
    (void)load(*reinterpret_cast<const u32*>(region));
    (void)load(*reinterpret_cast<const u32*>(region + TINY_VM_RAM_SIZE - 4));
    set_sync_hook(nullptr);
    return aborts == before;
}

// Takes VM_STATUS notifications until one says `vmid` is in `status` (up to 2 s).
bool saw_status(u32 vmid, u32 status)
{
    RmNotification n;
    while (rm_wait_notification(link, GUNYAH_RM_NOTIF_VM_STATUS, n, 2000000)) {
        if (n.size >= sizeof(gunyah_rm_notif_vm_status) && le16_at(n.data) == vmid && n.data[4] == status) {
            return true;
        }
    }
    return false;
}

// One whole life. `checked`: also look at the memory, the notifications and run_check.
bool one_life(bool checked)
{
    u32 vmid = 0;
    u32 handle = 0;
    CapId vcpu = 0;
    load_tiny_vm(region);
    if (!alloc_vmid(vmid)) {
        return false;
    }
    u32 e = lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle);
    bool ok = expect(e == GUNYAH_RM_OK, "MEM_LEND of 2 MiB to the new VM: OK", e);
    if (ok && checked) {
        expect(!region_readable(), "the lent memory is no longer this VM's: loads abort", aborts);
    }
    ok = ok && succeeded(config_image(vmid, handle), "VM_CONFIG_IMAGE: OK");
    ok = ok && succeeded(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid), "VM_INIT: OK");
    ok = ok && find_vcpu(vmid, vcpu);
    ok = ok && succeeded(vm_call(GUNYAH_RM_MSG_VM_START, vmid), "VM_START: OK");
    if (ok && checked) {
        expect(saw_status(vmid, GUNYAH_RM_VM_STATUS_RUNNING), "VM_STATUS: running", vmid);
    }
    ok = ok && run_tiny_vm(vcpu);
    if (ok && checked) {
        const gunyah::RunResult c = gunyah::vcpu_run_check(vcpu);
        expect(c.ok() && c.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF, "vcpu_run_check agrees: powered off",
               static_cast<u32>(c.state));
        RmNotification n;
        if (expect(rm_wait_notification(link, GUNYAH_RM_NOTIF_VM_EXITED, n, 2000000) && n.size >= 8,
                   "VM_EXITED came", static_cast<u32>(n.size))) {
            say("VM_EXITED: vmid %u, exit type %u, reason %u bytes", le16_at(n.data), le16_at(n.data + 2),
                le32_at(n.data + 4));
            expect(le16_at(n.data) == vmid, "VM_EXITED names the VM", le16_at(n.data));
            expect(le16_at(n.data + 2) == GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF,
                   "its exit type is PLATFORM_OFF (it called SYSTEM_OFF)", le16_at(n.data + 2));
        }
        e = vm_stop(link, reply, vmid, GUNYAH_RM_VM_STOP_FORCE);
        expect(e == GUNYAH_RM_ERROR_VM_STATE, "VM_STOP of the exited VM: VM_STATE (as Gunyah)", e);
    }
    // The end of a life, as Linux's VM manager ends one, whatever happened before.
    if (vmid != 0) {
        e = vm_call(GUNYAH_RM_MSG_VM_RESET, vmid);
        ok = expect(e == GUNYAH_RM_OK, "VM_RESET: OK", e) && ok;
        if (checked) {
            expect(saw_status(vmid, GUNYAH_RM_VM_STATUS_RESET), "VM_STATUS: reset", vmid);
        }
    }
    if (handle != 0) {
        e = reclaim(handle);
        ok = expect(e == GUNYAH_RM_OK, "MEM_RECLAIM: OK", e) && ok;
        if (checked) {
            ok = expect(region_readable(), "the memory is this VM's again", aborts) && ok;
        }
    }
    if (vmid != 0) {
        e = vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid);
        ok = expect(e == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK", e) && ok;
    }
    rm_drop_notifications();
    return ok;
}

// A life the owner ends: started, never run, asked to shut down (VM_SHUTDOWN goes to the
// VM, which does not listen), then stopped by force.
void stopped_life()
{
    u32 vmid = 0;
    u32 handle = 0;
    CapId vcpu = 0;
    load_tiny_vm(region);
    if (!alloc_vmid(vmid)) {
        return;
    }
    bool ok = succeeded(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle), "MEM_LEND: OK") &&
              succeeded(config_image(vmid, handle), "VM_CONFIG_IMAGE: OK") &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid), "VM_INIT: OK") && find_vcpu(vmid, vcpu) &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_START, vmid), "VM_START: OK");
    if (ok) {
        const gunyah::RunResult c = gunyah::vcpu_run_check(vcpu);
        check(c.ok() && c.state == GUNYAH_VCPU_RUN_STATE_READY, "before its first vcpu_run: READY (state %#lx)",
              c.state);
        check(vm_stop(link, reply, vmid, 0) == GUNYAH_RM_OK, "VM_STOP without FORCE: OK (the VM is asked)");
        check(vm_stop(link, reply, vmid, GUNYAH_RM_VM_STOP_FORCE) == GUNYAH_RM_OK, "VM_STOP with FORCE: OK");
        RmNotification n;
        if (check(rm_wait_notification(link, GUNYAH_RM_NOTIF_VM_EXITED, n, 2000000) && n.size >= 8,
                  "VM_EXITED came")) {
            check(le16_at(n.data) == vmid && le16_at(n.data + 2) == GUNYAH_RM_EXIT_TYPE_STOP_FORCED,
                  "VM_EXITED: vmid %u, exit type %u (STOP_FORCED)", le16_at(n.data), le16_at(n.data + 2));
        }
        const gunyah::RunResult r = gunyah::vcpu_run(vcpu, 0, 0, 0);
        check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF,
              "vcpu_run of the stopped VM's vCPU: powered off at once (state %#lx)", r.state);
    }
    check(vm_call(GUNYAH_RM_MSG_VM_RESET, vmid) == GUNYAH_RM_OK, "VM_RESET: OK");
    const gunyah::RunResult gone = gunyah::vcpu_run(vcpu, 0, 0, 0);
    check(!gone.ok(), "after VM_RESET its vCPU cap is gone from this VM (error %ld)", static_cast<i64>(gone.error));
    check(handle != 0 && reclaim(handle) == GUNYAH_RM_OK, "MEM_RECLAIM: OK");
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK");
    rm_drop_notifications();
}

// A life the hypervisor schedules (tiny_vm_scheduled.dts): no VMMIO exits to serve, so
// the VMM gives it x2 = 1 (VM_SET_BOOT_CONTEXT: skip them), starts it and waits for its
// exit; vcpu_run on its vCPU is BUSY, as Gunyah answers for a vCPU it does not proxy.
void scheduled_life()
{
    u32 vmid = 0;
    u32 handle = 0;
    CapId vcpu = 0;
    load_tiny_vm(region, true);
    if (!alloc_vmid(vmid)) {
        return;
    }
    bool ok = succeeded(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle), "MEM_LEND: OK") &&
              succeeded(config_image(vmid, handle), "VM_CONFIG_IMAGE: OK") &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid), "VM_INIT: OK") && find_vcpu(vmid, vcpu);
    if (ok) {
        check(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 2, 1) == GUNYAH_RM_OK,
              "VM_SET_BOOT_CONTEXT x2 = 1: OK");
        check(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 31, 1) != GUNYAH_RM_OK,
              "VM_SET_BOOT_CONTEXT of x31: refused");
        const u64 started = counter();
        check(vm_call(GUNYAH_RM_MSG_VM_START, vmid) == GUNYAH_RM_OK, "VM_START: OK");
        RmNotification n;
        if (check(rm_wait_notification(link, GUNYAH_RM_NOTIF_VM_EXITED, n, 3000000) && n.size >= 8,
                  "the hypervisor ran it to its SYSTEM_OFF: VM_EXITED came")) {
            // The RM hears of it from the VM's VPM group at once, not at its 100 ms watch.
            say("VM_EXITED %lu us after VM_START was sent", us_from_ticks(counter() - started));
            check(le16_at(n.data) == vmid && le16_at(n.data + 2) == GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF,
                  "VM_EXITED: vmid %u, exit type %u (PLATFORM_OFF)", le16_at(n.data), le16_at(n.data + 2));
        }
        const gunyah::RunResult r = gunyah::vcpu_run(vcpu, 0, 0, 0);
        check(r.error == gunyah::Error::busy, "vcpu_run of a vCPU the hypervisor schedules: BUSY (%ld)",
              static_cast<i64>(r.error));
    }
    check(vm_call(GUNYAH_RM_MSG_VM_RESET, vmid) == GUNYAH_RM_OK, "VM_RESET: OK");
    check(handle != 0 && reclaim(handle) == GUNYAH_RM_OK, "MEM_RECLAIM: OK");
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK");
    rm_drop_notifications();
}

// ---- FP/SIMD state that follows a vCPU from CPU to CPU ------------------------------------

// The tiny VM with x3 = fp_turns checks its FP/SIMD registers that many times, an MMIO
// exit after each. This VM's vCPUs 0 and 1 take turns running it (vCPU 1 in fp_runner),
// so with a physical CPU each (-smp 2) its vCPU runs on one CPU, then on the other, and
// the hypervisor, which switches FP/SIMD state lazily, must hand it over every time.
constexpr unsigned fp_turns = 40;
constexpr u64 fp_turn_timeout_us = 10'000'000;
constinit CapId fp_vcpu = 0;
// Who calls vcpu_run next: 0 vCPU 0, 1 vCPU 1 (then back to 0 with its result), 2 nobody
// any more (fp_runner returns, and vCPU 1 powers off).
constinit u64 fp_turn = 0;
constinit gunyah::RunResult fp_result{};

void fp_runner(u64, unsigned, u64)
{
    for (;;) {
        u64 turn;
        while ((turn = load(fp_turn)) == 0) {
            (void)gunyah::scheduler_yield(GUNYAH_YIELD_HINT_YIELD, 0);  // vCPU 0 may share our CPU
        }
        if (turn != 1) {
            return;
        }
        dsb();
        fp_result = vcpu_run_on(load(fp_vcpu));
        dsb();
        store(fp_turn, u64{0});
    }
}

// vcpu_run of the tiny VM to its next exit, from vCPU `by`.
gunyah::RunResult fp_run(unsigned by)
{
    if (by == 0) {
        return vcpu_run_on(fp_vcpu);
    }
    dsb();
    store(fp_turn, u64{1});
    const u64 start = counter();
    while (load(fp_turn) != 0) {
        if (counter() - start > ticks_from_us(fp_turn_timeout_us)) {
            return {gunyah::Error::failure, 0, {0, 0, 0}};
        }
        (void)gunyah::scheduler_yield(GUNYAH_YIELD_HINT_YIELD, 0);
    }
    dsb();
    return fp_result;
}

void fp_life()
{
    u32 vmid = 0;
    u32 handle = 0;
    CapId vcpu = 0;
    const bool two = count_vcpus() >= 2;
    if (two) {
        set_secondary_handler(fp_runner);
        const i64 on = psci_cpu_on(hyp_abi::vcpu_mpidr(1), secondary_entry(0), 0);
        if (!check(on == PSCI_RET_SUCCESS, "CPU_ON(vCPU 1) to run the FP/SIMD life's vCPU in turns (%ld)", on)) {
            return;
        }
    }
    load_tiny_vm(region);
    bool ok = alloc_vmid(vmid) &&
              succeeded(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle), "MEM_LEND: OK") &&
              succeeded(config_image(vmid, handle), "VM_CONFIG_IMAGE: OK") &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid), "VM_INIT: OK") && find_vcpu(vmid, vcpu) &&
              succeeded(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 2, 1), "x2 = 1: OK") &&
              succeeded(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 3, fp_turns), "x3: OK") &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_START, vmid), "VM_START: OK");
    store(fp_vcpu, vcpu);
    for (unsigned k = 1; ok && k <= fp_turns + 1; ++k) {
        const unsigned by = two ? k % 2 : 0;
        const gunyah::RunResult r = fp_run(by);
        if (k > fp_turns) {
            ok = check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF,
                       "after its %u FP/SIMD checks the tiny VM powered off (error %ld, state %#lx)", fp_turns,
                       static_cast<i64>(r.error), r.state);
        } else if (!r.ok() || r.state != GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE ||
                   r.data[0] != TINY_VM_MMIO + TINY_VM_REG_FP || r.data[2] != u64{k} << 8) {
            ok = check(false,
                       "FP/SIMD check %u (vcpu_run from vCPU %u): error %ld, state %#lx at %#lx, generation %lu with "
                       "%lu registers wrong; expected generation %u, none wrong",
                       k, by, static_cast<i64>(r.error), r.state, r.data[0], r.data[2] >> 8, r.data[2] & 0xff, k);
        }
    }
    if (two) {
        store(fp_turn, u64{2});
        dsb();
    }
    if (ok) {
        say("the tiny VM's FP/SIMD registers were intact in all %u checks, run from vCPU%s", fp_turns,
            two ? "s 0 and 1 in turn" : " 0 only (this VM has one)");
    }
    check(vmid != 0 && vm_call(GUNYAH_RM_MSG_VM_RESET, vmid) == GUNYAH_RM_OK, "VM_RESET: OK");
    check(handle != 0 && reclaim(handle) == GUNYAH_RM_OK, "MEM_RECLAIM: OK");
    check(vmid != 0 && vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK");
    rm_drop_notifications();
}

// Runs `vcpu` until it waits for an interrupt (vcpu_run's EXPECTS_WAKEUP); false on
// anything else.
bool run_until_waiting(CapId vcpu, const char* what)
{
    const gunyah::RunResult r = vcpu_run_on(vcpu);
    return check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP && r.data[1] == GUNYAH_VCPU_RUN_WAKEUP_WFI,
                 "%s: vcpu_run says it waits in WFI (error %ld, state %#lx, reason %lu)", what,
                 static_cast<i64>(r.error), r.state, r.data[1]);
}

// A doorbell between two VMs: the peer guest (peer.cpp, peer_vm.dts declares the doorbell)
// takes three rings. Each time the VMM runs it until it waits, rings, sees its own
// run-wakeup interrupt for the peer's vCPU (once: the first ring), and runs it to the
// MMIO write that counts the ring; then the peer ends (guest peer: PASS) and powers off.
void doorbell_life()
{
    constexpr u32 rings = 3;
    u32 vmid = 0;
    u32 handle = 0;
    VmResources res;
    load_peer_vm(region);
    if (!alloc_vmid(vmid)) {
        return;
    }
    bool ok = succeeded(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle), "MEM_LEND: OK") &&
              succeeded(vm_config_image(link, reply, vmid, handle, TINY_VM_IMAGE_OFFSET, peer_vm_image_size(),
                                        PEER_VM_DT_OFFSET, PEER_VM_DT_SIZE),
                        "VM_CONFIG_IMAGE of the peer guest: OK") &&
              succeeded(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid), "VM_INIT: OK") &&
              succeeded(vm_get_resources(link, reply, vmid, res), "VM_GET_HYP_RESOURCES: OK");
    if (ok) {
        say("resources: %u vCPU (cap %#lx, wake-up INTID %u), %u doorbell to ring (cap %#lx, label %u), %u other",
            res.vcpus, res.vcpu.cap, res.vcpu.virq, res.doorbells, res.doorbell, res.doorbell_label, res.others);
        ok = check(res.vcpus == 1 && res.doorbells == 1 && res.doorbell_label == 1,
                   "one vCPU and the doorbell labelled 1 to send on") &&
             check(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 1, rings) == GUNYAH_RM_OK,
                   "VM_SET_BOOT_CONTEXT x1 = %u rings: OK", rings) &&
             check(vm_set_boot_context(link, reply, vmid, GUNYAH_VCPU_REG_SET_X, 2, vmid) == GUNYAH_RM_OK,
                   "VM_SET_BOOT_CONTEXT x2 = its vmid (it asks the RM for its own): OK") &&
             check(vm_call(GUNYAH_RM_MSG_VM_START, vmid) == GUNYAH_RM_OK, "VM_START: OK");
    }
    if (ok) {
        gic_enable_spi(res.vcpu.virq, true);
        // Until it is ready: its RPC to the RM makes it wait for the reply, which wakes it.
        gunyah::RunResult r{};
        for (unsigned calls = 0; calls < 100000; ++calls) {
            r = vcpu_run_on(res.vcpu.cap);
            if (!r.ok() || r.state != GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP) {
                break;
            }
        }
        ok = check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE &&
                       r.data[0] == TINY_VM_MMIO + PEER_VM_REG_RINGS && r.data[2] == 0,
                   "the peer asked the RM over its own RPC link and is ready (state %#lx, value %lu)", r.state,
                   r.data[2]);
        (void)drain_interrupts();  // its run-wakeups while it waited for the RM: not the ring's
    }
    for (u32 ring = 1; ok && ring <= rings; ++ring) {
        ok = run_until_waiting(res.vcpu.cap, "before the ring");
        if (!ok) {
            break;
        }
        const gunyah::DoorbellResult sent = gunyah::doorbell_send(res.doorbell, 1);
        ok = check(sent.ok(), "doorbell_send %u: OK (error %ld, old flags %#lx)", ring, static_cast<i64>(sent.error),
                   sent.old_flags);
        if (ring == 1) {
            const bool woken = wait_for([] { return interrupt_pending(); }, 1000000);
            const u32 intid = woken ? gic_acknowledge() : gic_spurious_intid;
            if (intid < gic_special_intids) {
                gic_end_of_interrupt(intid);
            }
            check(intid == res.vcpu.virq, "the peer's vCPU became runnable: its run-wakeup interrupt %u came (%u)",
                  res.vcpu.virq, intid);
        }
        const gunyah::RunResult r = vcpu_run_on(res.vcpu.cap);
        ok = ok && check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_VMMIO_WRITE &&
                             r.data[0] == TINY_VM_MMIO + PEER_VM_REG_RINGS && r.data[2] == ring,
                         "ring %u: the peer took it and counted it (state %#lx at %#lx, value %lu)", ring, r.state,
                         r.data[0], r.data[2]);
    }
    if (ok) {
        const gunyah::RunResult r = vcpu_run_on(res.vcpu.cap);
        check(r.ok() && r.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF, "the peer ran to its end and powered off");
    }
    check(vm_call(GUNYAH_RM_MSG_VM_RESET, vmid) == GUNYAH_RM_OK, "VM_RESET: OK");
    check(handle != 0 && reclaim(handle) == GUNYAH_RM_OK, "MEM_RECLAIM: OK");
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK");
    const gunyah::DoorbellResult gone = gunyah::doorbell_send(res.doorbell, 1);
    check(!gone.ok(), "after VM_RESET the doorbell cap is gone from this VM (error %ld)", static_cast<i64>(gone.error));
    rm_drop_notifications();
}

// ---- Wrong states and bad arguments ------------------------------------------------------

void refusals()
{
    u32 vmid = 0;
    u32 handle = 0;
    if (!alloc_vmid(vmid)) {
        return;
    }
    check(vm_call(GUNYAH_RM_MSG_VM_START, vmid) != GUNYAH_RM_OK, "VM_START before VM_INIT: refused");
    check(vm_call(GUNYAH_RM_MSG_VM_INIT, vmid) != GUNYAH_RM_OK, "VM_INIT before VM_CONFIG_IMAGE: refused");
    check(config_image(vmid, 0x7777) != GUNYAH_RM_OK, "VM_CONFIG_IMAGE of a parcel that does not exist: refused");
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, 0x1234) == GUNYAH_RM_ERROR_VMID_INVALID,
          "VM_DEALLOC_VMID of a vmid nobody has: VMID_INVALID");
    check(vm_call(GUNYAH_RM_MSG_VM_START, GUNYAH_RM_VMID_HLOS) != GUNYAH_RM_OK, "VM_START of the primary VM: refused");
    check(vm_call(GUNYAH_RM_MSG_VM_RESET, GUNYAH_RM_VMID_HLOS) != GUNYAH_RM_OK, "VM_RESET of the primary VM: refused");
    u32 h = 0;
    check(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region + 0x800, 0x1000, h) != GUNYAH_RM_OK,
          "MEM_LEND of an unaligned range: refused");
    check(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, 0x1000, 0x1000, h) != GUNYAH_RM_OK,
          "MEM_LEND of memory that is not this VM's: refused");
    check(lend(GUNYAH_RM_MSG_MEM_LEND, 0x99, region, 0x1000, h) != GUNYAH_RM_OK,
          "MEM_LEND to a vmid nobody has: refused");
    check(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, 0x1000, h, 0x18) != GUNYAH_RM_OK,
          "MEM_LEND with rights beyond RWX: refused");
    check(region_readable(), "after the refused lends the memory is still this VM's");
    if (check(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region, TINY_VM_RAM_SIZE, handle) == GUNYAH_RM_OK, "MEM_LEND: OK")) {
        check(lend(GUNYAH_RM_MSG_MEM_LEND, vmid, region + 0x1000, 0x1000, h) != GUNYAH_RM_OK,
              "MEM_LEND of memory already lent: refused");
        check(config_image(vmid, handle, 0x10) != GUNYAH_RM_OK, "VM_CONFIG_IMAGE with a 16-byte DT: refused");
    }
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) != GUNYAH_RM_OK,
          "VM_DEALLOC_VMID while memory is lent to the VM... or its parcel is alive: refused");
    if (handle != 0) {
        check(reclaim(handle) == GUNYAH_RM_OK, "MEM_RECLAIM of the unused parcel: OK");
        check(reclaim(handle) != GUNYAH_RM_OK, "MEM_RECLAIM again: refused");
    }
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_OK, "VM_DEALLOC_VMID: OK");
    check(vm_call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid) == GUNYAH_RM_ERROR_VMID_INVALID,
          "VM_DEALLOC_VMID again: VMID_INVALID");
}

// ---- A hostile client ------------------------------------------------------------------------

u64 rng_state = 0x9e3779b97f4a7c15ull;
u64 rng()
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

void hostile(unsigned rounds)
{
    static constexpr u32 services[] = {
        GUNYAH_RM_MSG_VM_DEALLOC_VMID, GUNYAH_RM_MSG_VM_START,        GUNYAH_RM_MSG_VM_STOP,
        GUNYAH_RM_MSG_VM_RESET,        GUNYAH_RM_MSG_VM_CONFIG_IMAGE, GUNYAH_RM_MSG_VM_INIT,
        GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, GUNYAH_RM_MSG_VM_GET_STATE,
        GUNYAH_RM_MSG_MEM_LEND,        GUNYAH_RM_MSG_MEM_SHARE,       GUNYAH_RM_MSG_MEM_DONATE,
        GUNYAH_RM_MSG_MEM_ACCEPT,      GUNYAH_RM_MSG_MEM_RELEASE,     GUNYAH_RM_MSG_MEM_RECLAIM,
        GUNYAH_RM_MSG_MEM_APPEND,      GUNYAH_RM_MSG_MEM_NOTIFY,      GUNYAH_RM_MSG_CONSOLE_OPEN,
        GUNYAH_RM_MSG_CONSOLE_CLOSE,   GUNYAH_RM_MSG_CONSOLE_WRITE,   GUNYAH_RM_MSG_CONSOLE_FLUSH,
    };
    constexpr unsigned n_services = sizeof services / sizeof services[0];
    u8 payload[96];
    unsigned answered = 0;
    unsigned accepted = 0;
    for (unsigned i = 0; i < rounds; ++i) {
        const u32 id = services[rng() % n_services];
        const std::size_t size = rng() % sizeof payload;
        for (std::size_t b = 0; b < size; ++b) {
            payload[b] = static_cast<u8>(rng());
        }
        const u32 e = rm_call(link, id, payload, size, reply);
        answered += e != rm_no_reply;
        if (e == GUNYAH_RM_OK) {
            ++accepted;
            say("hostile request %u (id %#x, %zu bytes) was accepted", i, id, size);
        }
        // Random calls on the queues and on caps nobody gave out, between the requests.
        const CapId caps[] = {link.tx, link.rx, rng(), rng() & 0xff};
        const CapId cap = caps[rng() % 4];
        switch (rng() % 6) {
        case 0: (void)gunyah::doorbell_send(cap, rng()); break;
        case 1: (void)gunyah::doorbell_receive(cap, rng()); break;
        case 2: (void)gunyah::doorbell_mask(cap, rng(), rng()); break;
        case 3: (void)gunyah::doorbell_reset(cap); break;
        case 4: (void)gunyah::msgqueue_flush(cap); break;
        default: (void)gunyah::vcpu_run(cap, rng(), rng(), rng()); break;
        }
    }
    check(answered == rounds, "%u random requests to the VM and memory services: every one answered (%u)", rounds,
          answered);
    check(accepted == 0, "none of them accepted (%u)", accepted);
    rm_drop_notifications();
}

// ---- The hypervisor's own count ------------------------------------------------------------

struct HypStats {
    bool ok;
    u64 free_bytes, objects, caps;
};
HypStats hyp_stats()
{
    const SmcccResult r = smccc_hvc(hyp_debug_stats_id);
    return {r.x0 == 0, r.x1, r.x2, r.x3};
}

u64 bootarg(u64 dt_ipa, const char* name, u64 fallback)
{
    const char* args = chosen_bootargs(dt_ipa);
    std::size_t len = 0;
    while (name[len] != '\0') {
        ++len;
    }
    for (const char* p = args; *p != '\0'; ++p) {
        if ((p == args || p[-1] == ' ') && __builtin_memcmp(p, name, len) == 0 && p[len] == '=') {
            u64 v = 0;
            for (p += len + 1; *p >= '0' && *p <= '9'; ++p) {
                v = v * 10 + static_cast<u64>(*p - '0');
            }
            return v;
        }
    }
    return fallback;
}

}  // namespace

void guest::run(u64 dt_ipa)
{
    if (!open_rm_link(dt_ipa, link) || (region = top_of_ram(dt_ipa, TINY_VM_RAM_SIZE)) == 0) {
        finish();
    }
    const u64 cycles = bootarg(dt_ipa, "cycles", 200);

    // 1. One life, every step checked.
    check(one_life(true), "one VM's whole life");
    if (failures() != 0) {
        finish();
    }
    const HypStats before = hyp_stats();
    check(before.ok, "hyp_debug_stats answers (boot with hyp.debug_calls=1)");

    // 2. A life the owner ends; wrong states, bad arguments.
    stopped_life();
    scheduled_life();
    fp_life();
    doorbell_life();
    refusals();

    // 3. A hostile client, then a clean life.
    hostile(static_cast<unsigned>(bootarg(dt_ipa, "hostile", 1000)));
    check(one_life(true), "after the hostile requests, a whole life again");

    // 4. Many lives; the hypervisor's counts as they were.
    quiet = true;
    const u64 start = counter();
    unsigned lived = 0;
    while (lived < cycles && one_life(false)) {
        ++lived;
    }
    quiet = false;
    check(lived == cycles, "%u of %lu create/run/destroy cycles (%lu ms)", lived, cycles,
          us_from_ticks(counter() - start) / 1000);
    const HypStats after = hyp_stats();
    say("hypervisor before the cycles: %lu bytes free, %lu objects, %lu caps; after: %lu, %lu, %lu",
        before.free_bytes, before.objects, before.caps, after.free_bytes, after.objects, after.caps);
    check(after.ok && after.free_bytes == before.free_bytes && after.objects == before.objects &&
              after.caps == before.caps,
          "the hypervisor's free memory, objects and caps are as before the cycles");
}
