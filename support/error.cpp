// Names of the Gunyah error codes, for log messages.
#include "support/error.h"

namespace hyp {

const char* error_name(Error e)
{
    switch (e) {
#define HYP_ERROR_NAME(name, NAME) \
    case Error::name: return #name;
        GUNYAH_ERRORS(HYP_ERROR_NAME)
#undef HYP_ERROR_NAME
    }
    return "unknown";
}

}  // namespace hyp
