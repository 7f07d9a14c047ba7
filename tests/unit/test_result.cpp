// Result<T> and Status: success carries a value, failure carries a Gunyah error, and
// nothing reads a failure as success.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "support/result.h"

using hyp::Error;
using hyp::Result;
using hyp::Status;

namespace {

// Counts live instances, to show a failed Result never builds a T and a good one
// destroys exactly what it built.
struct Counted {
    static inline int live = 0;
    int v;
    explicit Counted(int value) : v{value} { ++live; }
    Counted(const Counted& o) : v{o.v} { ++live; }
    Counted(Counted&& o) noexcept : v{o.v} { ++live; }
    ~Counted() { --live; }
};

Result<int> halve(int x)
{
    if (x % 2 != 0) {
        return hyp::fail(Error::arg_inval);
    }
    return x / 2;
}

Status check_even(int x)
{
    if (x % 2 != 0) {
        return hyp::fail(Error::arg_align);
    }
    return hyp::success();
}

static_assert(Result<int>{7}.value() == 7, "Result is usable in constant expressions");
static_assert(!Result<int>{hyp::fail(Error::nomem)}.ok());

}  // namespace

TEST_CASE("a successful Result is ok and holds its value", "[result]")
{
    Result<int> r = halve(10);
    REQUIRE(r.ok());
    REQUIRE(static_cast<bool>(r));
    REQUIRE(r.error() == Error::ok);
    REQUIRE(r.value() == 5);
    REQUIRE(*r == 5);
}

TEST_CASE("a failed Result never reports ok", "[result]")
{
    Result<int> r = halve(3);
    REQUIRE_FALSE(r.ok());
    REQUIRE_FALSE(static_cast<bool>(r));
    REQUIRE(r.error() == Error::arg_inval);

    // Even a "failure" that names ok must not read as success.
    Result<int> bogus = hyp::fail(Error::ok);
    REQUIRE_FALSE(bogus.ok());
    REQUIRE(bogus.error() == Error::arg_inval);
    Status bogus_status = hyp::fail(Error::ok);
    REQUIRE_FALSE(bogus_status.ok());
    REQUIRE(bogus_status.error() == Error::arg_inval);
}

TEST_CASE("value_or returns the fallback only on failure", "[result]")
{
    REQUIRE(halve(8).value_or(-1) == 4);
    REQUIRE(halve(9).value_or(-1) == -1);
}

TEST_CASE("a Status is ok after success() and carries the error after fail()", "[result]")
{
    Status good = check_even(2);
    REQUIRE(good.ok());
    REQUIRE(good.error() == Error::ok);

    Status bad = check_even(1);
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error() == Error::arg_align);
}

TEST_CASE("a failed Result never constructs its value type", "[result]")
{
    REQUIRE(Counted::live == 0);
    {
        Result<Counted> r = hyp::fail(Error::nomem);
        Result<Counted> copy = r;
        Result<Counted> moved = std::move(r);
        REQUIRE(Counted::live == 0);
        REQUIRE(copy.error() == Error::nomem);
        REQUIRE(moved.error() == Error::nomem);
    }
    REQUIRE(Counted::live == 0);
}

TEST_CASE("copying and moving a Result keeps the value and destroys every copy", "[result]")
{
    REQUIRE(Counted::live == 0);
    {
        Result<Counted> r{Counted{42}};
        REQUIRE(Counted::live == 1);
        Result<Counted> copy = r;
        Result<Counted> moved = std::move(r);
        REQUIRE(Counted::live == 3);
        REQUIRE(copy->v == 42);
        REQUIRE(moved.value().v == 42);
    }
    REQUIRE(Counted::live == 0);
}

TEST_CASE("error_name names ABI errors and calls anything else unknown", "[result]")
{
    REQUIRE(std::string{hyp::error_name(Error::ok)} == "ok");
    REQUIRE(std::string{hyp::error_name(Error::arg_inval)} == "arg_inval");
    REQUIRE(std::string{hyp::error_name(Error::retry)} == "retry");
    REQUIRE(std::string{hyp::error_name(Error::msgqueue_full)} == "msgqueue_full");
    REQUIRE(std::string{hyp::error_name(static_cast<Error>(12345))} == "unknown");
}

TEST_CASE("Error values are the numbers of the Gunyah ABI", "[result]")
{
    REQUIRE(static_cast<std::int64_t>(Error::ok) == GUNYAH_ERROR_OK);
    REQUIRE(static_cast<std::int64_t>(Error::unimplemented) == -1);
    REQUIRE(static_cast<std::int64_t>(Error::nomem) == GUNYAH_ERROR_NOMEM);
    REQUIRE(static_cast<std::int64_t>(Error::cspace_full) == GUNYAH_ERROR_CSPACE_FULL);
}
