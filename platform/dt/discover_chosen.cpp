// Platform discovery, /chosen: the hypervisor's own command line and the boot modules a
// loader placed in memory. QEMU's guest-loader writes them as Xen expects them:
// /chosen/module@<addr> { compatible = "multiboot,module", "multiboot,kernel"; reg; bootargs; }.

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

bool is_module_node(const void* fdt, int node)
{
    int length = 0;
    const char* name = fdt_get_name(fdt, node, &length);
    static constexpr char prefix[] = "module";
    constexpr std::size_t prefix_length = sizeof prefix - 1;
    if (name != nullptr && length >= static_cast<int>(prefix_length) &&
        name_is(name, prefix_length, prefix) &&
        (length == static_cast<int>(prefix_length) || name[prefix_length] == '@')) {
        return true;
    }
    return is_compatible(fdt, node, "multiboot,module");
}

Status record_module(const void* fdt, int node, PlatformInfo& info, Diagnostic& diag)
{
    if (info.module_count >= max_boot_modules) {
        return report(diag, Error::nomem, "{}: more than {} boot modules", node_path(fdt, node).c_str(),
                      max_boot_modules);
    }
    Result<Reg> reg = read_reg(fdt, node, diag);
    if (!reg) {
        return fail(reg.error());
    }
    if (reg->count < 1) {
        return report(diag, Error::arg_inval, "{}: boot module has no reg", node_path(fdt, node).c_str());
    }
    // The loader wrote a physical address; /chosen is no bus to translate through.
    Result<PhysRange> range = reg_range(fdt, node, *reg, 0, Translate::none, diag);
    if (!range) {
        return fail(range.error());
    }
    Result<DtString> bootargs = read_string(fdt, node, "bootargs", diag);
    if (!bootargs) {
        return fail(bootargs.error());
    }
    ModuleKind kind = ModuleKind::other;
    if (is_compatible(fdt, node, "multiboot,kernel")) {
        kind = ModuleKind::kernel;
    } else if (is_compatible(fdt, node, "multiboot,ramdisk")) {
        kind = ModuleKind::ramdisk;
    }
    info.modules[info.module_count++] = BootModule{kind, *range, *bootargs};
    return success();
}

}  // namespace

Status discover_chosen(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0) {
        return success();  // no command line, no modules
    }
    Result<DtString> bootargs = read_string(fdt, chosen, "bootargs", diag);
    if (!bootargs) {
        return fail(bootargs.error());
    }
    info.bootargs = *bootargs;

    int node = fdt_first_subnode(fdt, chosen);
    for (; node >= 0; node = fdt_next_subnode(fdt, node)) {
        if (!is_module_node(fdt, node)) {
            continue;
        }
        Status status = record_module(fdt, node, info, diag);
        if (!status) {
            return status;
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {
        return report(diag, Error::arg_inval, "/chosen: {}", fdt_strerror(node));
    }
    return success();
}

}  // namespace hyp::platform::dt
