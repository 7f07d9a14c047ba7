// Result<T>: a value or a Gunyah Error, never both. The kernel has no exceptions,
// so every fallible function returns one of these and [[nodiscard]] makes sure the
// caller looks at it.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "support/error.h"

namespace hyp {

// Tag so that `return fail(Error::nomem);` reads as what it is.
struct Failure {
    Error error;
};
[[nodiscard]] constexpr Failure fail(Error e) { return Failure{e}; }

template <typename T>
class [[nodiscard]] Result {
public:
    static_assert(!std::is_reference_v<T>, "Result holds values; use a pointer for references");

    constexpr Result(const T& value) : error_{Error::ok}, value_{value} {}
    constexpr Result(T&& value) : error_{Error::ok}, value_{std::move(value)} {}
    constexpr Result(Failure f) : error_{f.error}, empty_{}
    {
        if (error_ == Error::ok) {
            error_ = Error::arg_inval;  // a failure must never read as success
        }
    }

    constexpr Result(const Result& other) : error_{other.error_}, empty_{}
    {
        if (other.ok()) {
            new (&value_) T(other.value_);
        }
    }
    constexpr Result(Result&& other) : error_{other.error_}, empty_{}
    {
        if (other.ok()) {
            new (&value_) T(std::move(other.value_));
        }
    }
    Result& operator=(const Result&) = delete;
    Result& operator=(Result&&) = delete;

    constexpr ~Result()
    {
        if (ok()) {
            value_.~T();
        }
    }

    [[nodiscard]] constexpr bool ok() const { return error_ == Error::ok; }
    [[nodiscard]] constexpr explicit operator bool() const { return ok(); }
    [[nodiscard]] constexpr Error error() const { return error_; }

    // Only valid when ok(); callers check first.
    [[nodiscard]] constexpr T& value() & { return value_; }
    [[nodiscard]] constexpr const T& value() const& { return value_; }
    [[nodiscard]] constexpr T&& value() && { return std::move(value_); }
    [[nodiscard]] constexpr T value_or(T fallback) const { return ok() ? value_ : fallback; }

    constexpr T* operator->() { return &value_; }
    constexpr const T* operator->() const { return &value_; }
    constexpr T& operator*() & { return value_; }
    constexpr const T& operator*() const& { return value_; }

private:
    struct Empty {};
    Error error_;
    union {
        Empty empty_;
        T value_;
    };
};

// A fallible operation with nothing to return.
template <>
class [[nodiscard]] Result<void> {
public:
    constexpr Result() : error_{Error::ok} {}
    constexpr Result(Failure f) : error_{f.error == Error::ok ? Error::arg_inval : f.error} {}

    [[nodiscard]] constexpr bool ok() const { return error_ == Error::ok; }
    [[nodiscard]] constexpr explicit operator bool() const { return ok(); }
    [[nodiscard]] constexpr Error error() const { return error_; }

private:
    Error error_;
};

using Status = Result<void>;

[[nodiscard]] constexpr Status success() { return Status{}; }

}  // namespace hyp
