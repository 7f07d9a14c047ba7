// The page model behind test_addrspace_random.cpp: which extent holds each pool page,
// which pages of which extent each address space maps where, and how many slots that
// takes; written independently of the kernel's span code (page by page, not in spans).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernel/mem/memdb.h"
#include "kernel/object/cspace.h"

namespace addrspace_model {

using hyp::CapId;

inline constexpr std::uint64_t pool_pages = 128;  // at the top of the arena: where extents live

struct PageMap {  // one page of one mapping of an extent
    int as;
    std::uint64_t off;       // page index in the extent
    std::uint64_t ipa_page;  // page index above ipa_base
    std::uint8_t access;
    std::uint8_t type;
    [[nodiscard]] std::int64_t key() const { return static_cast<std::int64_t>(ipa_page) - static_cast<std::int64_t>(off); }
};

struct Ext {
    CapId cap = 0;
    hyp::mem::Owner owner{};
    int parent = -1;
    std::uint64_t first = 0;  // pool page
    std::uint64_t pages = 0;
    std::uint8_t access = 0;
    bool capped = false;  // we hold its cap
    bool alive = false;   // the object exists
    int children = 0;
    std::vector<PageMap> maps;
};

struct As {
    CapId cap = 0;
    std::uint16_t vmid = 0;
    bool alive = false;
};

struct Model {
    std::vector<int> owner = std::vector<int>(pool_pages, -1);  // -1: the partition
    std::vector<Ext> exts;
    std::vector<As> spaces;

    [[nodiscard]] bool in_family(int holder, int e) const
    {
        for (; holder >= 0; holder = exts[static_cast<std::size_t>(holder)].parent) {
            if (holder == e) {
                return true;
            }
        }
        return false;
    }

    // Spans of extent e in address space a, as the kernel keeps them (maximal runs).
    [[nodiscard]] static std::size_t spans(const std::vector<PageMap>& maps, int a)
    {
        std::vector<PageMap> mine;
        for (const PageMap& m : maps) {
            if (m.as == a) {
                mine.push_back(m);
            }
        }
        std::sort(mine.begin(), mine.end(), [](const PageMap& x, const PageMap& y) {
            return x.key() != y.key() ? x.key() < y.key() : x.off < y.off;
        });
        std::size_t n = 0;
        for (std::size_t i = 0; i < mine.size(); ++i) {
            const bool joins = i > 0 && mine[i - 1].key() == mine[i].key() && mine[i - 1].off + 1 == mine[i].off &&
                               mine[i - 1].access == mine[i].access && mine[i - 1].type == mine[i].type;
            n += joins ? 0 : 1;
        }
        return n;
    }
    [[nodiscard]] static std::size_t slots_used(const std::vector<PageMap>& maps, std::size_t as_count)
    {
        std::size_t n = 0;
        for (std::size_t a = 0; a < as_count; ++a) {
            n += spans(maps, static_cast<int>(a));
        }
        return n;
    }

    [[nodiscard]] bool ipa_taken(int a, std::uint64_t first, std::uint64_t n) const
    {
        for (const Ext& e : exts) {
            if (!e.alive) {
                continue;
            }
            for (const PageMap& m : e.maps) {
                if (m.as == a && m.ipa_page >= first && m.ipa_page < first + n) {
                    return true;
                }
            }
        }
        return false;
    }

    void destroy_if_done(int e)
    {
        Ext& x = exts[static_cast<std::size_t>(e)];
        if (!x.alive || x.capped || x.children != 0) {
            return;
        }
        for (std::uint64_t p = x.first; p < x.first + x.pages; ++p) {
            if (owner[p] == e) {
                owner[p] = x.parent;
            }
        }
        x.maps.clear();
        x.alive = false;
        if (x.parent >= 0) {
            --exts[static_cast<std::size_t>(x.parent)].children;
            destroy_if_done(x.parent);
        }
    }
};

}  // namespace addrspace_model
