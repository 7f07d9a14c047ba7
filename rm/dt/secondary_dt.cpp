// Reading and editing a secondary VM's device tree (see secondary_dt.h).
#include "rm/dt/secondary_dt.h"

#include "rm/dt/libfdt.h"

namespace hyp::rm {
namespace {

constexpr std::uint32_t gic_spi = 0;
constexpr std::uint32_t first_spi = 32;
constexpr std::uint32_t irq_edge_rising = 1;

bool starts_with(const char* s, const char* prefix)
{
    for (; *prefix != '\0'; ++s, ++prefix) {
        if (*s != *prefix) {
            return false;
        }
    }
    return true;
}

bool equals(const char* a, int len, const char* b)
{
    int i = 0;
    for (; i < len && a[i] != '\0' && b[i] != '\0'; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return i < len && a[i] == '\0' && b[i] == '\0';
}

std::uint64_t read_cells(const fdt32_t* cells, int count)
{
    std::uint64_t v = 0;
    for (int i = 0; i < count; ++i) {
        v = (v << 32) | fdt32_to_cpu(cells[i]);
    }
    return v;
}

int count_cpus(const void* fdt)
{
    const int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) {
        return 0;
    }
    int count = 0;
    int child = 0;
    fdt_for_each_subnode(child, fdt, cpus)
    {
        int len = 0;
        const char* type = static_cast<const char*>(fdt_getprop(fdt, child, "device_type", &len));
        const char* name = fdt_get_name(fdt, child, nullptr);
        if ((type != nullptr && equals(type, len, "cpu")) || (name != nullptr && starts_with(name, "cpu@"))) {
            ++count;
        }
    }
    return count;
}

// The vm-config node: Linux's sample names it gunyah-vm-config, Gunyah's RM also reads
// qcom,vm-config.
int config_node(const void* fdt)
{
    const int node = fdt_path_offset(fdt, "/gunyah-vm-config");
    return node >= 0 ? node : fdt_path_offset(fdt, "/qcom,vm-config");
}

// A string property's value when it is one NUL-terminated string, else null.
const char* string_prop(const void* fdt, int node, const char* name)
{
    int len = 0;
    const char* value = static_cast<const char*>(fdt_getprop(fdt, node, name, &len));
    if (value == nullptr || len <= 0 || value[len - 1] != '\0') {
        return nullptr;
    }
    return value;
}

// One doorbell child of vdevices, as Gunyah's parse_doorbell / parse_doorbell_source
// read it: peer-default is required (the owner is the only peer), qcom,label and
// generate are optional, interrupts (three cells, the second the INTID itself) only
// count for the receiving kind and only when exactly three cells long.
Status read_doorbell(const void* fdt, int node, bool source, DoorbellConfig& out, Diagnostic& diag)
{
    const char* node_name = fdt_get_name(fdt, node, nullptr);
    if (fdt_getprop(fdt, node, "peer-default", nullptr) == nullptr) {
        return refuse(diag, Error::arg_inval, "vdevice {}: a doorbell needs peer-default (its owner is its only peer)",
                      node_name);
    }
    out = DoorbellConfig{};
    out.source = source;
    // Gunyah reads qcom,label; plain `label` (which the RM also writes into the VM's node)
    // is taken when qcom,label is absent.
    int len = 0;
    const char* label_name = "qcom,label";
    const auto* label = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, label_name, &len));
    if (label == nullptr) {
        label_name = "label";
        label = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, label_name, &len));
    }
    if (label != nullptr) {
        if (len != 4) {
            return refuse(diag, Error::arg_inval, "vdevice {}: {} has {} bytes, not 4", node_name, label_name, len);
        }
        out.label = fdt32_to_cpu(*label);
    }
    const char* name = "qcom,doorbell";
    if (fdt_getprop(fdt, node, "generate", nullptr) != nullptr) {
        const char* generate = string_prop(fdt, node, "generate");
        constexpr char parent[] = "/hypervisor/";
        if (generate == nullptr || !starts_with(generate, parent)) {
            return refuse(diag, Error::arg_inval, "vdevice {}: generate must be a path \"/hypervisor/<name>\"",
                          node_name);
        }
        name = generate + sizeof parent - 1;
    }
    std::size_t n = 0;
    for (; name[n] != '\0'; ++n) {
        if (name[n] == '/' || name[n] == '@' || n + 1 >= doorbell_name_max) {
            return refuse(diag, Error::arg_inval,
                          "vdevice {}: generate's node name must be 1 to {} characters without '/' or '@'", node_name,
                          doorbell_name_max - 1);
        }
        out.name[n] = name[n];
    }
    if (n == 0) {
        return refuse(diag, Error::arg_inval, "vdevice {}: generate names no node under /hypervisor", node_name);
    }
    const auto* irq = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "interrupts", &len));
    if (!source && irq != nullptr && len == 12) {
        if (fdt32_to_cpu(irq[0]) != gic_spi) {
            return refuse(diag, Error::arg_inval, "vdevice {}: a doorbell's interrupt must be an SPI", node_name);
        }
        out.intid = fdt32_to_cpu(irq[1]);
    }
    return success();
}

// vm-config's vdevices node: doorbells are read; rm-rpc is what the RM makes for every
// VM anyway; any other type is one this RM cannot make, refused rather than ignored.
Status read_vdevices(const void* fdt, int vm_config, SecondaryDtConfig& config, Diagnostic& diag)
{
    const int vdevices = fdt_subnode_offset(fdt, vm_config, "vdevices");
    if (vdevices < 0) {
        return success();
    }
    std::size_t declared = 0;
    int child = 0;
    fdt_for_each_subnode(child, fdt, vdevices)
    {
        const char* type = string_prop(fdt, child, "vdevice-type");
        const char* node_name = fdt_get_name(fdt, child, nullptr);
        if (type == nullptr) {
            return refuse(diag, Error::arg_inval, "vdevice {} has no vdevice-type string", node_name);
        }
        int len = 0;
        const char* raw = static_cast<const char*>(fdt_getprop(fdt, child, "vdevice-type", &len));
        const bool source = equals(raw, len, "doorbell-source");
        if (!source && !equals(raw, len, "doorbell")) {
            if (equals(raw, len, "rm-rpc")) {
                continue;
            }
            return refuse(diag, Error::arg_inval, "vdevice {}: type \"{}\" is not supported (doorbell, "
                          "doorbell-source, rm-rpc)", node_name, type);
        }
        if (++declared > max_vm_doorbells) {
            continue;  // counted for the message below
        }
        Status s = read_doorbell(fdt, child, source, config.doorbells[declared - 1], diag);
        if (!s) {
            return s;
        }
    }
    if (declared > max_vm_doorbells) {
        return refuse(diag, Error::arg_inval, "the VM's config declares {} doorbells: at most {}", declared,
                      max_vm_doorbells);
    }
    config.doorbell_count = declared;
    return success();
}

Status check(int result, Diagnostic& diag, const char* what)
{
    if (result >= 0) {
        return success();
    }
    if (result == -FDT_ERR_NOSPACE) {
        return refuse(diag, Error::nomem, "the VM's DT has no room for {}", what);
    }
    return refuse(diag, Error::failure, "editing the VM's DT ({}): {}", what, fdt_strerror(result));
}

// Gunyah's dto_create_doorbell: <generate>@<cap>, reg the cap (the /hypervisor node has
// two address cells and no size), interrupts only where the doorbell is received.
Status write_doorbell(void* fdt, int hyp, const DoorbellNode& db, Diagnostic& diag)
{
    char name[doorbell_name_max + 20];
    fmt::format_buffer(name, sizeof name, "{}@{:x}", db.name, db.cap);
    const int node = fdt_add_subnode(fdt, hyp, name);
    Status s = check(node, diag, "a doorbell node");
    if (!s) {
        return s;
    }
    static constexpr char receive_compatible[] = "qcom,gunyah-doorbell\0qcom,gunyah-capability";
    static constexpr char source_compatible[] = "qcom,gunyah-doorbell-source\0qcom,gunyah-capability";
    int e = db.source ? fdt_setprop(fdt, node, "compatible", source_compatible, sizeof source_compatible)
                      : fdt_setprop(fdt, node, "compatible", receive_compatible, sizeof receive_compatible);
    if (e >= 0) e = fdt_setprop_u64(fdt, node, "reg", db.cap);
    if (e >= 0 && !db.source) {
        const fdt32_t interrupts[] = {cpu_to_fdt32(gic_spi), cpu_to_fdt32(db.intid - first_spi),
                                      cpu_to_fdt32(irq_edge_rising)};
        e = fdt_setprop(fdt, node, "interrupts", interrupts, sizeof interrupts);
    }
    if (e >= 0) e = fdt_setprop_u32(fdt, node, "qcom,label", db.label);
    if (e >= 0) e = fdt_setprop_u32(fdt, node, "label", db.label);
    return check(e, diag, "a doorbell node's properties");
}

}  // namespace

Result<SecondaryDtConfig> read_secondary_dt(const void* fdt, std::size_t size, std::uint32_t max_vcpus,
                                            Diagnostic& diag)
{
    if (size < sizeof(fdt_header) || fdt_check_header(fdt) != 0) {
        return refuse(diag, Error::arg_inval, "the VM's DT has no valid header");
    }
    if (fdt_totalsize(fdt) > size) {
        return refuse(diag, Error::arg_inval, "the VM's DT ({} bytes) is larger than dtb_size ({})",
                      fdt_totalsize(fdt), size);
    }
    if (int e = fdt_check_full(fdt, size); e != 0) {
        return refuse(diag, Error::arg_inval, "the VM's DT is malformed: {}", fdt_strerror(e));
    }
    SecondaryDtConfig config;
    const int cpus = count_cpus(fdt);
    if (cpus <= 0 || static_cast<std::uint32_t>(cpus) > max_vcpus) {
        return refuse(diag, Error::arg_inval, "the VM's DT has {} CPUs under /cpus: 1 to {}", cpus, max_vcpus);
    }
    config.vcpu_count = static_cast<std::uint32_t>(cpus);

    const int vm_config = config_node(fdt);
    if (vm_config < 0) {
        return config;  // hypervisor-scheduled, image mapped where the VMM has it
    }
    const int memory = fdt_subnode_offset(fdt, vm_config, "memory");
    if (memory >= 0) {
        int len = 0;
        const auto* base = static_cast<const fdt32_t*>(fdt_getprop(fdt, memory, "base-address", &len));
        if (base != nullptr) {
            int cells = fdt_address_cells(fdt, memory);
            if (cells < 1 || cells > 2 || len != cells * 4) {
                // The memory node's own #address-cells may be absent: take the length.
                cells = len == 4 ? 1 : (len == 8 ? 2 : 0);
            }
            if (cells == 0) {
                return refuse(diag, Error::arg_inval, "vm-config memory base-address has {} bytes", len);
            }
            config.has_mem_base = true;
            config.mem_base = read_cells(base, cells);
            if ((config.mem_base & 0xFFF) != 0) {
                return refuse(diag, Error::arg_inval, "vm-config memory base-address {:#x} is not page aligned",
                              config.mem_base);
            }
        }
    }
    const int vcpus = fdt_subnode_offset(fdt, vm_config, "vcpus");
    if (vcpus >= 0) {
        int len = 0;
        const char* affinity = static_cast<const char*>(fdt_getprop(fdt, vcpus, "affinity", &len));
        config.proxy = affinity != nullptr && equals(affinity, len, "proxy");
    }
    if (Status s = read_vdevices(fdt, vm_config, config, diag); !s) {
        return fail(s.error());
    }
    return config;
}

Status write_secondary_dt(void* fdt, std::size_t capacity, const SecondaryDtNodes& nodes, Diagnostic& diag)
{
    Status s = check(fdt_open_into(fdt, fdt, static_cast<int>(capacity)), diag, "opening it");
    if (!s) {
        return s;
    }
    if (int old = fdt_path_offset(fdt, "/hypervisor"); old >= 0) {
        s = check(fdt_del_node(fdt, old), diag, "the old /hypervisor");
        if (!s) {
            return s;
        }
    }
    const RmLinkNode& link = nodes.link;
    const int hyp = fdt_add_subnode(fdt, 0, "hypervisor");
    s = check(hyp, diag, "/hypervisor");
    if (!s) {
        return s;
    }
    static constexpr char hyp_compatible[] =
        "gunyah-hypervisor\0qcom,gunyah-hypervisor-1.0\0qcom,gunyah-hypervisor\0simple-bus";
    int e = fdt_setprop(fdt, hyp, "compatible", hyp_compatible, sizeof hyp_compatible);
    if (e >= 0) e = fdt_setprop_u32(fdt, hyp, "#address-cells", 2);
    if (e >= 0) e = fdt_setprop_u32(fdt, hyp, "#size-cells", 0);
    if (s = check(e, diag, "/hypervisor's properties"); !s) {
        return s;
    }
    const int vm = fdt_add_subnode(fdt, hyp, "qcom,gunyah-vm");
    if (s = check(vm, diag, "qcom,gunyah-vm"); !s) {
        return s;
    }
    static constexpr char vm_compatible[] = "qcom,gunyah-vm-id-1.0\0qcom,gunyah-vm-id";
    e = fdt_setprop(fdt, vm, "compatible", vm_compatible, sizeof vm_compatible);
    if (e >= 0) e = fdt_setprop_u32(fdt, vm, "qcom,vmid", nodes.vmid);
    if (e >= 0) e = fdt_setprop_u32(fdt, vm, "qcom,owner-vmid", nodes.owner_vmid);
    if (s = check(e, diag, "qcom,gunyah-vm's properties"); !s) {
        return s;
    }
    char name[48];
    fmt::format_buffer(name, sizeof name, "gunyah-resource-mgr@{:x}", link.tx_cap);
    const int rm = fdt_add_subnode(fdt, hyp, name);
    if (s = check(rm, diag, "the RM node"); !s) {
        return s;
    }
    static constexpr char rm_compatible[] =
        "gunyah-resource-manager-1-0\0gunyah-resource-manager\0qcom,resource-manager-1-0\0qcom,resource-manager";
    const fdt32_t reg[] = {
        cpu_to_fdt32(static_cast<std::uint32_t>(link.tx_cap >> 32)), cpu_to_fdt32(static_cast<std::uint32_t>(link.tx_cap)),
        cpu_to_fdt32(static_cast<std::uint32_t>(link.rx_cap >> 32)), cpu_to_fdt32(static_cast<std::uint32_t>(link.rx_cap)),
    };
    const fdt32_t interrupts[] = {
        cpu_to_fdt32(gic_spi), cpu_to_fdt32(link.tx_intid - first_spi), cpu_to_fdt32(irq_edge_rising),
        cpu_to_fdt32(gic_spi), cpu_to_fdt32(link.rx_intid - first_spi), cpu_to_fdt32(irq_edge_rising),
    };
    e = fdt_setprop(fdt, rm, "compatible", rm_compatible, sizeof rm_compatible);
    if (e >= 0) e = fdt_setprop(fdt, rm, "reg", reg, sizeof reg);
    if (e >= 0) e = fdt_setprop(fdt, rm, "interrupts", interrupts, sizeof interrupts);
    if (e >= 0) e = fdt_setprop(fdt, rm, "qcom,is-full-duplex", nullptr, 0);
    if (e >= 0) e = fdt_setprop_u32(fdt, rm, "qcom,tx-message-size", link.message_size);
    if (e >= 0) e = fdt_setprop_u32(fdt, rm, "qcom,rx-message-size", link.message_size);
    if (e >= 0) e = fdt_setprop_u32(fdt, rm, "qcom,tx-queue-depth", link.queue_depth);
    if (e >= 0) e = fdt_setprop_u32(fdt, rm, "qcom,rx-queue-depth", link.queue_depth);
    if (s = check(e, diag, "the RM node's properties"); !s) {
        return s;
    }
    for (std::size_t i = 0; i < nodes.doorbell_count; ++i) {
        if (s = write_doorbell(fdt, hyp, nodes.doorbells[i], diag); !s) {
            return s;
        }
    }
    return check(fdt_pack(fdt), diag, "packing it");
}

}  // namespace hyp::rm
