// Helpers for the data-layer tests: checking the message of a DataError.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "srns/data.hpp"

namespace srns::testing {

// The what() of the DataError that `fn` throws, or a note that it threw none.
template <typename Fn>
std::string data_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError thrown)";
}

}  // namespace srns::testing

// Expects `statement` to throw a DataError whose message contains `needle`.
#define EXPECT_DATA_ERROR(statement, needle)                                         \
  do {                                                                               \
    const std::string message_ = ::srns::testing::data_error_of([&] { statement; }); \
    EXPECT_NE(message_.find(needle), std::string::npos)                              \
        << "message: " << message_ << "\nexpected to contain: " << (needle);         \
  } while (0)
