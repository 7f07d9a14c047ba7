// Printable names for the enumerations in platform_info.h (see names.h).
#include "platform/dt/names.h"

namespace hyp::platform {

const char* gic_version_name(GicVersion version)
{
    switch (version) {
    case GicVersion::none: return "none";
    case GicVersion::v2: return "GICv2";
    case GicVersion::v3: return "GICv3";
    case GicVersion::v4: return "GICv4";
    case GicVersion::unknown: return "unknown";
    }
    return "invalid";
}

const char* console_kind_name(ConsoleKind kind)
{
    switch (kind) {
    case ConsoleKind::none: return "none";
    case ConsoleKind::pl011: return "pl011";
    case ConsoleKind::geni: return "geni";
    case ConsoleKind::unsupported: return "unsupported";
    }
    return "invalid";
}

const char* psci_method_name(PsciMethod method)
{
    switch (method) {
    case PsciMethod::none: return "none";
    case PsciMethod::smc: return "smc";
    case PsciMethod::hvc: return "hvc";
    }
    return "invalid";
}

const char* module_kind_name(ModuleKind kind)
{
    switch (kind) {
    case ModuleKind::kernel: return "kernel";
    case ModuleKind::ramdisk: return "ramdisk";
    case ModuleKind::other: return "other";
    }
    return "invalid";
}

}  // namespace hyp::platform
