# cmake -DBIN=<file> -DMAX_SIZE=<bytes> -P check_bin_size.cmake: fails, saying by how
# much, when BIN is larger than MAX_SIZE bytes. Run by hyp_image() (cmake/target.cmake)
# as the last step of making hyp.bin. The file is removed, so that nothing boots or ships
# an image over budget by mistake and the next build makes it (and checks it) again.
file(SIZE "${BIN}" size)
if(size GREATER MAX_SIZE)
  math(EXPR over "${size} - ${MAX_SIZE}")
  file(REMOVE "${BIN}")
  message(FATAL_ERROR "${BIN} is ${size} bytes: ${over} over its budget of ${MAX_SIZE} bytes. "
    "size -A and nm -S --size-sort of the ELF show what grew; docs/building.md, "
    "\"Image size\", says what counts and what helps.")
endif()
