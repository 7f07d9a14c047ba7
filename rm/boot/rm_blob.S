/*
 * rm.bin, the resource manager's flat image, embedded in the hypervisor image (one
 * artifact to boot or flash) as a gzip member: about half of rm.bin's size, which keeps
 * hyp.bin within its budget (cmake/target.cmake). The kernel unpacks [rm_image_start,
 * rm_image_end) into the start of the RM's RAM (kernel/boot/root_vm.cpp, gunzip.h), a
 * byte at a time, so it needs no alignment. RM_BIN_GZ_PATH is the built rm.bin.gz
 * (cmake/rm.cmake); the section is marked retained ("R") so --gc-sections keeps it
 * whether or not anything refers to it yet.
 */
    .section .rodata.rm_image, "aR"
    .global rm_image_start
    .type rm_image_start, %object
rm_image_start:
    .incbin RM_BIN_GZ_PATH
    .global rm_image_end
    .type rm_image_end, %object
rm_image_end:
    .size rm_image_start, rm_image_end - rm_image_start
