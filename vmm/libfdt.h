// libfdt, included through here so that its one warning under -Wshadow (the function
// fdt_property() shares its name with struct fdt_property) stays silent.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include <libfdt.h>
#pragma GCC diagnostic pop
