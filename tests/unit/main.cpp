// The one Catch2 main for every host unit test (tests/unit/*.cpp are linked together).
// Catch's implementation uses std::regex, in which GCC 12 at -O1 with sanitizers sees
// a false "may be used uninitialized" inside libstdc++; -Werror would make that fatal.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
