#include "model/identity/customer_index.h"

#include <gtest/gtest.h>

#include "model/identity/links.h"

namespace tp {
namespace {

TEST(CustomerIndex, KeysGetDenseIndexesOnce) {
  CustomerIndex index;
  bool added = false;
  EXPECT_EQ(index.add("a", &added), 0u);
  EXPECT_TRUE(added);
  EXPECT_EQ(index.add("b", &added), 1u);
  EXPECT_EQ(index.add("a", &added), 0u);
  EXPECT_FALSE(added);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.find("b"), 1u);
  EXPECT_FALSE(index.find("c"));
  EXPECT_EQ(index.key(1), "b");
  EXPECT_EQ(index.resolve("c"), "c");  // not indexed: itself
}

// The customer's key stands for the merged customer, whichever side has more history, and links chain:
// a visitor linked to a customer who is later linked to another customer ends at the last one.
TEST(CustomerIndex, LinksMergeIntoTheCustomer) {
  CustomerIndex index;
  const uint32_t visitor = index.add("anon-1"), customer = index.add("cust-1"), other = index.add("cust-2");
  const auto merge = index.link(visitor, customer);
  ASSERT_TRUE(merge);
  EXPECT_EQ(merge->from, visitor);
  EXPECT_EQ(merge->into, customer);
  EXPECT_EQ(index.resolve("anon-1"), "cust-1");
  EXPECT_FALSE(index.link(visitor, customer));  // one already
  EXPECT_FALSE(index.link(customer, visitor));
  EXPECT_EQ(index.merged(), 1u);

  const auto second = index.link(customer, other);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->from, customer);
  EXPECT_EQ(index.canonical(visitor), other);
  EXPECT_EQ(index.resolve("anon-1"), "cust-2");
  EXPECT_EQ(index.merged(), 2u);
}

TEST(CustomerIndex, SavesAndLoadsAndRefusesDamage) {
  CustomerIndex index;
  index.link(index.add("anon-1"), index.add("cust-1"));
  index.add("cust-2");
  BinaryWriter out;
  index.save(out);
  const std::string bytes = out.buffer();

  CustomerIndex loaded;
  BinaryReader in(bytes);
  ASSERT_TRUE(loaded.load(in));
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded.merged(), 1u);
  EXPECT_EQ(loaded.resolve("anon-1"), "cust-1");
  EXPECT_EQ(loaded.resolve("cust-2"), "cust-2");

  // A cycle (0 -> 1 -> 0), a parent out of range, a repeated key: refused, the index left as it was.
  const auto encode = [](std::initializer_list<std::pair<const char*, uint64_t>> rows) {
    BinaryWriter w;
    w.u64(rows.size());
    for (const auto& [key, parent] : rows) {
      w.str(key);
      w.u64(parent);
    }
    return w.buffer();
  };
  for (const std::string& damaged : {encode({{"a", 1}, {"b", 0}}), encode({{"a", 5}}),
                                     encode({{"a", 0}, {"a", 1}}), bytes.substr(0, bytes.size() - 1)}) {
    BinaryReader r(damaged);
    EXPECT_FALSE(loaded.load(r));
    EXPECT_EQ(loaded.size(), 3u);
    EXPECT_EQ(loaded.resolve("anon-1"), "cust-1");
  }
}

TEST(Links, AnEventLinksItsVisitorAndAliasesToItsCustomer) {
  Interaction in;
  in.anonymous_id = "anon-1";
  EXPECT_TRUE(link_aliases(in).empty());  // no customer: nothing to link to
  EXPECT_EQ(customer_key_of(in), "anon-1");
  in.customer_id = "cust-1";
  in.extra_aliases = {"h:abc", "", "cust-1"};
  EXPECT_EQ(link_aliases(in), (std::vector<std::string>{"anon-1", "h:abc"}));
  EXPECT_EQ(customer_key_of(in), "cust-1");
}

}  // namespace
}  // namespace tp
