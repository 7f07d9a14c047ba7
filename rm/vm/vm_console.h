// VM consoles over RPC, with the semantics of Gunyah's RM (src/vm_console/
// vm_console_simple.c): each VM has one console, which exists while the VM is built
// (the primary VM's always); the VM opens it with target 0, its owner with the VM's
// vmid. A write needs the writer's side open; it reaches the other side as CONSOLE_CHARS
// only when that side is open too (else it is dropped, and the write still succeeds).
// Here, in addition, what a VM writes to its own console goes to the RM's console,
// line-buffered (a fixed line per VM) and prefixed with the VM ("[vm 128] ...").
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/vm/vm_service.h"

namespace hyp::rm {

// Resolved from a request: the console `target` names for `requester` (0 = its own),
// with who owns it and whose it is; null when there is none (Gunyah: ARG_INVALID).
struct ConsoleRef {
    VmConsole* console = nullptr;
    std::uint16_t self = 0;   // the VM the console belongs to
    std::uint16_t owner = 0;  // its owner (0 for the primary VM: none)
};
[[nodiscard]] ConsoleRef find_console(VmService& service, std::uint16_t requester, std::uint16_t target);

// The RM error of each call; write and flush act only on GUNYAH_RM_OK.
[[nodiscard]] std::uint32_t console_open(VmService& service, std::uint16_t requester, std::uint16_t target,
                                         bool open);
[[nodiscard]] std::uint32_t console_write(VmService& service, std::uint16_t requester, std::uint16_t target,
                                          const std::uint8_t* bytes, std::size_t size);
[[nodiscard]] std::uint32_t console_flush(VmService& service, std::uint16_t requester, std::uint16_t target);

// A VM's partial line to the RM's console (VM_RESET, its own CLOSE and FLUSH).
void flush_console_line(VmService& service, std::uint16_t vmid, VmConsole& console);

}  // namespace hyp::rm
