// The VMM's command line (see options.h).
#include "vmm/options.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace vmm {
namespace {

// What is wrong with a file an option names, or empty when it can be read.
std::string unreadable_file(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::strerror(errno);
    }
    struct stat st {};
    std::string why;
    if (::fstat(fd, &st) != 0) {
        why = std::strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    }
    ::close(fd);
    return why;
}

bool is_directory(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool parse_unsigned(std::string_view text, unsigned base, std::uint64_t& out)
{
    if (text.empty()) {
        return false;
    }
    std::uint64_t value = 0;
    for (char c : text) {
        unsigned digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<unsigned>(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = static_cast<unsigned>(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            digit = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return false;
        }
        if (value > (UINT64_MAX - digit) / base) {
            return false;
        }
        value = value * base + digit;
    }
    out = value;
    return true;
}

std::string mib_text(std::uint64_t bytes) { return std::to_string(bytes / mib) + " MiB"; }

struct Parser {
    ParsedOptions result;

    bool refuse(const std::string& message)
    {
        result.action = ParsedOptions::Action::usage_error;
        result.error = message;
        return false;
    }

    bool cpus(const std::string& value)
    {
        std::uint64_t n = 0;
        if (!parse_unsigned(value, 10, n)) {
            return refuse("--cpus: '" + value + "' is not a number");
        }
        if (n < min_cpus || n > max_cpus) {
            return refuse("--cpus: " + value + " is out of range (" + std::to_string(min_cpus) + " to " +
                          std::to_string(max_cpus) + ")");
        }
        result.options.cpus = static_cast<unsigned>(n);
        return true;
    }

    bool mem(const std::string& value)
    {
        std::uint64_t bytes = 0;
        if (!parse_size(value, bytes)) {
            return refuse("--mem: '" + value + "' is not a size (a number with an optional K, M or G suffix)");
        }
        if (bytes % mem_granule != 0) {
            return refuse("--mem: " + value + " is not a multiple of 2 MiB");
        }
        if (bytes < min_mem || bytes > max_mem) {
            return refuse("--mem: " + value + " is out of range (" + mib_text(min_mem) + " to " + mib_text(max_mem) +
                          ")");
        }
        result.options.mem = bytes;
        return true;
    }

    bool readable(const char* option, const std::string& value, std::string& into)
    {
        if (std::string why = unreadable_file(value); !why.empty()) {
            return refuse(std::string{option} + ": cannot read '" + value + "': " + why);
        }
        into = value;
        return true;
    }

    // One option and its value (already split off '=' or taken from the next word).
    bool take(std::string_view name, const std::string& value)
    {
        Options& o = result.options;
        if (name == "--kernel") return readable("--kernel", value, o.kernel);
        if (name == "--initrd") return readable("--initrd", value, o.initrd);
        if (name == "--cmdline") {
            o.cmdline = value;
            return true;
        }
        if (name == "--cpus") return cpus(value);
        if (name == "--mem") return mem(value);
        if (name == "--dtb-out") {
            if (value.empty()) {
                return refuse("--dtb-out: the file name is empty");
            }
            o.dtb_out = value;
            return true;
        }
        if (name == "--gic-from") {
            // Checked here only when given; the default is looked at later and its
            // absence is a warning (a primary VM without /proc/device-tree, e.g. ACPI).
            if (!is_directory(value)) {
                return refuse("--gic-from: '" + value + "' is not a directory");
            }
            o.gic_from = value;
            o.gic_from_given = true;
            return true;
        }
        return refuse("unknown option '" + std::string{name} + "'");  // takes_value() and take() disagree
    }
};

constexpr std::string_view options_with_values[] = {"--kernel", "--initrd", "--cmdline", "--cpus",
                                                    "--mem",    "--dtb-out", "--gic-from"};

bool takes_value(std::string_view name)
{
    for (std::string_view known : options_with_values) {
        if (name == known) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool parse_size(const std::string& text, std::uint64_t& out)
{
    std::string_view digits = text;
    std::uint64_t unit = 1;
    if (!digits.empty()) {
        switch (digits.back()) {
        case 'k': case 'K': unit = kib; break;
        case 'm': case 'M': unit = mib; break;
        case 'g': case 'G': unit = gib; break;
        default: break;
        }
        if (unit != 1) {
            digits.remove_suffix(1);
        }
    }
    unsigned base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    if (!parse_unsigned(digits, base, value) || value > UINT64_MAX / unit) {
        return false;
    }
    out = value * unit;
    return true;
}

ParsedOptions parse_options(int argc, const char* const* argv)
{
    Parser p;
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        if (word == "--help" || word == "-h") {
            p.result.action = ParsedOptions::Action::help;
            return p.result;
        }
        const std::size_t eq = word.find('=');
        const std::string_view name = word.substr(0, eq);
        if (!takes_value(name)) {
            p.refuse(word.starts_with("-") ? "unknown option '" + std::string{name} + "'"
                                           : "unexpected argument '" + std::string{word} + "'");
            return p.result;
        }
        std::string value;
        if (eq != std::string_view::npos) {
            value = std::string{word.substr(eq + 1)};
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            p.refuse(std::string{name} + ": missing value");
            return p.result;
        }
        if (!p.take(name, value)) {
            return p.result;
        }
    }
    if (p.result.options.kernel.empty()) {
        p.refuse("--kernel is required");
        return p.result;
    }
    p.result.action = ParsedOptions::Action::run;
    return p.result;
}

std::string usage_text()
{
    return "usage: vmm --kernel Image [--initrd FILE] [--cmdline TEXT] [--cpus N] [--mem SIZE]\n"
           "           [--dtb-out FILE] [--gic-from DIR] [--help]\n"
           "Boots a Linux kernel (or a flat binary) as a Gunyah secondary VM through /dev/gunyah,\n"
           "its console (a PL011) on this terminal.\n"
           "  --kernel Image   the kernel: an arm64 Image (text_offset 0) or a flat binary,\n"
           "                   loaded at the start of guest RAM (0x80000000)\n"
           "  --initrd FILE    an initramfs, at the first 2 MiB boundary after the kernel\n"
           "  --cmdline TEXT   the kernel command line (default: \"" + std::string{default_cmdline} + "\")\n"
           "  --cpus N         vCPUs, 1 to 8 (default 1)\n"
           "  --mem SIZE       guest RAM, K/M/G suffix, a multiple of 2 MiB, 16M to 2G (default 128M)\n"
           "  --dtb-out FILE   also write the generated device tree to FILE\n"
           "  --gic-from DIR   the device tree (as a directory) to find the GIC in\n"
           "                   (default /proc/device-tree)\n"
           "Exit status: 0 powered off, 1 setup failure, 2 the VM reset itself, 3 stopped,\n"
           "4 crashed, 5 the VM could not be loaded, 64 bad usage.\n";
}

}  // namespace vmm
