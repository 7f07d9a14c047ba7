// Reading the primary VM's GIC from its device tree (see primary_gic.h).
#include "vmm/primary_gic.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <vector>

namespace vmm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view gic_v3_compatible = "arm,gic-v3";
// Deeper than any real tree; a bound for a malformed or looping one.
constexpr int max_depth = 16;
// The DT spec's defaults when a parent does not say.
constexpr std::uint32_t default_address_cells = 2;
constexpr std::uint32_t default_size_cells = 1;

bool read_property(const fs::path& file, std::vector<std::uint8_t>& out)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

// compatible is a list of NUL-terminated strings; "arm,gic-v3-its" must not match.
bool has_compatible(const fs::path& node, std::string_view wanted)
{
    std::vector<std::uint8_t> value;
    if (!read_property(node / "compatible", value)) {
        return false;
    }
    std::string_view all(reinterpret_cast<const char*>(value.data()), value.size());
    while (!all.empty()) {
        const std::size_t end = all.find('\0');
        if (all.substr(0, end) == wanted) {
            return true;
        }
        if (end == std::string_view::npos) {
            break;
        }
        all.remove_prefix(end + 1);
    }
    return false;
}

std::uint32_t cells(const fs::path& node, const char* name, std::uint32_t fallback)
{
    std::vector<std::uint8_t> v;
    if (!read_property(node / name, v) || v.size() != 4) {
        return fallback;
    }
    return (std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) | (std::uint32_t{v[2]} << 8) | v[3];
}

std::uint64_t read_cells(const std::uint8_t* p, std::uint32_t count)
{
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < count * 4; ++i) {
        v = (v << 8) | p[i];
    }
    return v;
}

// Depth first, children in name order so that the answer does not depend on readdir.
bool find_node(const fs::path& dir, int depth, fs::path& found)
{
    if (has_compatible(dir, gic_v3_compatible)) {
        found = dir;
        return true;
    }
    if (depth >= max_depth) {
        return false;
    }
    std::error_code ec;
    std::vector<fs::path> children;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
            children.push_back(it->path());
        }
    }
    std::sort(children.begin(), children.end());
    for (const fs::path& child : children) {
        if (find_node(child, depth + 1, found)) {
            return true;
        }
    }
    return false;
}

GicLocation defaults(std::string warning)
{
    GicLocation gic;
    gic.warning = std::move(warning);
    return gic;
}

}  // namespace

GicLocation find_primary_gic(const std::string& tree)
{
    std::error_code ec;
    if (!fs::is_directory(tree, ec)) {
        return defaults(tree + " is not a directory: no device tree to find the GIC in");
    }
    fs::path node;
    if (!find_node(tree, 0, node)) {
        return defaults("no node with compatible \"arm,gic-v3\" under " + tree);
    }
    const std::string where = node.lexically_relative(tree).generic_string();
    const std::uint32_t address_cells = cells(node.parent_path(), "#address-cells", default_address_cells);
    const std::uint32_t size_cells = cells(node.parent_path(), "#size-cells", default_size_cells);
    if (address_cells < 1 || address_cells > 2 || size_cells < 1 || size_cells > 2) {
        return defaults("the GIC node " + where + "'s parent has " + std::to_string(address_cells) +
                        " address and " + std::to_string(size_cells) + " size cells");
    }
    std::vector<std::uint8_t> reg;
    const std::size_t entry = 4 * (address_cells + size_cells);
    if (!read_property(node / "reg", reg) || reg.size() < 2 * entry || reg.size() % entry != 0) {
        return defaults("the GIC node " + where + " has no reg with a distributor and a redistributor entry");
    }
    GicLocation gic;
    gic.gicd_base = read_cells(reg.data(), address_cells);
    gic.gicd_size = read_cells(reg.data() + 4 * address_cells, size_cells);
    gic.gicr_base = read_cells(reg.data() + entry, address_cells);
    gic.from_tree = true;
    gic.node = where;
    return gic;
}

}  // namespace vmm
