// carve_validation: a validation set carved out of a pre-split dataset's training pairs.
#include <gtest/gtest.h>

#include <set>

#include "srns/data.hpp"
#include "srns/synthetic.hpp"

namespace srns {
namespace {

Dataset presplit_like() {
  GenConfig g;
  g.users = 150;
  g.items = 200;
  g.interactions = 3000;
  g.min_per_user = 1;
  SplitOptions s;
  Dataset d = generate_dataset(g, s);
  d.val = EvalSet();  // as NCF ships it: train and test only
  return d;
}

TEST(CarveValidation, OneTrainingItemPerUserWithItsOwnNegatives) {
  const Dataset before = presplit_like();
  Dataset d = before;
  carve_validation(&d, 30, 5);
  int64_t eligible = 0;
  for (int32_t u = 0; u < before.n_users; ++u) eligible += before.train.row_size(u) >= 2;
  ASSERT_EQ(static_cast<int64_t>(d.val.rows.size()), eligible);
  EXPECT_EQ(d.train.nnz() + eligible, before.train.nnz());
  EXPECT_EQ(d.val.n_neg, 30);
  std::set<int32_t> users;
  for (size_t r = 0; r < d.val.rows.size(); ++r) {
    const Pair p = d.val.rows[r];
    EXPECT_TRUE(users.insert(p.user).second) << "one validation row per user";
    EXPECT_TRUE(before.train.contains(p.user, p.item)) << "carved from the user's train";
    EXPECT_FALSE(d.train.contains(p.user, p.item)) << "and removed from it";
    std::set<int32_t> negs(d.val.negatives.begin() + r * 30,
                           d.val.negatives.begin() + (r + 1) * 30);
    EXPECT_EQ(negs.size(), 30u);
    for (int32_t n : negs) {
      EXPECT_FALSE(before.train.contains(p.user, n)) << "a negative is never a positive";
    }
  }
  Dataset again = before;
  carve_validation(&again, 30, 5);
  EXPECT_EQ(again.val.negatives, d.val.negatives);
  Dataset other = before;
  carve_validation(&other, 30, 6);
  EXPECT_NE(other.val.negatives, d.val.negatives);
  EXPECT_THROW(carve_validation(&d, 30, 5), DataError) << "refuses when validation exists";
}

}  // namespace
}  // namespace srns
