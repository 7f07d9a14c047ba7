// VM consoles (see vm_console.h).
#include "rm/vm/vm_console.h"

#include "rm/rpc/wire.h"

namespace hyp::rm {
namespace {

// What the RM's UART gets of a VM's byte: printable ASCII and tabs as they are, other
// bytes as '?' so that a VM cannot drive the RM's terminal; carriage returns vanish.
char printable(std::uint8_t byte) { return (byte >= 0x20 && byte < 0x7F) || byte == '\t' ? static_cast<char>(byte) : '?'; }

void log_bytes(VmService& s, std::uint16_t vmid, VmConsole& c, const std::uint8_t* bytes, std::size_t size)
{
    for (std::size_t i = 0; i < size; ++i) {
        if (bytes[i] == '\n') {
            flush_console_line(s, vmid, c);
            continue;
        }
        if (bytes[i] == '\r') {
            continue;
        }
        if (c.line_size == console_line_max) {
            flush_console_line(s, vmid, c);  // a long line goes out in pieces
        }
        c.line[c.line_size++] = printable(bytes[i]);
    }
}

// The console `requester` names for a write or flush (Gunyah's order): none is
// ARG_INVALID; another VM's is only its owner's (DENIED); the requester's side must be
// open (DENIED).
std::uint32_t opened_console(VmService& s, std::uint16_t requester, std::uint16_t target, ConsoleRef& ref)
{
    ref = find_console(s, requester, target);
    if (ref.console == nullptr) {
        return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
    }
    const bool is_owner = requester == ref.owner;
    if (target != 0 && !is_owner) {
        return GUNYAH_RM_ERROR_DENIED;
    }
    if (!(is_owner ? ref.console->owner_opened : ref.console->self_opened)) {
        return GUNYAH_RM_ERROR_DENIED;
    }
    return GUNYAH_RM_OK;
}

}  // namespace

ConsoleRef find_console(VmService& s, std::uint16_t requester, std::uint16_t target)
{
    const std::uint16_t self = target == 0 ? requester : target;
    if (self == GUNYAH_RM_VMID_HLOS) {
        return ConsoleRef{&s.primary_console, self, 0};
    }
    VmRecord* vm = s.vms.find(self);
    if (vm == nullptr || !vm->built) {
        return ConsoleRef{};
    }
    return ConsoleRef{&vm->console, self, vm->owner};
}

std::uint32_t console_open(VmService& s, std::uint16_t requester, std::uint16_t target, bool open)
{
    const ConsoleRef ref = find_console(s, requester, target);
    if (ref.console == nullptr) {
        return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
    }
    if (target == 0) {
        if (!open) {
            flush_console_line(s, ref.self, *ref.console);
        }
        ref.console->self_opened = open;
    } else if (requester == ref.owner) {
        ref.console->owner_opened = open;
    } else {
        return GUNYAH_RM_ERROR_DENIED;
    }
    return GUNYAH_RM_OK;
}

std::uint32_t console_write(VmService& s, std::uint16_t requester, std::uint16_t target, const std::uint8_t* bytes,
                            std::size_t size)
{
    ConsoleRef ref;
    if (const std::uint32_t e = opened_console(s, requester, target, ref); e != GUNYAH_RM_OK) {
        return e;
    }
    const bool is_owner = requester == ref.owner;
    VmConsole& c = *ref.console;
    if (target == 0) {
        log_bytes(s, ref.self, c, bytes, size);
    }
    if (!(is_owner ? c.self_opened : c.owner_opened) || ref.owner == 0) {
        return GUNYAH_RM_OK;  // nobody listens at the other end: dropped, as Gunyah does
    }
    // Gunyah: from = the VM when it wrote its own console, 0 when its owner wrote.
    rpc::WireWriter w{s.console_chars, sizeof s.console_chars};
    w.le16(target == 0 ? ref.self : 0);
    w.le16(static_cast<std::uint16_t>(size));
    for (std::size_t i = 0; i < size; ++i) {
        w.u8(bytes[i]);
    }
    (void)s.port->notify(target == 0 ? ref.owner : ref.self, GUNYAH_RM_NOTIF_CONSOLE_CHARS, s.console_chars,
                         w.size());
    return GUNYAH_RM_OK;
}

std::uint32_t console_flush(VmService& s, std::uint16_t requester, std::uint16_t target)
{
    ConsoleRef ref;
    if (const std::uint32_t e = opened_console(s, requester, target, ref); e != GUNYAH_RM_OK) {
        return e;
    }
    if (target == 0) {
        flush_console_line(s, ref.self, *ref.console);
    }
    return GUNYAH_RM_OK;
}

void flush_console_line(VmService& s, std::uint16_t vmid, VmConsole& c)
{
    if (c.line_size == 0) {
        return;
    }
    s.port->console_line(vmid, c.line, c.line_size);
    c.line_size = 0;
}

}  // namespace hyp::rm
