// A readable, deterministic dump of a device tree as the primary VM's Linux reads it on
// a board (memory, reserved memory, CPUs and their cpu-map and cooling maps, PSCI, the
// GIC, the IOMMUs and the GIC's children, the console stdout-path names with its clocks,
// /hypervisor and /chosen): the text of the golden files that
// tests/unit/test_board_dt.cpp compares build_board_dt()'s output with.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "rm/dt/libfdt.h"

namespace hyp::test::dt_dump {

inline std::string hex(std::uint64_t v)
{
    char text[24];
    std::snprintf(text, sizeof text, "%#llx", static_cast<unsigned long long>(v));
    return v == 0 ? "0x0" : text;
}

// A 1- or 2-cell big-endian value.
inline std::uint64_t cells_at(const void* p, int cells)
{
    return cells == 2 ? fdt64_ld(static_cast<const fdt64_t*>(p)) : fdt32_ld(static_cast<const fdt32_t*>(p));
}

inline bool printable_strings(const char* v, int len)
{
    if (len <= 0 || v[len - 1] != '\0' || v[0] == '\0') {
        return false;
    }
    for (int i = 0; i < len; ++i) {
        const unsigned char c = static_cast<unsigned char>(v[i]);
        if (c == '\0') {
            if (i > 0 && v[i - 1] == '\0') {
                return false;
            }
        } else if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

// A property's value: "a", "b" for string lists, <0x1 0x2> for cells, [..] else.
inline std::string value_text(const void* value, int len)
{
    const char* v = static_cast<const char*>(value);
    std::string out;
    if (len == 0) {
        return "(empty)";
    }
    if (printable_strings(v, len)) {
        for (int i = 0; i < len; i += static_cast<int>(std::strlen(v + i)) + 1) {
            out += (out.empty() ? "\"" : ", \"") + std::string{v + i} + "\"";
        }
        return out;
    }
    if (len % 4 == 0) {
        out = "<";
        for (int i = 0; i < len; i += 4) {
            out += (i ? " " : "") + hex(cells_at(v + i, 1));
        }
        return out + ">";
    }
    out = "[";
    for (int i = 0; i < len; ++i) {
        char byte[4];
        std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned char>(v[i]));
        out += byte;
    }
    return out + "]";
}

// reg as [base, +size) entries, with the parent's cells.
inline std::string reg_text(const void* fdt, int node)
{
    const int parent = fdt_parent_offset(fdt, node);
    const int ac = fdt_address_cells(fdt, parent);
    const int sc = fdt_size_cells(fdt, parent);
    int len = 0;
    const auto* reg = static_cast<const unsigned char*>(fdt_getprop(fdt, node, "reg", &len));
    if (reg == nullptr) {
        return "(no reg)";
    }
    const int entry = (ac + sc) * 4;
    std::string out;
    for (int at = 0; entry > 0 && at + entry <= len; at += entry) {
        out += (at ? " " : "") + std::string{"["} + hex(cells_at(reg + at, ac)) + ", +" +
               hex(cells_at(reg + at + ac * 4, sc)) + ")";
    }
    return out;
}

inline std::string prop(const void* fdt, int node, const char* name)
{
    int len = 0;
    const void* v = fdt_getprop(fdt, node, name, &len);
    return v == nullptr ? "(none)" : value_text(v, len);
}

inline bool has(const void* fdt, int node, const char* name) { return fdt_getprop(fdt, node, name, nullptr) != nullptr; }

inline std::string path_of(const void* fdt, int node)
{
    char path[256];
    return fdt_get_path(fdt, node, path, sizeof path) == 0 ? path : "?";
}

// Every property and child, indented: for the nodes the RM writes itself.
inline void dump_node(std::ostringstream& out, const void* fdt, int node, const std::string& indent)
{
    out << indent << fdt_get_name(fdt, node, nullptr) << " {\n";
    int p = 0;
    fdt_for_each_property_offset(p, fdt, node)
    {
        const char* name = nullptr;
        int len = 0;
        const void* v = fdt_getprop_by_offset(fdt, p, &name, &len);
        out << indent << "  " << name << " = " << value_text(v, len) << "\n";
    }
    int child = 0;
    fdt_for_each_subnode(child, fdt, node) { dump_node(out, fdt, child, indent + "  "); }
    out << indent << "}\n";
}

inline std::string dump(const void* fdt)
{
    std::ostringstream out;
    out << "# What the primary VM gets from this board's DT (rm/dt/board_dt.h); tests/unit/test_board_dt.cpp\n";
    out << "model: " << prop(fdt, 0, "model") << "\n";
    out << "interrupt-parent: " << prop(fdt, 0, "interrupt-parent") << "\n";
    out << "memreserve:";
    for (int i = 0; i < fdt_num_mem_rsv(fdt); ++i) {
        std::uint64_t base = 0;
        std::uint64_t size = 0;
        fdt_get_mem_rsv(fdt, i, &base, &size);
        out << " [" << hex(base) << ", +" << hex(size) << ")";
    }
    out << (fdt_num_mem_rsv(fdt) == 0 ? " none\n" : "\n");

    out << "\n[memory]\n";
    int node = 0;
    fdt_for_each_subnode(node, fdt, 0)
    {
        if (prop(fdt, node, "device_type") == "\"memory\"") {
            out << path_of(fdt, node) << " reg " << reg_text(fdt, node) << "\n";
        }
    }

    out << "\n[reserved-memory]\n";
    const int reserved = fdt_path_offset(fdt, "/reserved-memory");
    if (reserved >= 0) {
        out << "#address-cells " << prop(fdt, reserved, "#address-cells") << " #size-cells "
            << prop(fdt, reserved, "#size-cells") << " ranges " << prop(fdt, reserved, "ranges") << "\n";
        fdt_for_each_subnode(node, fdt, reserved)
        {
            out << fdt_get_name(fdt, node, nullptr) << " reg " << reg_text(fdt, node);
            for (const char* flag : {"no-map", "reusable"}) {
                if (has(fdt, node, flag)) {
                    out << " " << flag;
                }
            }
            for (const char* name : {"compatible", "size", "status"}) {
                if (has(fdt, node, name)) {
                    out << " " << name << " " << prop(fdt, node, name);
                }
            }
            out << "\n";
        }
    }

    out << "\n[cpus]\n";
    const int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus >= 0) {
        const int ac = fdt_address_cells(fdt, cpus);
        fdt_for_each_subnode(node, fdt, cpus)
        {
            if (prop(fdt, node, "device_type") != "\"cpu\"") {
                continue;
            }
            int len = 0;
            const void* reg = fdt_getprop(fdt, node, "reg", &len);
            out << fdt_get_name(fdt, node, nullptr) << " mpidr " << (reg ? hex(cells_at(reg, ac)) : "?")
                << " phandle " << hex(fdt_get_phandle(fdt, node)) << " compatible " << prop(fdt, node, "compatible")
                << " enable-method " << prop(fdt, node, "enable-method") << "\n";
        }
        // cpu-map leaves, as path -> cpu node.
        const int map = fdt_subnode_offset(fdt, cpus, "cpu-map");
        for (int n = map; map >= 0 && n >= 0; n = fdt_next_node(fdt, n, nullptr)) {
            if (n != map && path_of(fdt, n).rfind("/cpus/cpu-map/", 0) != 0) {
                break;
            }
            int len = 0;
            const void* cpu = fdt_getprop(fdt, n, "cpu", &len);
            if (cpu != nullptr && len == 4) {
                const int target = fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(cpu, 1)));
                out << path_of(fdt, n) << " -> " << (target >= 0 ? path_of(fdt, target) : "(dangling)") << "\n";
            }
        }
    }

    // Thermal maps that cool CPUs, as the CPU nodes they name.
    out << "\n[cooling maps naming CPUs]\n";
    for (node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        int len = 0;
        const auto* v = static_cast<const unsigned char*>(fdt_getprop(fdt, node, "cooling-device", &len));
        if (v == nullptr) {
            continue;
        }
        std::string names;
        for (int at = 0; at + 4 <= len;) {
            const int target = fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(v + at, 1)));
            int cl = 0;
            const void* cells = target >= 0 ? fdt_getprop(fdt, target, "#cooling-cells", &cl) : nullptr;
            if (target >= 0 && prop(fdt, target, "device_type") == "\"cpu\"") {
                names += " " + std::string{fdt_get_name(fdt, target, nullptr)};
            }
            at += 4 + (cells != nullptr && cl == 4 ? static_cast<int>(cells_at(cells, 1)) * 4 : len);
        }
        if (!names.empty()) {
            out << path_of(fdt, node) << ":" << names << "\n";
        }
    }

    out << "\n[psci]\n";
    const int psci = fdt_path_offset(fdt, "/psci");
    if (psci >= 0) {
        out << "compatible " << prop(fdt, psci, "compatible") << " method " << prop(fdt, psci, "method") << "\n";
    }

    out << "\n[gic]\n";
    for (node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3"); node >= 0;
         node = fdt_node_offset_by_compatible(fdt, node, "arm,gic-v3")) {
        out << path_of(fdt, node) << " phandle " << hex(fdt_get_phandle(fdt, node)) << " #interrupt-cells "
            << prop(fdt, node, "#interrupt-cells") << " reg " << reg_text(fdt, node) << "\n";
    }

    // What the hypervisor keeps (it must be disabled): every IOMMU, every child of the GIC.
    out << "\n[iommus and gic children]\n";
    const int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    for (node = fdt_next_node(fdt, -1, nullptr); node >= 0; node = fdt_next_node(fdt, node, nullptr)) {
        if (has(fdt, node, "#iommu-cells") || (gic >= 0 && fdt_parent_offset(fdt, node) == gic)) {
            out << path_of(fdt, node) << " compatible " << prop(fdt, node, "compatible") << " status "
                << prop(fdt, node, "status") << "\n";
        }
    }

    // The node /chosen/stdout-path names (options after ':' left out), and its clocks.
    out << "\n[console]\n";
    const int chosen_node = fdt_path_offset(fdt, "/chosen");
    const char* stdout_path =
        chosen_node >= 0 ? static_cast<const char*>(fdt_getprop(fdt, chosen_node, "stdout-path", nullptr)) : nullptr;
    const int console = stdout_path == nullptr ? -1
                        : fdt_path_offset_namelen(fdt, stdout_path, static_cast<int>(std::strcspn(stdout_path, ":")));
    if (console >= 0) {
        out << path_of(fdt, console) << "\n";
        dump_node(out, fdt, console, "");
        int len = 0;
        const auto* clocks = static_cast<const unsigned char*>(fdt_getprop(fdt, console, "clocks", &len));
        std::vector<int> dumped;
        for (int at = 0; clocks != nullptr && at + 4 <= len;) {  // <phandle specifier...> entries
            const int clock = fdt_node_offset_by_phandle(fdt, static_cast<std::uint32_t>(cells_at(clocks + at, 1)));
            int cl = 0;
            const void* cells = clock >= 0 ? fdt_getprop(fdt, clock, "#clock-cells", &cl) : nullptr;
            if (cells == nullptr || cl != 4) {
                out << "(clocks entry at byte " << at << " names no clock provider)\n";
                break;
            }
            if (std::find(dumped.begin(), dumped.end(), clock) == dumped.end()) {
                dumped.push_back(clock);
                out << path_of(fdt, clock) << "\n";
                dump_node(out, fdt, clock, "");
            }
            at += 4 + static_cast<int>(cells_at(cells, 1)) * 4;
        }
    }

    out << "\n[hypervisor]\n";
    const int hypervisor = fdt_path_offset(fdt, "/hypervisor");
    if (hypervisor >= 0) {
        dump_node(out, fdt, hypervisor, "");
    }

    out << "\n[chosen]\n";
    const int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen >= 0) {
        dump_node(out, fdt, chosen, "");
    }
    return out.str();
}

}  // namespace hyp::test::dt_dump
