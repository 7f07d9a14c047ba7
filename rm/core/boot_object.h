// A global object that the program constructs once, at boot, in storage that holds only
// zero bytes until then, and so lies in .bss.
//
// Why not a constinit global: its constant initialiser is the whole object, byte for
// byte, and when any of those bytes is not zero (a vtable pointer; members that default
// to cap_invalid, a slot number or a free count) the compiler puts all of it in .data,
// zero-filled buffers included. For the RM that meant 700 KB of rm.bin, and rm.bin is in
// hyp.bin. rm_main() constructs each of these before anything uses it; nothing runs
// global constructors (the linker script refuses them) and nothing destroys these.
#pragma once

#include <new>

namespace hyp::rm {

template <typename T>
class BootObject {
public:
    constexpr BootObject() = default;
    BootObject(const BootObject&) = delete;
    BootObject& operator=(const BootObject&) = delete;

    // Once, before the first use.
    template <typename... Args>
    T& construct(Args&&... args)
    {
        return *::new (static_cast<void*>(storage_)) T(static_cast<Args&&>(args)...);
    }

    T& operator*() { return *get(); }
    T* operator->() { return get(); }

private:
    T* get() { return std::launder(reinterpret_cast<T*>(storage_)); }

    alignas(T) unsigned char storage_[sizeof(T)] = {};
};

}  // namespace hyp::rm
