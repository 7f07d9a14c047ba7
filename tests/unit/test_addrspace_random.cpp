// Memory extents and address spaces driven at random through hypercalls, against a page
// model. Each step creates, derives, maps, unmaps, changes access, donates or deletes;
// the model says whether it must succeed (and with which error it must fail otherwise).
// After every step: the memdb agrees with the model page by page and passes check(), every
// address space maps exactly what the model says (the pages each span shows: those its
// extent's family holds), each extent has the slots the model counts, and a failed step
// changed nothing at all. At the end everything is deleted and every page, table page and
// VMID is back. HYP_MEMEXTENT_SEED and HYP_MEMEXTENT_STEPS change the run.
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>

#include "test_addrspace_model.h"
#include "test_memextent_fixture.h"

using namespace memtest;
using namespace addrspace_model;

namespace {

constexpr std::uint64_t ipa_base = 0x1000'0000;
constexpr std::uint64_t ipa_window = 256;  // pages: small, so that mappings collide
constexpr std::size_t slots = MemExtent::max_mappings;

std::uint64_t env_or(const char* name, std::uint64_t fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr ? std::stoull(v, nullptr, 0) : fallback;
}

struct Run {
    System s{4096};
    Model m;
    std::mt19937_64 rng;
    std::uint64_t pool = 0;  // physical address of pool page 0
    std::map<std::string, std::pair<unsigned, unsigned>> outcomes;  // op -> (ok, refused)

    explicit Run(std::uint64_t seed) : rng{seed} { pool = s.top(pool_pages); }

    std::uint64_t pick(std::uint64_t n) { return n == 0 ? 0 : rng() % n; }
    bool chance(unsigned percent) { return pick(100) < percent; }

    int random_ext(bool want_parent = false)
    {
        std::vector<int> c;
        for (std::size_t i = 0; i < m.exts.size(); ++i) {
            if (m.exts[i].capped && (!want_parent || m.exts[i].pages > 1)) {
                c.push_back(static_cast<int>(i));
            }
        }
        return c.empty() ? -1 : c[pick(c.size())];
    }
    int random_as()
    {
        std::vector<int> c;
        for (std::size_t i = 0; i < m.spaces.size(); ++i) {
            if (m.spaces[i].alive) {
                c.push_back(static_cast<int>(i));
            }
        }
        return c.empty() ? -1 : c[pick(c.size())];
    }
    std::uint8_t subset(std::uint8_t of)
    {
        for (;;) {
            auto a = static_cast<std::uint8_t>(pick(8) & of);
            if (a != 0 || of == 0) {
                return a;
            }
        }
    }

    std::vector<CapId> live_as_caps() const
    {
        std::vector<CapId> v;
        for (const As& a : m.spaces) {
            if (a.alive) {
                v.push_back(a.cap);
            }
        }
        return v;
    }
    std::vector<CapId> live_ext_caps() const
    {
        std::vector<CapId> v;
        for (const Ext& e : m.exts) {
            if (e.capped) {
                v.push_back(e.cap);
            }
        }
        return v;
    }
    Snapshot snapshot() { return s.snapshot(live_as_caps(), live_ext_caps()); }

    // A call the model has judged: it must come out as predicted; a refusal changes nothing.
    bool judge(const char* op, std::int64_t got, std::int64_t expected, const Snapshot& before)
    {
        INFO("operation " << op);
        REQUIRE(got == expected);
        if (got != GUNYAH_ERROR_OK) {
            REQUIRE(snapshot() == before);
            ++outcomes[op].second;
            ++outcomes[std::string{op} + " " + error_name(static_cast<Error>(got))].second;
            return false;
        }
        ++outcomes[op].first;
        return true;
    }

    void create_extent()
    {
        const std::uint64_t n = 1 + pick(16);
        const std::uint64_t first = pick(pool_pages - n + 1);
        const auto access = static_cast<std::uint8_t>(1 + pick(7));
        bool free = true;
        for (std::uint64_t p = first; p < first + n; ++p) {
            free = free && m.owner[p] == -1;
        }
        CapId cap = s.new_extent();
        REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, cap, pool + first * page, n * page,
                    GUNYAH_MEMEXTENT_ATTRS(access, 0, 0)) == GUNYAH_ERROR_OK);
        Snapshot before = snapshot();
        if (!judge("create", s.e(GUNYAH_HC_OBJECT_ACTIVATE, cap), free ? GUNYAH_ERROR_OK : GUNYAH_ERROR_MEMDB_NOT_OWNER,
                   before)) {
            s.drop(cap);
            return;
        }
        Ext x;
        x.cap = cap;
        x.owner = s.obj<MemExtent>(cap).owner();
        x.first = first;
        x.pages = n;
        x.access = access;
        x.capped = x.alive = true;
        m.exts.push_back(x);
        for (std::uint64_t p = first; p < first + n; ++p) {
            m.owner[p] = static_cast<int>(m.exts.size() - 1);
        }
    }

    void derive()
    {
        const int p = random_ext();
        if (p < 0) {
            return;
        }
        const Ext parent = m.exts[static_cast<std::size_t>(p)];
        const std::uint64_t n = 1 + pick(parent.pages);
        const std::uint64_t off = pick(parent.pages - n + 1);
        const std::uint8_t access = subset(parent.access);
        bool held = true;
        for (std::uint64_t q = parent.first + off; q < parent.first + off + n; ++q) {
            held = held && m.owner[q] == p;
        }
        CapId cap = s.new_extent();
        REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, cap, parent.cap, off * page, n * page,
                    GUNYAH_MEMEXTENT_ATTRS(access, 0, 0)) == GUNYAH_ERROR_OK);
        Snapshot before = snapshot();
        if (!judge("derive", s.e(GUNYAH_HC_OBJECT_ACTIVATE, cap), held ? GUNYAH_ERROR_OK : GUNYAH_ERROR_MEMDB_NOT_OWNER,
                   before)) {
            s.drop(cap);
            return;
        }
        Ext x;
        x.cap = cap;
        x.owner = s.obj<MemExtent>(cap).owner();
        x.parent = p;
        x.first = parent.first + off;
        x.pages = n;
        x.access = access;
        x.capped = x.alive = true;
        m.exts.push_back(x);
        ++m.exts[static_cast<std::size_t>(p)].children;
        for (std::uint64_t q = x.first; q < x.first + n; ++q) {
            m.owner[q] = static_cast<int>(m.exts.size() - 1);
        }
    }

    void create_as()
    {
        // Sometimes a VMID another address space has.
        std::uint16_t vmid = static_cast<std::uint16_t>(200 + pick(6));
        bool taken = false;
        for (const As& a : m.spaces) {
            taken = taken || (a.alive && a.vmid == vmid);
        }
        CapId cap = s.new_addrspace();
        REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, cap, vmid) == GUNYAH_ERROR_OK);
        Snapshot before = snapshot();
        if (!judge("addrspace", s.e(GUNYAH_HC_OBJECT_ACTIVATE, cap), taken ? GUNYAH_ERROR_BUSY : GUNYAH_ERROR_OK,
                   before)) {
            s.drop(cap);
            return;
        }
        m.spaces.push_back(As{cap, vmid, true});
    }

    // Whether an extent's page maps after an edit still fit its slots.
    std::int64_t fits(const std::vector<PageMap>& next)
    {
        return Model::slots_used(next, m.spaces.size()) <= slots ? GUNYAH_ERROR_OK
                                                                 : GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL;
    }

    void map()
    {
        const int e = random_ext();
        const int a = random_as();
        if (e < 0 || a < 0) {
            return;
        }
        Ext& x = m.exts[static_cast<std::size_t>(e)];
        const bool partial = chance(70);
        const std::uint64_t n = partial ? 1 + pick(chance(70) ? std::min<std::uint64_t>(x.pages, 3) : x.pages) : x.pages;
        const std::uint64_t off = partial ? pick(x.pages - n + 1) : 0;
        std::uint64_t vb = pick(ipa_window);
        if (chance(15)) {  // right on top of something mapped there, if anything is
            for (const Ext& y : m.exts) {
                for (const PageMap& pm : y.maps) {
                    if (y.alive && pm.as == a && chance(30)) {
                        vb = pm.ipa_page;
                    }
                }
            }
        }
        const std::uint8_t access = subset(x.access);
        const std::uint8_t type = chance(80) ? 0xf : (chance(50) ? 0x5 : 0x1);
        std::vector<PageMap> next = x.maps;
        for (std::uint64_t i = 0; i < n; ++i) {
            next.push_back(PageMap{a, off + i, vb + i, access, type});
        }
        std::int64_t expected = m.ipa_taken(a, vb, n) ? GUNYAH_ERROR_EXISTING_MAPPING : fits(next);
        Snapshot before = snapshot();
        std::int64_t got = partial ? s.map_part(m.spaces[static_cast<std::size_t>(a)].cap, x.cap,
                                                ipa_base + vb * page, off * page, n * page,
                                                GUNYAH_MAPPING_ATTRS(access, access, type))
                                   : s.map(m.spaces[static_cast<std::size_t>(a)].cap, x.cap, ipa_base + vb * page,
                                           GUNYAH_MAPPING_ATTRS(access, access, type));
        if (judge("map", got, expected, before)) {
            x.maps = next;
        }
    }

    // Single pages of one extent at scattered IPAs until its slots run out.
    void crowd()
    {
        const int e = random_ext();
        const int a = random_as();
        if (e < 0 || a < 0) {
            return;
        }
        Ext& x = m.exts[static_cast<std::size_t>(e)];
        for (std::size_t i = 0; i <= slots; ++i) {
            const std::uint64_t off = pick(x.pages);
            const std::uint64_t vb = ipa_window + 2 * pick(ipa_window);  // apart: no two join
            std::vector<PageMap> next = x.maps;
            next.push_back(PageMap{a, off, vb, x.access, 0xf});
            std::int64_t expected = m.ipa_taken(a, vb, 1) ? GUNYAH_ERROR_EXISTING_MAPPING : fits(next);
            Snapshot before = snapshot();
            if (judge("map", s.map_part(m.spaces[static_cast<std::size_t>(a)].cap, x.cap, ipa_base + vb * page,
                                        off * page, page, GUNYAH_MAPPING_ATTRS(x.access, x.access, 0xf)),
                      expected, before)) {
                x.maps = next;
            }
        }
    }

    // A range of an existing mapping of e in a (or, sometimes, one that is not).
    bool existing_range(const Ext& x, int a, std::uint64_t& vb, std::uint64_t& off, std::uint64_t& n, bool& partial)
    {
        std::vector<PageMap> mine;
        for (const PageMap& pm : x.maps) {
            if (pm.as == a) {
                mine.push_back(pm);
            }
        }
        partial = chance(70);
        if (mine.empty() || chance(10)) {
            off = pick(x.pages);
            n = 1 + pick(x.pages - off);
            vb = pick(ipa_window);
            if (!partial) {
                off = 0;
                n = x.pages;
            }
            return false;
        }
        const PageMap& at = mine[pick(mine.size())];
        if (!partial) {
            vb = static_cast<std::uint64_t>(at.key());
            off = 0;
            n = x.pages;
            return true;
        }
        // Mostly a range that is mapped throughout; sometimes one that runs past it.
        std::uint64_t run = 1;
        while (std::any_of(mine.begin(), mine.end(), [&](const PageMap& pm) {
            return pm.key() == at.key() && pm.off == at.off + run;
        })) {
            ++run;
        }
        off = at.off;
        n = chance(80) ? 1 + pick(run) : 1 + pick(x.pages - off);
        vb = at.ipa_page;
        return true;
    }

    void unmap_or_update(bool update)
    {
        // Mostly an extent and an address space it is mapped into.
        std::vector<std::pair<int, int>> mapped;
        for (std::size_t i = 0; i < m.exts.size(); ++i) {
            if (m.exts[i].capped) {
                for (const PageMap& pm : m.exts[i].maps) {
                    mapped.emplace_back(static_cast<int>(i), pm.as);
                }
            }
        }
        int e = random_ext();
        int a = random_as();
        if (!mapped.empty() && chance(85)) {
            std::tie(e, a) = mapped[pick(mapped.size())];
        }
        if (e < 0 || a < 0) {
            return;
        }
        Ext& x = m.exts[static_cast<std::size_t>(e)];
        std::uint64_t vb = 0, off = 0, n = 0;
        bool partial = false;
        (void)existing_range(x, a, vb, off, n, partial);
        const std::int64_t key = static_cast<std::int64_t>(vb) - static_cast<std::int64_t>(off);
        const std::uint8_t access = subset(x.access);
        std::vector<PageMap> next;
        bool found = false;
        std::vector<bool> covered(n, false);
        for (const PageMap& pm : x.maps) {
            const bool hit = pm.as == a && pm.key() == key && (!partial || (pm.off >= off && pm.off < off + n));
            if (hit) {
                found = true;
                if (partial) {
                    covered[pm.off - off] = true;
                }
                if (update) {
                    PageMap changed = pm;
                    changed.access = access;
                    next.push_back(changed);
                }
            } else {
                next.push_back(pm);
            }
        }
        bool all = found;
        if (partial) {
            all = std::all_of(covered.begin(), covered.end(), [](bool c) { return c; });
        }
        std::int64_t expected = all ? fits(next) : GUNYAH_ERROR_ADDR_INVAL;
        Snapshot before = snapshot();
        const CapId as = m.spaces[static_cast<std::size_t>(a)].cap;
        const std::uint64_t flags = partial ? GUNYAH_ADDRSPACE_MAP_PARTIAL : 0;
        std::int64_t got = update ? s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, x.cap, ipa_base + vb * page,
                                        GUNYAH_ACCESS_ATTRS(access, access), flags, off * page, n * page)
                                  : s.e(GUNYAH_HC_ADDRSPACE_UNMAP, as, x.cap, ipa_base + vb * page, flags, off * page,
                                        n * page);
        if (judge(update ? "update" : "unmap", got, expected, before)) {
            x.maps = next;
        }
    }

    void donate()
    {
        const int e = random_ext();
        if (e < 0) {
            return;
        }
        Ext& x = m.exts[static_cast<std::size_t>(e)];
        const std::uint64_t off = pick(x.pages);
        const std::uint64_t n = 1 + pick(x.pages - off);
        const unsigned kind = static_cast<unsigned>(pick(3));
        int giver = e;
        int receiver = x.parent;
        std::uint32_t type = GUNYAH_DONATE_TO_PARENT;
        CapId from = x.cap;
        CapId to = x.parent >= 0 ? m.exts[static_cast<std::size_t>(x.parent)].cap : s.partition_cap;
        if (kind == 1) {  // parent -> child
            std::swap(giver, receiver);
            std::swap(from, to);
            type = GUNYAH_DONATE_TO_CHILD;
        } else if (kind == 2) {  // to a sibling whose bounds hold the range
            std::vector<int> c;
            for (std::size_t i = 0; i < m.exts.size(); ++i) {
                const Ext& y = m.exts[i];
                if (static_cast<int>(i) != e && y.capped && x.parent >= 0 && y.parent == x.parent &&
                    y.first <= x.first + off && y.first + y.pages >= x.first + off + n) {
                    c.push_back(static_cast<int>(i));
                }
            }
            if (c.empty()) {
                return;
            }
            receiver = c[pick(c.size())];
            to = m.exts[static_cast<std::size_t>(receiver)].cap;
            type = GUNYAH_DONATE_TO_SIBLING;
        }
        if (kind != 2 && x.parent >= 0 && !m.exts[static_cast<std::size_t>(x.parent)].capped) {
            return;  // we no longer hold the parent's cap
        }
        bool held = true;
        for (std::uint64_t p = x.first + off; p < x.first + off + n; ++p) {
            held = held && m.owner[p] == giver;
        }
        Snapshot before = snapshot();
        if (judge("donate", s.donate(type, from, to, off * page, n * page),
                  held ? GUNYAH_ERROR_OK : GUNYAH_ERROR_MEMDB_NOT_OWNER, before)) {
            for (std::uint64_t p = x.first + off; p < x.first + off + n; ++p) {
                m.owner[p] = receiver;
            }
        }
    }

    void drop_extent()
    {
        const int e = random_ext();
        if (e < 0) {
            return;
        }
        s.drop(m.exts[static_cast<std::size_t>(e)].cap);
        m.exts[static_cast<std::size_t>(e)].capped = false;
        m.destroy_if_done(e);
        ++outcomes["drop extent"].first;
    }

    void drop_as()
    {
        const int a = random_as();
        if (a < 0) {
            return;
        }
        s.drop(m.spaces[static_cast<std::size_t>(a)].cap);
        m.spaces[static_cast<std::size_t>(a)].alive = false;
        for (Ext& x : m.exts) {
            std::erase_if(x.maps, [&](const PageMap& pm) { return pm.as == a; });
        }
        ++outcomes["drop addrspace"].first;
    }

    void unmap_all()
    {
        const int e = random_ext();
        if (e < 0) {
            return;
        }
        REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, m.exts[static_cast<std::size_t>(e)].cap,
                    GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL, 0, 0) == GUNYAH_ERROR_OK);
        m.exts[static_cast<std::size_t>(e)].maps.clear();
        ++outcomes["unmap_all"].first;
    }

    // The whole comparison: memdb, every address space page by page, every extent's slots.
    void check()
    {
        REQUIRE(s.memdb.check().ok());
        for (std::uint64_t p = 0; p < pool_pages; ++p) {
            const int o = m.owner[p];
            const mem::Owner expected = o < 0 ? s.root.owner() : m.exts[static_cast<std::size_t>(o)].owner;
            if (!(s.owner_at(pool + p * page) == expected)) {
                FAIL("pool page " << p << " has the wrong owner in the memdb");
            }
        }
        for (std::size_t a = 0; a < m.spaces.size(); ++a) {
            if (!m.spaces[a].alive) {
                continue;
            }
            std::map<std::uint64_t, PageMapping> expected;
            for (std::size_t e = 0; e < m.exts.size(); ++e) {
                const Ext& x = m.exts[e];
                if (!x.alive) {
                    continue;
                }
                for (const PageMap& pm : x.maps) {
                    const std::uint64_t p = x.first + pm.off;
                    if (pm.as == static_cast<int>(a) && m.owner[p] >= 0 && m.in_family(m.owner[p], static_cast<int>(e))) {
                        expected[ipa_base + pm.ipa_page * page] = PageMapping{
                            pool + p * page, mem::Stage2Attrs{static_cast<mem::Stage2Access>(pm.access),
                                                              static_cast<mem::Stage2MemType>(pm.type)}};
                    }
                }
            }
            INFO("address space " << a);
            REQUIRE(pages_of(s.obj<AddrSpace>(m.spaces[a].cap)) == expected);
        }
        for (const Ext& x : m.exts) {
            if (x.capped) {
                REQUIRE(s.obj<MemExtent>(x.cap).mapping_count() == Model::slots_used(x.maps, m.spaces.size()));
            }
        }
    }
};

}  // namespace

TEST_CASE("extents and address spaces at random agree with a page model at every step")
{
    const std::uint64_t seed = env_or("HYP_MEMEXTENT_SEED", 0x6d656d657874);
    const std::uint64_t steps = env_or("HYP_MEMEXTENT_STEPS", 10000);
    std::printf("memextent random: seed %#llx, %llu steps (set HYP_MEMEXTENT_SEED / HYP_MEMEXTENT_STEPS to change)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(steps));
    Run run{seed};
    const std::uint64_t free_start = run.s.root.free_bytes();
    std::vector<mem::OwnedRange> memdb_start;
    run.s.memdb.for_each([&](const mem::OwnedRange& r) { memdb_start.push_back(r); });

    for (std::uint64_t step = 0; step < steps; ++step) {
        INFO("step " << step);
        const std::uint64_t dice = run.pick(100);
        if (dice < 10) {
            run.create_extent();
        } else if (dice < 22) {
            run.derive();
        } else if (dice < 26) {
            run.create_as();
        } else if (dice < 46) {
            run.map();
        } else if (dice < 58) {
            run.unmap_or_update(false);
        } else if (dice < 68) {
            run.unmap_or_update(true);
        } else if (dice < 83) {
            run.donate();
        } else if (dice < 93) {
            run.drop_extent();
        } else if (dice < 96) {
            run.drop_as();
        } else if (dice < 97) {
            run.crowd();
        } else {
            run.unmap_all();
        }
        run.check();
    }

    // Everything goes, in a random order.
    for (;;) {
        std::vector<CapId> caps = run.live_as_caps();
        std::vector<CapId> ext = run.live_ext_caps();
        caps.insert(caps.end(), ext.begin(), ext.end());
        if (caps.empty()) {
            break;
        }
        if (run.chance(50) && run.random_as() >= 0) {
            run.drop_as();
        } else if (run.random_ext() >= 0) {
            run.drop_extent();
        } else {
            run.drop_as();
        }
        run.check();
    }
    CHECK(run.s.root.free_bytes() == free_start);
    std::vector<mem::OwnedRange> memdb_end;
    run.s.memdb.for_each([&](const mem::OwnedRange& r) { memdb_end.push_back(r); });
    CHECK(memdb_end == memdb_start);
    for (std::uint16_t vmid = 200; vmid < 206; ++vmid) {
        CHECK_FALSE(addrspace_platform::vmids().in_use(vmid));
    }

    std::printf("memextent random: outcomes per operation (ok refused)\n");
    for (const auto& [op, counts] : run.outcomes) {
        std::printf("  %-16s %6u %6u\n", op.c_str(), counts.first, counts.second);
    }
    // The run must have exercised both sides of the interesting calls.
    for (const char* op : {"create", "derive", "map", "unmap", "update", "donate", "map existing_mapping",
                           "map memextent_mappings_full"}) {
        INFO(op);
        CHECK(run.outcomes[op].first + run.outcomes[op].second > 10);
        if (std::string{op}.find(' ') == std::string::npos) {
            CHECK(run.outcomes[op].first > 10);
        }
        CHECK(run.outcomes[op].second > 10);
    }
}
