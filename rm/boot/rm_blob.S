/*
 * rm.bin, the resource manager's flat image, embedded in the hypervisor image (one
 * artifact to boot or flash). The kernel copies [rm_image_start, rm_image_end) to the
 * start of the RM's RAM. RM_BIN_PATH is the built rm.bin (cmake/rm.cmake); the section
 * is marked retained ("R") so --gc-sections keeps it whether or not anything refers to
 * it yet.
 */
    .section .rodata.rm_image, "aR"
    .balign 4096
    .global rm_image_start
    .type rm_image_start, %object
rm_image_start:
    .incbin RM_BIN_PATH
    .global rm_image_end
    .type rm_image_end, %object
rm_image_end:
    .size rm_image_start, rm_image_end - rm_image_start
