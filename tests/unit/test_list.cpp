// Intrusive list: order of insertion and removal, membership of several lists at
// once, and removal while iterating.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "support/list.h"

using hyp::IntrusiveList;
using hyp::ListNode;

namespace {

struct Item {
    int id;
    ListNode node;
    ListNode other;
    explicit Item(int i) : id{i} {}
};

using List = IntrusiveList<Item, &Item::node>;
using OtherList = IntrusiveList<Item, &Item::other>;

// A node behind a vtable pointer and other members, so the node is not at offset 0.
struct Base {
    virtual ~Base() = default;
    virtual int kind() const { return 0; }
    long padding[3] = {};
};
struct Derived : Base {
    int kind() const override { return 7; }
    ListNode node;
};

template <typename L>
std::vector<int> ids(const L& list)
{
    std::vector<int> out;
    for (Item& item : list) {
        out.push_back(item.id);
    }
    return out;
}

}  // namespace

TEST_CASE("a new list is empty and has no front or back", "[list]")
{
    List list;
    REQUIRE(list.empty());
    REQUIRE(list.front() == nullptr);
    REQUIRE(list.back() == nullptr);
    REQUIRE(list.pop_front() == nullptr);
    REQUIRE(list.begin() == list.end());
}

TEST_CASE("a new list is all zero bytes, so constinit lists go to BSS", "[list]")
{
    static constexpr unsigned char zeros[sizeof(List)] = {};
    List list;
    REQUIRE(std::memcmp(&list, zeros, sizeof list) == 0);
    Item a{1};
    REQUIRE_FALSE(list.contains(a));
}

TEST_CASE("the first push closes a new list's ring, from the front or the back", "[list]")
{
    Item a{1}, b{2}, c{3};
    List front;
    front.push_front(a);
    REQUIRE(front.front() == &a);
    REQUIRE(front.back() == &a);
    List back;
    back.push_back(c);
    back.insert_before(c, b);
    REQUIRE(ids(back) == std::vector<int>{2, 3});
    front.remove(a);
    REQUIRE(front.empty());
    REQUIRE(front.begin() == front.end());
    REQUIRE(front.pop_front() == nullptr);
}

TEST_CASE("push_back keeps insertion order and push_front reverses it", "[list]")
{
    Item a{1}, b{2}, c{3};
    List back;
    back.push_back(a);
    back.push_back(b);
    back.push_back(c);
    REQUIRE(ids(back) == std::vector<int>{1, 2, 3});
    REQUIRE(back.front() == &a);
    REQUIRE(back.back() == &c);

    OtherList front;
    front.push_front(a);
    front.push_front(b);
    front.push_front(c);
    std::vector<int> seen;
    for (Item& item : front) {
        seen.push_back(item.id);
    }
    REQUIRE(seen == std::vector<int>{3, 2, 1});
}

TEST_CASE("pop_front hands items out in order and unlinks them", "[list]")
{
    Item a{1}, b{2};
    List list;
    list.push_back(a);
    list.push_back(b);
    REQUIRE(a.node.linked());

    REQUIRE(list.pop_front() == &a);
    REQUIRE_FALSE(a.node.linked());
    REQUIRE(list.pop_front() == &b);
    REQUIRE(list.pop_front() == nullptr);
    REQUIRE(list.empty());
}

TEST_CASE("remove takes an item out of the middle and keeps the rest in order", "[list]")
{
    Item a{1}, b{2}, c{3};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    list.remove(b);
    REQUIRE_FALSE(b.node.linked());
    REQUIRE_FALSE(list.contains(b));
    REQUIRE(ids(list) == std::vector<int>{1, 3});

    list.remove(a);
    list.remove(c);
    REQUIRE(list.empty());
}

TEST_CASE("a removed item can be put back on a list", "[list]")
{
    Item a{1}, b{2};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.remove(a);
    list.push_back(a);
    REQUIRE(ids(list) == std::vector<int>{2, 1});
}

TEST_CASE("an item is on two lists at once through two nodes", "[list]")
{
    Item a{1}, b{2};
    List first;
    OtherList second;
    first.push_back(a);
    first.push_back(b);
    second.push_back(b);
    second.push_back(a);

    REQUIRE(ids(first) == std::vector<int>{1, 2});
    REQUIRE(ids(second) == std::vector<int>{2, 1});
    first.remove(a);
    REQUIRE(ids(first) == std::vector<int>{2});
    REQUIRE(ids(second) == std::vector<int>{2, 1});
}

TEST_CASE("erase while iterating removes the current item and continues with the next", "[list]")
{
    std::vector<Item> items;
    items.reserve(6);
    for (int i = 0; i < 6; ++i) {
        items.emplace_back(i);
    }
    List list;
    for (Item& item : items) {
        list.push_back(item);
    }

    std::vector<int> visited;
    for (auto it = list.begin(); it != list.end();) {
        visited.push_back(it->id);
        if (it->id % 2 == 0) {
            it = list.erase(it);
        } else {
            ++it;
        }
    }
    REQUIRE(visited == std::vector<int>{0, 1, 2, 3, 4, 5});
    REQUIRE(ids(list) == std::vector<int>{1, 3, 5});
    REQUIRE_FALSE(items[0].node.linked());
}

TEST_CASE("remove_if removes exactly the matching items and counts them", "[list]")
{
    Item a{1}, b{2}, c{3}, d{4};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    list.push_back(d);
    REQUIRE(list.remove_if([](const Item& i) { return i.id > 2; }) == 2);
    REQUIRE(ids(list) == std::vector<int>{1, 2});
    REQUIRE(list.remove_if([](const Item&) { return false; }) == 0);
    REQUIRE(list.remove_if([](const Item&) { return true; }) == 2);
    REQUIRE(list.empty());
}

TEST_CASE("insert_before keeps a list sorted", "[list]")
{
    Item a{10}, b{20}, c{30}, d{15};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    for (Item& item : list) {
        if (item.id > d.id) {
            list.insert_before(item, d);
            break;
        }
    }
    REQUIRE(ids(list) == std::vector<int>{10, 15, 20, 30});
    Item first{5};
    list.insert_before(*list.front(), first);
    REQUIRE(list.front() == &first);
}

TEST_CASE("iterators walk backwards from end", "[list]")
{
    Item a{1}, b{2}, c{3};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    std::vector<int> seen;
    for (auto it = list.end(); it != list.begin();) {
        --it;
        seen.push_back(it->id);
    }
    REQUIRE(seen == std::vector<int>{3, 2, 1});
}

TEST_CASE("copying an object does not copy its list membership", "[list]")
{
    Item a{1};
    List list;
    list.push_back(a);
    Item copy = a;
    REQUIRE(copy.id == 1);
    REQUIRE_FALSE(copy.node.linked());
    copy = a;
    REQUIRE_FALSE(copy.node.linked());
    a = copy;  // assigning to a listed object keeps it listed
    REQUIRE(a.node.linked());
    REQUIRE(ids(list) == std::vector<int>{1});
}

TEST_CASE("a node that is not the first member still leads back to its object", "[list]")
{
    Derived x, y;
    IntrusiveList<Derived, &Derived::node> list;
    list.push_back(x);
    list.push_back(y);
    REQUIRE(list.front() == &x);
    REQUIRE(list.back() == &y);
    int kinds = 0;
    for (Base& b : list) {
        kinds += b.kind();
    }
    REQUIRE(kinds == 14);
    REQUIRE(list.pop_front() == &x);
}
