// vmm: boots a Linux kernel as a Gunyah secondary VM through /dev/gunyah (docs/vmm.md).
// The options are checked here; vm.cpp does the rest.
#include <cstdio>

#include "vmm/exit_codes.h"
#include "vmm/options.h"
#include "vmm/vm.h"

int main(int argc, char** argv)
{
    const vmm::ParsedOptions parsed = vmm::parse_options(argc, argv);
    switch (parsed.action) {
    case vmm::ParsedOptions::Action::help:
        std::fputs(vmm::usage_text().c_str(), stdout);
        return vmm::exit_help;
    case vmm::ParsedOptions::Action::usage_error:
        std::fprintf(stderr, "vmm: %s\nTry 'vmm --help' for more information.\n", parsed.error.c_str());
        return vmm::exit_usage;
    case vmm::ParsedOptions::Action::run:
        break;
    }
    return vmm::run_vm(parsed.options);
}
