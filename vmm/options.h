// The VMM's command line: parsed and checked before anything is created, so that a bad
// option costs nothing and says exactly what is wrong (exit status 64, EX_USAGE).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/units.h"

namespace vmm {

inline constexpr unsigned min_cpus = 1;
// The RM accepts up to 8 vCPUs for a secondary VM (docs/rm-secondary-vms.md).
inline constexpr unsigned max_cpus = 8;
inline constexpr unsigned default_cpus = 1;

// Guest RAM is handed to the RM in 2 MiB pieces (transparent huge pages), so sizes are
// whole pieces; 16 MiB is the least a Linux kernel plus initramfs boots in; 2 GiB fills
// the IPA space from 0x80000000 to 4 GiB.
inline constexpr std::uint64_t mem_granule = 2 * mib;
inline constexpr std::uint64_t min_mem = 16 * mib;
inline constexpr std::uint64_t max_mem = 2 * gib;
inline constexpr std::uint64_t default_mem = 128 * mib;

inline constexpr const char* default_cmdline = "console=ttyAMA0 earlycon=pl011,mmio32,0x09100000 panic=-1";
inline constexpr const char* default_gic_from = "/proc/device-tree";

struct Options {
    std::string kernel;
    std::string initrd;  // empty: none
    std::string cmdline = default_cmdline;
    unsigned cpus = default_cpus;
    std::uint64_t mem = default_mem;
    std::string dtb_out;  // empty: do not write the DT out
    std::string gic_from = default_gic_from;
    bool gic_from_given = false;  // an explicit --gic-from must exist; the default may not
};

struct ParsedOptions {
    enum class Action { run, help, usage_error };
    Action action = Action::usage_error;
    Options options;
    std::string error;  // for usage_error: one line naming the option, no "vmm: " prefix
};

// argv[0] is the program's name and is skipped. Options take their value as the next
// word or after '=' (--mem=256M). Files named by --kernel and --initrd must be readable
// regular files, --gic-from a directory.
[[nodiscard]] ParsedOptions parse_options(int argc, const char* const* argv);

// A size: decimal or 0x-hex, with an optional K, M or G suffix (either case), in bytes.
// False for anything else, including a value that does not fit in 64 bits.
[[nodiscard]] bool parse_size(const std::string& text, std::uint64_t& out);

// The --help text.
[[nodiscard]] std::string usage_text();

}  // namespace vmm
