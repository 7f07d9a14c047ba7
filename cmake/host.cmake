# The host build: portable kernel logic under Catch2 with AddressSanitizer and UBSan.
find_package(Catch2 2 REQUIRED)
find_path(HYP_HOST_LIBFDT_INCLUDE libfdt.h REQUIRED)
find_library(HYP_HOST_LIBFDT NAMES libfdt.a fdt REQUIRED)

set(HYP_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

add_library(hyp_portable STATIC ${HYP_PORTABLE_SOURCES} ${HYP_HOST_SOURCES})
target_include_directories(hyp_portable PUBLIC "${CMAKE_SOURCE_DIR}" "${CMAKE_SOURCE_DIR}/arch/host/include"
  "${HYP_HOST_LIBFDT_INCLUDE}")
target_compile_options(hyp_portable PUBLIC ${HYP_SANITIZERS} -g -O1)
target_compile_definitions(hyp_portable PUBLIC HYP_HOST=1)
target_link_options(hyp_portable PUBLIC ${HYP_SANITIZERS})
target_link_libraries(hyp_portable PUBLIC hyp_warnings "${HYP_HOST_LIBFDT}")
# The resource manager's portable logic is tested in the same runner.
target_sources(hyp_portable PRIVATE ${RM_PORTABLE_SOURCES})
