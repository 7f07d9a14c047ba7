// Loading the kernel and the initrd (see loader.h).
#include "vmm/loader.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmm {
namespace {

// An fd closed on every path out.
class File {
public:
    explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~File()
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

bool fail(std::string& error, const std::string& path, const char* what)
{
    error = "'" + path + "': " + what + ": " + std::strerror(errno);
    return false;
}

bool file_size(const std::string& path, std::uint64_t& size, std::string& error)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return fail(error, path, "stat");
    }
    size = static_cast<std::uint64_t>(st.st_size);
    return true;
}

// Reads exactly `size` bytes into dest; a file that is shorter or longer now than when
// it was measured is refused rather than half loaded.
bool read_exactly(const std::string& path, std::uint8_t* dest, std::uint64_t size, std::string& error)
{
    File file(path);
    if (file.fd() < 0) {
        return fail(error, path, "open");
    }
    std::uint64_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(file.fd(), dest + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail(error, path, "read");
        }
        if (n == 0) {
            error = "'" + path + "' shrank while it was being loaded";
            return false;
        }
        done += static_cast<std::uint64_t>(n);
    }
    std::uint8_t extra = 0;
    if (::read(file.fd(), &extra, 1) > 0) {
        error = "'" + path + "' grew while it was being loaded";
        return false;
    }
    return true;
}

}  // namespace

bool plan_images(const std::string& kernel, const std::string& initrd, std::uint64_t ram_size, Layout& layout,
                 KernelImage& image, std::string& error)
{
    std::uint64_t kernel_size = 0;
    if (!file_size(kernel, kernel_size, error)) {
        return false;
    }
    std::uint8_t head[image_header::length] = {};
    std::size_t head_length = 0;
    {
        File file(kernel);
        if (file.fd() < 0) {
            return fail(error, kernel, "open");
        }
        const ssize_t n = ::pread(file.fd(), head, sizeof head, 0);
        if (n < 0) {
            return fail(error, kernel, "read");
        }
        head_length = static_cast<std::size_t>(n);
    }
    std::string why;
    if (!inspect_kernel(head, head_length, kernel_size, image, why)) {
        error = "'" + kernel + "': " + why;
        return false;
    }
    std::uint64_t initrd_size = 0;
    if (!initrd.empty() && !file_size(initrd, initrd_size, error)) {
        return false;
    }
    return plan_layout(ram_size, image, kernel_size, !initrd.empty(), initrd_size, layout, error);
}

bool load_images(const std::string& kernel, const std::string& initrd, const Layout& layout, std::uint8_t* ram,
                 std::string& error)
{
    if (!read_exactly(kernel, ram, layout.kernel_size, error)) {
        return false;
    }
    return !layout.has_initrd || read_exactly(initrd, ram + layout.initrd_offset, layout.initrd_size, error);
}

}  // namespace vmm
