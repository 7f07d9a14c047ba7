// The resource manager's options (see options.h).
#include "rm/boot/options.h"

#include "support/cmdline.h"

namespace hyp::rm {
namespace {

constexpr std::uint64_t page_size = 4096;

// Decimal or 0x hex digits, the whole of `text`.
Result<std::uint64_t> parse_number(fmt::StrView text)
{
    std::uint64_t base = 10;
    std::size_t i = 0;
    if (text.length > 2 && text.data[0] == '0' && (text.data[1] == 'x' || text.data[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == text.length) {
        return fail(Error::arg_inval);
    }
    std::uint64_t value = 0;
    for (; i < text.length; ++i) {
        const char c = text.data[i];
        std::uint64_t digit;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint64_t>(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = static_cast<std::uint64_t>(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            digit = static_cast<std::uint64_t>(c - 'A' + 10);
        } else {
            return fail(Error::arg_inval);
        }
        if (value > (~std::uint64_t{0} - digit) / base) {
            return fail(Error::addr_ovfl);
        }
        value = value * base + digit;
    }
    return value;
}

bool has_rm_prefix(fmt::StrView name)
{
    return name.length >= 3 && name.data[0] == 'r' && name.data[1] == 'm' && name.data[2] == '.';
}

// The word as written: the name and, when there is one, "=value".
fmt::StrView word_of(const cmdline::Option& option)
{
    if (option.value.data == nullptr) {
        return option.name;
    }
    return {option.name.data, static_cast<std::size_t>(option.value.data + option.value.length - option.name.data)};
}

}  // namespace

Result<std::uint64_t> parse_size(fmt::StrView text)
{
    if (text.length == 0) {
        return fail(Error::arg_inval);
    }
    unsigned shift = 0;
    switch (text.data[text.length - 1]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    default: break;
    }
    // K, M and G are not hex digits, so a suffix after hex digits is never ambiguous:
    // 0x1b is 27, 0x1G is 1 GiB.
    fmt::StrView digits = text;
    if (shift != 0) {
        digits.length -= 1;
    }
    Result<std::uint64_t> number = parse_number(digits);
    if (!number) {
        return fail(number.error());
    }
    if (*number > (~std::uint64_t{0} >> shift)) {
        return fail(Error::addr_ovfl);
    }
    return *number << shift;
}

Status parse_rm_options(const char* text, std::size_t capacity, RmOptions& options, UnknownOptions& unknown,
                        Diagnostic& diag)
{
    std::size_t length = 0;
    while (length < capacity && text[length] != '\0') {
        ++length;
    }
    Status status = success();
    cmdline::for_each(fmt::StrView{text, length}, [&](const cmdline::Option& option) {
        if (!status || !has_rm_prefix(option.name)) {
            return;
        }
        const fmt::StrView word = word_of(option);
        if (cmdline::equals(option.name, "rm.mem")) {
            Result<std::uint64_t> size = parse_size(option.value);
            if (!size) {
                status = refuse(diag, Error::arg_inval,
                                "bad option {}: rm.mem takes a size in bytes, or with a K, M or G suffix", word);
            } else if (*size == 0 || *size % page_size != 0) {
                status = refuse(diag, Error::arg_inval, "bad option {}: rm.mem must be a non-zero multiple of 4K",
                                word);
            } else {
                options.primary_ram_size = *size;
            }
        } else if (cmdline::equals(option.name, "rm.vcpus")) {
            Result<std::uint64_t> count = parse_number(option.value);
            if (!count || *count == 0 || *count > max_primary_vcpus) {
                status = refuse(diag, Error::arg_inval, "bad option {}: rm.vcpus takes a number from 1 to {}", word,
                                max_primary_vcpus);
            } else {
                options.vcpus = static_cast<std::uint32_t>(*count);
            }
        } else if (unknown.count < UnknownOptions::capacity) {
            unknown.words[unknown.count++] = word;
        } else {
            ++unknown.more;
        }
    });
    return status;
}

}  // namespace hyp::rm
