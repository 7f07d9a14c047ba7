// A harness for the RM's VM services on the host: the fake hypervisor standing for the
// primary VM's RAM (1:1 extent), a VmService, a dispatcher with the VM and memory
// handlers, and one RPC channel per client (the primary VM's, and a secondary's when
// asked). call() sends a request as Linux would and returns the reply; notes() are the
// notifications a client got.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "rm/dt/fdt_writer.h"
#include "rm/rpc/console_handlers.h"
#include "rm/rpc/mem_handlers.h"
#include "rm/rpc/vm_handlers.h"
#include "rm/vm/vm_service.h"
#include "tests/unit/rm_fake_hypervisor.h"
#include "tests/unit/rpc_test_support.h"

namespace hyp::test::vmsvc {

using namespace hyp::test::rpc;
using rm::rpc::RpcChannel;

inline constexpr rm::CapId rm_addrspace = 0x10;
inline constexpr rm::CapId rm_cspace = 0x11;
inline constexpr rm::CapId partition = 0x12;
inline constexpr rm::CapId rm_vic = 0x13;
inline constexpr rm::CapId primary_cspace = 0x20;
inline constexpr rm::CapId primary_vic = 0x21;
inline constexpr rm::CapId primary_addrspace = 0x22;
inline constexpr rm::CapId primary_ram = 0x23;       // the primary VM's view of its RAM
inline constexpr rm::CapId primary_ram_root = 0x24;  // its parent, the RM's
inline constexpr std::uint64_t ram_base = 0x40000000;
inline constexpr std::uint64_t ram_size = 0x01000000;  // 16 MiB of host memory
inline constexpr std::uint64_t vm_base = 0x80000000;

struct Reply {
    std::uint32_t error = 0xDEADBEEF;
    Bytes data;
};

class Port final : public rm::ClientPort {
public:
    struct Note {
        std::uint16_t to;
        std::uint32_t msg_id;
        Bytes payload;
    };
    std::vector<Note> notes;
    std::vector<std::uint16_t> up;
    std::vector<std::uint16_t> down;
    std::vector<std::string> lines;  // the RM's console: "[vm N] text"

    bool notify(std::uint16_t vmid, std::uint32_t msg_id, const std::uint8_t* p, std::size_t n) override
    {
        notes.push_back(Note{vmid, msg_id, Bytes(p, p + n)});
        return true;
    }
    void link_up(const rm::VmRecord& vm) override { up.push_back(vm.vmid); }
    void link_down(const rm::VmRecord& vm) override { down.push_back(vm.vmid); }
    void console_line(std::uint16_t vmid, const char* text, std::size_t size) override
    {
        lines.push_back("[vm " + std::to_string(vmid) + "] " + std::string(text, size));
    }
};

// The RM's console, as text: "RM: ..." lines.
struct ConsoleText final : rm::CharOut {
    std::string text;
    void put(char c) override
    {
        if (c != '\r') {
            text += c;
        }
    }
};

struct Harness {
    FakeHypervisor hv{rm_addrspace};
    Port port;
    ConsoleText console_text;
    rm::Console console{&console_text};
    rm::VmService service;
    rm::rpc::Dispatcher dispatcher;
    std::uint16_t seq = 1;

    // The primary VM's RAM: `ram` bytes at ram_base.
    explicit Harness(std::uint64_t ram = ram_size)
    {
        hv.add_ram(ram_base, ram);
        hv.add_extent(primary_ram_root, ram_base, ram);
        hv.add_extent(primary_ram, ram_base, ram);
        rm::RmEnv env;
        env.partition = partition;
        env.rm_cspace = rm_cspace;
        env.rm_addrspace = rm_addrspace;
        env.rm_vic = rm_vic;
        env.cpu_count = 2;
        env.primary_cspace = primary_cspace;
        env.primary_vic = primary_vic;
        env.primary_memory = rm::LenderMemory{primary_ram, primary_addrspace, ram_base, ram, primary_ram_root};
        service.init(env, hv, hv, port, &console);
        REQUIRE(rm::rpc::add_vm_handlers(dispatcher, service));
        REQUIRE(rm::rpc::add_mem_handlers(dispatcher, service));
        REQUIRE(rm::rpc::add_console_handlers(dispatcher, service));
    }

    Reply call(std::uint32_t msg_id, const Bytes& payload, std::uint16_t from = GUNYAH_RM_VMID_HLOS)
    {
        FakeQueuePair q;
        auto channel = std::make_unique<RpcChannel>();
        channel->attach(q, from);
        client_sends(q, msg_id, seq, payload);
        (void)channel->poll(dispatcher);
        const LinuxReceiver view = client_view(q);
        REQUIRE(view.messages.size() == 1);
        CHECK(view.messages[0].seq == seq);
        ++seq;
        return Reply{view.messages[0].rm_error, view.messages[0].payload};
    }
};

// Little-endian payload building.
struct P {
    Bytes b;
    P& u8(std::uint8_t v) { b.push_back(v); return *this; }
    P& le16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v)).u8(static_cast<std::uint8_t>(v >> 8)); }
    P& le32(std::uint32_t v) { return le16(static_cast<std::uint16_t>(v)).le16(static_cast<std::uint16_t>(v >> 16)); }
    P& le64(std::uint64_t v) { return le32(static_cast<std::uint32_t>(v)).le32(static_cast<std::uint32_t>(v >> 32)); }
    operator Bytes() const { return b; }
};

inline Bytes vmid_payload(std::uint16_t vmid) { return P{}.le16(vmid).le16(0); }

struct Range {
    std::uint64_t ipa;
    std::uint64_t size;
};

inline Bytes parcel(std::uint16_t vmid, std::uint8_t rights, std::vector<Range> ranges, std::uint8_t flags = 0)
{
    P p;
    p.u8(0).u8(0).u8(flags).u8(0).le32(7);          // normal memory, label 7
    p.le32(1).le16(vmid).u8(rights).u8(0);           // ACL: Linux writes a u32 count
    p.le16(static_cast<std::uint16_t>(ranges.size())).le16(0);
    for (const Range& r : ranges) {
        p.le64(r.ipa).le64(r.size);
    }
    p.le16(0).le16(0);                               // no attributes
    return p;
}

// A vdevices child of the vm-config node, in Gunyah's syntax.
struct Vdev {
    std::string type = "doorbell";  // vdevice-type
    std::uint32_t label = 1;
    std::string generate = "/hypervisor/doorbell";  // empty: none
    bool peer_default = true;
    std::uint32_t intid = 0;        // interrupts = <0 intid 1>, 0: none
    const char* label_name = "qcom,label";
};

// A VM DT like Linux's sample_vm.dts, written at `at` in the fake's RAM.
inline std::size_t write_vm_dt(FakeHypervisor& hv, std::uint64_t at, std::size_t capacity, std::uint32_t cpus,
                               bool proxy, std::uint64_t base = vm_base, const std::vector<Vdev>& vdevs = {})
{
    std::byte* buffer = hv.phys(at, capacity);
    REQUIRE(buffer != nullptr);
    rm::FdtWriter out{buffer, capacity};
    out.begin_node("");
    out.property_u32("#address-cells", 2);
    out.property_u32("#size-cells", 2);
    out.begin_node("cpus");
    for (std::uint32_t i = 0; i < cpus; ++i) {
        out.begin_node_at("cpu", i);
        out.property_string("device_type", "cpu");
        out.end_node();
    }
    out.end_node();
    out.begin_node("gunyah-vm-config");
    out.begin_node("memory");
    out.property_u32("#address-cells", 2);
    out.property_u64("base-address", base);
    out.end_node();
    out.begin_node("vcpus");
    out.property_string("affinity", proxy ? "proxy" : "sticky");
    out.end_node();
    if (!vdevs.empty()) {
        out.begin_node("vdevices");
        out.property_string("generate", "/hypervisor");
        for (std::size_t i = 0; i < vdevs.size(); ++i) {
            const Vdev& v = vdevs[i];
            out.begin_node_at("vdev", i);
            out.property_string("vdevice-type", v.type.c_str());
            if (!v.generate.empty()) {
                out.property_string("generate", v.generate.c_str());
            }
            out.property_u32(v.label_name, v.label);
            if (v.peer_default) {
                out.property_empty("peer-default");
            }
            if (v.intid != 0) {
                const std::uint32_t cells[] = {0, v.intid, 1};
                out.property_cells("interrupts", cells);
            }
            out.end_node();
        }
        out.end_node();
    }
    out.end_node();
    out.end_node();
    rm::Diagnostic diag;
    auto size = out.finish(diag);
    REQUIRE(size);
    return *size;
}

// Mappings into VMs other than the primary (whose partial map-backs stay, as they should).
inline std::size_t secondary_mappings(const FakeHypervisor& hv)
{
    std::size_t n = 0;
    for (const auto& m : hv.guest_mappings) {
        n += m.addrspace != primary_addrspace ? 1 : 0;
    }
    return n;
}

inline std::uint16_t alloc(Harness& h)
{
    Reply r = h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(0));
    REQUIRE(r.error == GUNYAH_RM_OK);
    REQUIRE(r.data.size() == 4);
    return static_cast<std::uint16_t>(le32_at(r.data, 0));
}

inline std::uint32_t lend(Harness& h, std::uint16_t vmid, std::vector<Range> ranges,
                          std::uint32_t msg = GUNYAH_RM_MSG_MEM_LEND)
{
    Reply r = h.call(msg, parcel(vmid, GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X, ranges));
    REQUIRE(r.error == GUNYAH_RM_OK);
    return le32_at(r.data, 0);
}

inline Bytes config_payload(std::uint16_t vmid, std::uint32_t handle, std::uint64_t image_offset,
                            std::uint64_t image_size, std::uint64_t dtb_offset, std::uint64_t dtb_size)
{
    return P{}.le16(vmid).le16(0).le32(handle).le64(image_offset).le64(image_size).le64(dtb_offset).le64(dtb_size);
}

// ALLOC, LEND 1 MiB at ram_base + 4 MiB with a DT at offset 64 KiB, CONFIG_IMAGE, INIT.
struct Built {
    std::uint16_t vmid;
    std::uint32_t handle;
};
inline Built build_vm(Harness& h, std::uint32_t cpus = 2, bool proxy = true, const std::vector<Vdev>& vdevs = {})
{
    const std::uint16_t vmid = alloc(h);
    const std::uint64_t at = ram_base + 0x400000;
    (void)write_vm_dt(h.hv, at + 0x10000, 0x2000, cpus, proxy, vm_base, vdevs);
    const std::uint32_t handle = lend(h, vmid, {{at, 0x100000}});
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0x8000, 0x10000, 0x2000)).error ==
            GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    return Built{vmid, handle};
}

}  // namespace hyp::test::vmsvc
