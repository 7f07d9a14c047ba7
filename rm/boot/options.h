// The resource manager's options: the hypervisor command-line words starting with "rm."
// that boot info carries (rm_boot_info.options, e.g. "rm.mem=256M rm.vcpus=8").
//   rm.mem=SIZE    the primary VM's RAM: bytes, or with a K, M or G suffix (decimal or
//                  0x hex digits); a whole number of 4 KiB pages. Default 512 MiB.
//   rm.vcpus=N     the primary VM's vCPUs, 1..64. Default: one per physical CPU. More
//                  vCPUs than CPUs share them (vCPU i runs on CPU i % cpu_count).
// Unknown rm. options are collected for the RM to report and are otherwise ignored; a
// bad value for a known one is an error. A later word overrides an earlier one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/format.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

inline constexpr std::uint32_t max_primary_vcpus = 64;

struct RmOptions {
    std::uint64_t primary_ram_size = std::uint64_t{512} << 20;
    std::uint32_t vcpus = 0;  // 0: one per physical CPU
};

// The unknown options' words (name=value as written), for the RM to report.
struct UnknownOptions {
    static constexpr std::size_t capacity = 8;
    fmt::StrView words[capacity];
    std::size_t count = 0;  // entries in words
    std::size_t more = 0;   // unknown words beyond capacity
};

// A size as rm.mem takes it: decimal or 0x-prefixed hex digits, then nothing or one of
// K, M, G (either case, powers of 1024). Refuses empty text, other characters, overflow.
[[nodiscard]] Result<std::uint64_t> parse_size(fmt::StrView text);

// Reads `text` (at most `capacity` bytes, NUL-terminated within them or not at all) into
// `options`, which keeps its defaults for options not given. Words not starting with
// "rm." are ignored (they are not the RM's). Refuses the first bad value with a line
// naming the option and why.
[[nodiscard]] Status parse_rm_options(const char* text, std::size_t capacity, RmOptions& options,
                                      UnknownOptions& unknown, Diagnostic& diag);

// The number of vCPUs the primary VM gets: rm.vcpus, or one per physical CPU (capped at
// max_primary_vcpus).
[[nodiscard]] constexpr std::uint32_t primary_vcpu_count(const RmOptions& options, std::uint32_t cpu_count)
{
    if (options.vcpus != 0) {
        return options.vcpus;
    }
    return cpu_count < max_primary_vcpus ? cpu_count : max_primary_vcpus;
}

}  // namespace hyp::rm
