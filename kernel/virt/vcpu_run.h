// Running vCPUs on the physical CPUs: the per-CPU loop that asks the scheduler what to
// run, switches vCPU contexts, enters the guest, and handles what brings it back to EL2
// (traps, the EL2 timer, reschedule IPIs), and the idle state with WFI. Target only;
// docs/virt.md, "The run loop", describes it.
#pragma once

#include <cstdint>

namespace hyp::virt {

// Boot CPU, once, after irq_init_boot() and before any vCPU is created: the stage-2
// control for every VM on this machine (`ipa_bits`, `pa_bits`, `vmid_bits`), the IRQ
// handlers of the loop, and the scheduler for `cpu_count` CPUs. False (and a message)
// when stage 2 cannot be set up.
[[nodiscard]] bool run_loop_init(unsigned ipa_bits, unsigned pa_bits, unsigned vmid_bits, std::uint32_t cpu_count);

// Boot CPU, after run_loop_init(): the physical console's received bytes become the
// primary VM's console input (its vPL011), through the UART's interrupt `uart_intid`.
void console_input_init(std::uint32_t uart_intid);
// Qualcomm SiP (SCM) calls from the primary VM go to EL3 through the allow-list
// (platform/qcom/sip_forward.h): the board's choice, made once at boot. Off: every SiP
// call gets NOT_SUPPORTED.
void set_qcom_sip_forwarding(bool on);

// Every CPU, once run_loop_init() has returned true: runs vCPUs for ever.
[[noreturn]] void run_vcpus();

// One line per CPU: how much of its time since it entered run_vcpus() it spent idle.
void report_idle_time();

}  // namespace hyp::virt
