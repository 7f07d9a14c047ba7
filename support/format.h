// Type-safe formatted output for the kernel: `format_to(sink, "x={:#x} n={}", x, n)`.
// Arguments are captured by type (no varargs, no format/argument mismatch at run time
// beyond a visible "{?}"), written to a Sink, with no allocation.
//
// Placeholders: {} or {:spec}, spec = [<][#][0][width][d|x|b|c|s]
//   <  left-align in width      #  0x/0b prefix for x/b      0  pad with zeros
//   d decimal (default for integers)   x hex   b binary   c character   s string
// "{{" and "}}" print braces.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "support/addr.h"
#include "support/error.h"

namespace hyp::fmt {

// Where formatted text goes: the console, a buffer, a test's capture.
class Sink {
public:
    virtual void write(const char* text, std::size_t length) = 0;

protected:
    ~Sink() = default;
};

// A string with an explicit length (device-tree strings are not always terminated).
struct StrView {
    const char* data = nullptr;
    std::size_t length = 0;
};

// Anything that looks like a string view: .data and .length members.
template <typename T>
concept StringLike = requires(const T& t) {
    { t.data } -> std::convertible_to<const char*>;
    { t.length } -> std::convertible_to<std::size_t>;
};

// One captured argument.
class Arg {
public:
    enum class Kind : std::uint8_t { sint, uint, boolean, character, string, pointer };

    template <std::signed_integral T>
    constexpr Arg(T v) : kind_{Kind::sint}, s_{v} {}
    template <std::unsigned_integral T>
    constexpr Arg(T v) : kind_{Kind::uint}, u_{v} {}
    constexpr Arg(bool v) : kind_{Kind::boolean}, u_{v} {}
    constexpr Arg(char v) : kind_{Kind::character}, u_{static_cast<unsigned char>(v)} {}
    constexpr Arg(const char* v) : kind_{Kind::string}, str_{v, npos} {}
    constexpr Arg(StrView v) : kind_{Kind::string}, str_{v.data, v.length} {}
    template <StringLike T>
    constexpr Arg(const T& v) : kind_{Kind::string}, str_{v.data, v.length} {}
    Arg(const void* v) : kind_{Kind::pointer}, u_{reinterpret_cast<std::uintptr_t>(v)} {}
    Arg(void* v) : Arg(static_cast<const void*>(v)) {}
    template <typename Tag>
    constexpr Arg(Address<Tag> a) : kind_{Kind::pointer}, u_{a.raw()} {}
    Arg(Error e) : kind_{Kind::string}, str_{error_name(e), npos} {}
    template <typename E>
        requires std::is_enum_v<E> && (!std::is_same_v<E, Error>)
    constexpr Arg(E e) : Arg(static_cast<std::underlying_type_t<E>>(e)) {}

    [[nodiscard]] constexpr Kind kind() const { return kind_; }
    [[nodiscard]] constexpr std::int64_t sint() const { return s_; }
    [[nodiscard]] constexpr std::uint64_t uint() const { return u_; }
    [[nodiscard]] constexpr StrView str() const { return {str_.data, str_.length}; }

    static constexpr std::size_t npos = ~std::size_t{0};  // NUL-terminated string

private:
    Kind kind_;
    union {
        std::int64_t s_;
        std::uint64_t u_;
        struct {
            const char* data;
            std::size_t length;
        } str_;
    };
};

void vformat(Sink& sink, const char* format, const Arg* args, std::size_t count);

template <typename... Args>
void format_to(Sink& sink, const char* format, const Args&... args)
{
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, format, nullptr, 0);
    } else {
        const Arg captured[] = {Arg(args)...};
        vformat(sink, format, captured, sizeof...(Args));
    }
}

// A Sink into a fixed buffer; always NUL-terminated, truncates (and says so) when full.
class BufferSink final : public Sink {
public:
    BufferSink(char* buffer, std::size_t capacity);
    void write(const char* text, std::size_t length) override;

    [[nodiscard]] const char* c_str() const { return buffer_; }
    [[nodiscard]] std::size_t length() const { return length_; }
    [[nodiscard]] bool truncated() const { return truncated_; }

private:
    char* buffer_;
    std::size_t capacity_;
    std::size_t length_ = 0;
    bool truncated_ = false;
};

template <typename... Args>
std::size_t format_buffer(char* buffer, std::size_t capacity, const char* format, const Args&... args)
{
    BufferSink sink{buffer, capacity};
    format_to(sink, format, args...);
    return sink.length();
}

}  // namespace hyp::fmt
