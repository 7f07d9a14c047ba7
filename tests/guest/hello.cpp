// The smallest guest: one line and power off. The Image that README's
//   scripts/run -device guest-loader,addr=0x50000000,kernel=build/qemu-virt/tests/guest/guest-hello.Image
// example boots as the primary VM.
#include "runtime.h"

GUEST_NAME("hello");

void guest::run(u64 dt_ipa)
{
    say("hello from vCPU %u at EL%lu: image at %#lx..%#lx, device tree at %#lx", this_vcpu(), current_el(),
        image_base(), image_end(), dt_ipa);
}
