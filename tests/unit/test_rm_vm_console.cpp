// VM consoles over RPC (CONSOLE_*), against the fake hypervisor: who may open whose console, writes
// to an opened and an unopened console, CONSOLE_CHARS on the wire, the RM's console
// lines, lengths, and the console going with VM_RESET.
#include <catch2/catch.hpp>

#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {
namespace {

Bytes target(std::uint16_t vmid) { return P{}.le16(vmid).le16(0); }

Bytes write(std::uint16_t target_vmid, const std::string& text)
{
    P p;
    p.le16(target_vmid).le16(static_cast<std::uint16_t>(text.size()));
    for (char c : text) {
        p.u8(static_cast<std::uint8_t>(c));
    }
    return p;
}

Bytes chars(std::uint16_t from, const std::string& text) { return write(from, text); }

}  // namespace

TEST_CASE("rm vm console: a VM's writes reach the RM's console by lines and its owner once both have it open",
          "[rm][console]")
{
    Harness h;
    const Built vm = build_vm(h, 1, true);
    const std::string prefix = "[vm " + std::to_string(vm.vmid) + "] ";
    h.port.notes.clear();
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "early\n"), vm.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(0), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "hel"), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.empty());
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "lo\r\nwor"), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines == std::vector<std::string>{prefix + "hello"});
    CHECK(h.port.notes.empty());  // the owner has not opened it: dropped

    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "ld\n"), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.back() == prefix + "world");
    REQUIRE(h.port.notes.size() == 1);
    CHECK(h.port.notes[0].to == GUNYAH_RM_VMID_HLOS);
    CHECK(h.port.notes[0].msg_id == GUNYAH_RM_NOTIF_CONSOLE_CHARS);
    CHECK(h.port.notes[0].payload == chars(vm.vmid, "ld\n"));

    // The owner writes to the VM: CONSOLE_CHARS from 0, nothing on the RM's console.
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(vm.vmid, "hi")).error == GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 2);
    CHECK(h.port.notes[1].to == vm.vmid);
    CHECK(h.port.notes[1].payload == chars(0, "hi"));
    CHECK(h.port.lines.size() == 2);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, target(vm.vmid)).error == GUNYAH_RM_OK);

    // Control bytes are masked; a long line goes out in pieces; FLUSH sends a partial one.
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, std::string("a\x1b[2Jb\n")), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.back() == prefix + "a?[2Jb");
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, std::string(130, 'x')), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.back() == prefix + std::string(rm::console_line_max, 'x'));
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, target(0), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.back() == prefix + std::string(10, 'x'));

    // The owner closes: the VM's writes still succeed, nothing more reaches it.
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_CLOSE, target(vm.vmid)).error == GUNYAH_RM_OK);
    const std::size_t notes = h.port.notes.size();
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "bye"), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.port.notes.size() == notes);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(vm.vmid, "x")).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, target(vm.vmid)).error == GUNYAH_RM_ERROR_DENIED);

    // VM_RESET: the partial line goes out, and the console with the VM.
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK(h.port.lines.back() == prefix + "bye");
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(vm.vmid)).error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
}

TEST_CASE("rm vm console: who may open whose console, unknown consoles, lengths", "[rm][console]")
{
    Harness h;
    const std::uint16_t unbuilt = alloc(h);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(unbuilt)).error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    const Built vm = build_vm(h, 1, true);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(0x99)).error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    // Another VM, and the VM naming itself, are not the owner.
    struct {
        std::uint16_t vmid = 0x81;
    } other;  // any other client
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(vm.vmid), other.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(vm.vmid), vm.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_CLOSE, target(vm.vmid), other.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(vm.vmid, "x"), other.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, target(vm.vmid), other.vmid).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, target(0), vm.vmid).error == GUNYAH_RM_ERROR_DENIED);  // not open
    // Exact lengths (the reserved half is not checked, as in Gunyah).
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, P{}.le16(0), vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, P{}.le16(0).le16(0).u8(0), vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, P{}.le16(0).le16(7), vm.vmid).error == GUNYAH_RM_OK);
    Bytes lying = write(0, "abc");
    lying[2] = 4;
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, lying, vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, P{}.le16(0), vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_CLOSE, P{}, vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_FLUSH, P{}.le32(0).le32(0), vm.vmid).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.port.lines.empty());
}

TEST_CASE("rm vm console: the primary VM's own console goes to the RM's, with no owner to tell", "[rm][console]")
{
    Harness h;
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_OPEN, target(0)).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(0, "boot\n")).error == GUNYAH_RM_OK);
    CHECK(h.port.lines == std::vector<std::string>{"[vm 3] boot"});
    CHECK(h.port.notes.empty());
    CHECK(h.call(GUNYAH_RM_MSG_CONSOLE_WRITE, write(GUNYAH_RM_VMID_HLOS, "x")).error == GUNYAH_RM_ERROR_DENIED);
}

}  // namespace hyp::test::vmsvc
