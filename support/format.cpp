// The formatter behind fmt::format_to (see format.h for the placeholder syntax).
#include "support/format.h"

namespace hyp::fmt {
namespace {

struct Spec {
    bool left = false;
    bool alternate = false;
    bool zero_pad = false;
    std::size_t width = 0;
    char type = 0;  // 0: the argument's natural form
    bool valid = true;
};

std::size_t string_length(const char* s, std::size_t limit)
{
    std::size_t n = 0;
    while (n < limit && s[n] != '\0') {
        ++n;
    }
    return n;
}

void pad(Sink& sink, char fill, std::size_t count)
{
    char chunk[16];
    for (char& c : chunk) {
        c = fill;
    }
    while (count > 0) {
        std::size_t n = count < sizeof chunk ? count : sizeof chunk;
        sink.write(chunk, n);
        count -= n;
    }
}

// Writes `body` (with an optional sign/prefix) padded to spec.width.
void emit(Sink& sink, const Spec& spec, const char* prefix, const char* body, std::size_t length)
{
    std::size_t prefix_length = string_length(prefix, 3);
    std::size_t total = prefix_length + length;
    std::size_t padding = spec.width > total ? spec.width - total : 0;
    if (spec.left) {
        sink.write(prefix, prefix_length);
        sink.write(body, length);
        pad(sink, ' ', padding);
    } else if (spec.zero_pad) {
        sink.write(prefix, prefix_length);
        pad(sink, '0', padding);
        sink.write(body, length);
    } else {
        pad(sink, ' ', padding);
        sink.write(prefix, prefix_length);
        sink.write(body, length);
    }
}

void emit_unsigned(Sink& sink, const Spec& spec, std::uint64_t value, bool negative)
{
    unsigned base = 10;
    const char* prefix = negative ? "-" : "";
    if (spec.type == 'x' || spec.type == 'p') {
        base = 16;
        prefix = spec.alternate || spec.type == 'p' ? "0x" : "";
    } else if (spec.type == 'b') {
        base = 2;
        prefix = spec.alternate ? "0b" : "";
    }
    char digits[64];
    std::size_t n = 0;
    do {
        unsigned d = static_cast<unsigned>(value % base);
        digits[sizeof digits - 1 - n] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
        ++n;
    } while (value != 0);
    emit(sink, spec, prefix, digits + sizeof digits - n, n);
}

void emit_arg(Sink& sink, Spec spec, const Arg& arg)
{
    switch (arg.kind()) {
    case Arg::Kind::sint: {
        std::int64_t v = arg.sint();
        if (spec.type == 'x' || spec.type == 'b') {
            emit_unsigned(sink, spec, static_cast<std::uint64_t>(v), false);
        } else {
            std::uint64_t magnitude = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
            emit_unsigned(sink, spec, magnitude, v < 0);
        }
        return;
    }
    case Arg::Kind::uint:
        if (spec.type == 'c') {
            char c = static_cast<char>(arg.uint());
            emit(sink, spec, "", &c, 1);
        } else {
            emit_unsigned(sink, spec, arg.uint(), false);
        }
        return;
    case Arg::Kind::boolean:
        if (spec.type == 0 || spec.type == 's') {
            emit(sink, spec, "", arg.uint() ? "true" : "false", arg.uint() ? 4 : 5);
        } else {
            emit_unsigned(sink, spec, arg.uint(), false);
        }
        return;
    case Arg::Kind::character:
        if (spec.type == 0 || spec.type == 'c') {
            char c = static_cast<char>(arg.uint());
            emit(sink, spec, "", &c, 1);
        } else {
            emit_unsigned(sink, spec, arg.uint(), false);
        }
        return;
    case Arg::Kind::string: {
        StrView s = arg.str();
        if (s.data == nullptr) {
            emit(sink, spec, "", "(null)", 6);
        } else {
            emit(sink, spec, "", s.data, string_length(s.data, s.length));
        }
        return;
    }
    case Arg::Kind::pointer:
        if (spec.type == 0) {
            spec.type = 'p';
        }
        emit_unsigned(sink, spec, arg.uint(), false);
        return;
    }
}

// Parses the text between ':' and '}' of a placeholder.
Spec parse_spec(const char* begin, const char* end)
{
    Spec spec;
    const char* p = begin;
    if (p < end && *p == '<') {
        spec.left = true;
        ++p;
    }
    if (p < end && *p == '#') {
        spec.alternate = true;
        ++p;
    }
    if (p < end && *p == '0') {
        spec.zero_pad = true;
        ++p;
    }
    while (p < end && *p >= '0' && *p <= '9') {
        spec.width = spec.width * 10 + static_cast<std::size_t>(*p - '0');
        if (spec.width > 64) {
            spec.valid = false;
        }
        ++p;
    }
    if (p < end && (*p == 'd' || *p == 'x' || *p == 'b' || *p == 'c' || *p == 's')) {
        spec.type = *p == 'd' ? 0 : *p;
        ++p;
    }
    if (p != end) {
        spec.valid = false;
    }
    return spec;
}

}  // namespace

void vformat(Sink& sink, const char* format, const Arg* args, std::size_t count)
{
    std::size_t next = 0;
    const char* literal = format;
    const char* p = format;
    while (*p != '\0') {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            sink.write(literal, static_cast<std::size_t>(p - literal) + 1);
            p += 2;
            literal = p;
            continue;
        }
        if (*p != '{') {
            ++p;
            continue;
        }
        sink.write(literal, static_cast<std::size_t>(p - literal));
        const char* close = p + 1;
        while (*close != '\0' && *close != '}') {
            ++close;
        }
        if (*close == '\0') {  // unterminated placeholder: print it as text
            literal = p;
            break;
        }
        Spec spec;
        if (p[1] == ':') {
            spec = parse_spec(p + 2, close);
        } else if (close != p + 1) {
            spec.valid = false;
        }
        if (!spec.valid || next >= count) {
            sink.write("{?}", 3);  // visible, never a crash
        } else {
            emit_arg(sink, spec, args[next]);
        }
        ++next;
        p = close + 1;
        literal = p;
    }
    sink.write(literal, string_length(literal, Arg::npos));
}

BufferSink::BufferSink(char* buffer, std::size_t capacity) : buffer_{buffer}, capacity_{capacity}
{
    if (capacity_ > 0) {
        buffer_[0] = '\0';
    }
}

void BufferSink::write(const char* text, std::size_t length)
{
    if (capacity_ == 0) {
        truncated_ = truncated_ || length > 0;
        return;
    }
    std::size_t room = capacity_ - 1 - length_;
    std::size_t n = length < room ? length : room;
    for (std::size_t i = 0; i < n; ++i) {
        buffer_[length_ + i] = text[i];
    }
    length_ += n;
    buffer_[length_] = '\0';
    truncated_ = truncated_ || n < length;
}

}  // namespace hyp::fmt
