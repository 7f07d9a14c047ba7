// Platform discovery, console: the UART /chosen/stdout-path names (directly or through
// /aliases, options after ':' ignored), else /chosen/linux,stdout-path, else the first
// enabled PL011. A Qualcomm GENI debug UART is recorded as `geni`; a console we have no
// driver for is still recorded, as `unsupported`, so the kernel can say which device it
// cannot drive.

#include <cstring>

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/interrupts.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

// The node a stdout-path value names, and the path it was found by; -1 when it names
// nothing. Aliases are resolved here rather than by libfdt, whose lookup recurses through
// aliases that name aliases (a loop in a hostile tree would exhaust the stack); a usable
// alias value is an absolute path.
int resolve_stdout_path(const void* fdt, const DtString& value, DtString& path)
{
    const void* colon = std::memchr(value.data, ':', value.length);
    std::size_t length = colon == nullptr ? value.length
                                          : static_cast<std::size_t>(static_cast<const char*>(colon) - value.data);
    if (length == 0) {
        return -1;
    }
    DtString target{value.data, length};
    if (value.data[0] != '/') {
        int aliases = fdt_path_offset(fdt, "/aliases");
        if (aliases < 0) {
            return -1;
        }
        int alias_length = 0;
        const void* alias = fdt_getprop_namelen(fdt, aliases, value.data, static_cast<int>(length), &alias_length);
        if (alias == nullptr || alias_length < 2) {
            return -1;
        }
        const char* text = static_cast<const char*>(alias);
        if (text[0] != '/' || text[alias_length - 1] != '\0') {
            return -1;
        }
        target = DtString{text, bounded_length(text, static_cast<std::size_t>(alias_length))};
    }
    int node = fdt_path_offset_namelen(fdt, target.data, static_cast<int>(target.length));
    if (node < 0) {
        return -1;
    }
    path = target;
    return node;
}

int first_enabled_pl011(const void* fdt)
{
    int node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
    for (; node >= 0; node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011")) {
        if (is_enabled(fdt, node)) {
            return node;
        }
    }
    return -1;
}

// The console node and the path to report for it; -1 when there is none.
Result<int> find_console(const void* fdt, DtString& path, Diagnostic& diag)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen >= 0) {
        static constexpr const char* properties[] = {"stdout-path", "linux,stdout-path"};
        for (const char* property : properties) {
            Result<DtString> value = read_string(fdt, chosen, property, diag);
            if (!value) {
                return fail(value.error());
            }
            if (!value->empty()) {
                int node = resolve_stdout_path(fdt, *value, path);
                if (node >= 0) {
                    return node;
                }
            }
        }
    }
    int node = first_enabled_pl011(fdt);
    if (node >= 0) {
        // Found by search, so no path is written in the blob: report the node's name.
        int length = 0;
        const char* name = fdt_get_name(fdt, node, &length);
        path = name != nullptr && length > 0 ? DtString{name, static_cast<std::size_t>(length)} : DtString{};
    }
    return node;
}

}  // namespace

Status discover_console(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag)
{
    DtString path;
    Result<int> found = find_console(fdt, path, diag);
    if (!found) {
        return fail(found.error());
    }
    int node = *found;
    if (node < 0) {
        return success();  // ConsoleKind::none
    }
    ConsoleInfo console;
    console.kind = is_compatible(fdt, node, "arm,pl011")              ? ConsoleKind::pl011
                   : is_compatible(fdt, node, "qcom,geni-debug-uart") ? ConsoleKind::geni
                                                                      : ConsoleKind::unsupported;
    console.path = path;
    Result<DtString> compatible = read_string(fdt, node, "compatible", diag);
    if (!compatible) {
        return fail(compatible.error());
    }
    console.compatible = *compatible;

    Result<Reg> reg = read_reg(fdt, node, diag);
    if (!reg) {
        return fail(reg.error());
    }
    if (reg->count > 0) {
        Result<PhysRange> regs = reg_range(fdt, node, *reg, 0, Translate::through_ranges, diag);
        if (!regs) {
            return fail(regs.error());
        }
        console.regs = *regs;
    }
    Result<Interrupts> interrupts = read_interrupts(fdt, node, gic_node, diag);
    if (!interrupts) {
        return fail(interrupts.error());
    }
    Result<std::uint32_t> intid = interrupt_intid(fdt, node, *interrupts, 0, diag);
    if (!intid) {
        return fail(intid.error());
    }
    console.intid = *intid;
    info.console = console;
    return success();
}

}  // namespace hyp::platform::dt
