// A portable view of a trapped vCPU's state, and the questions trap handling asks about a
// VM's memory. The arch glue owns the real storage (arch::GuestRegs, saved by
// guest_entry.S); kernel/virt only ever sees these views, so everything it does to a
// guest runs unchanged on the host under Catch2.
#pragma once

#include <cstdint>

#include "support/addr.h"

namespace hyp::virt {

// x0..x30, the PC the guest resumes at (ELR_EL2) and its PSTATE (SPSR_EL2), by
// reference: the glue builds one over its saved frame,
//   RegisterFile regs{frame.x, frame.elr, frame.spsr};
// and whatever trap handling writes lands in the frame that is restored.
struct RegisterFile {
    std::uint64_t (&x)[31];
    std::uint64_t& pc;
    std::uint64_t& pstate;

    // Register number 31 in a load/store's Rt is the zero register, not SP: it reads as
    // zero and a load into it is discarded.
    static constexpr unsigned zero_register = 31;

    [[nodiscard]] std::uint64_t read(unsigned n) const { return n < zero_register ? x[n] : 0; }
    void write(unsigned n, std::uint64_t value) const
    {
        if (n < zero_register) {
            x[n] = value;
        }
    }
};

// What kernel/virt needs to know about a VM's address space. Implemented over the
// addrspace by whoever owns it; tests implement it over a table.
class GuestMemory {
public:
    // True when `ipa` is RAM of this VM that its vCPUs may execute from: where a CPU_ON
    // entry point may be.
    [[nodiscard]] virtual bool is_executable_ram(Ipa ipa) const = 0;

    // True when a stage-2 translation for `ipa` exists now. A translation or access-flag
    // fault on such an address raced with a stage-2 change on another CPU (break-before-
    // make leaves an entry invalid for a moment), so the access is retried rather than
    // treated as a stray access. An implementation must answer false for any address
    // whose retry would fault the same way again, or the guest spins.
    [[nodiscard]] virtual bool is_mapped(Ipa ipa) const = 0;

protected:
    ~GuestMemory() = default;
};

}  // namespace hyp::virt
