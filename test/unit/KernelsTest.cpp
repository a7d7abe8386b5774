//===- KernelsTest.cpp - the runtime's GEMM and parallel loops ------------===//
#include "gradc/Runtime/Runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <vector>

namespace {

/// Restores one thread per core after each test.
class Kernels : public ::testing::TestWithParam<int> {
protected:
  void SetUp() override { gradc_set_threads(GetParam()); }
  void TearDown() override { gradc_set_threads(0); }
};

void countVisits(void **buffers, int64_t begin, int64_t end) {
  auto *visits = static_cast<std::atomic<int> *>(buffers[0]);
  for (int64_t row = begin; row < end; ++row)
    ++visits[row];
}

TEST_P(Kernels, ParallelForVisitsEachRowOnce) {
  for (int64_t end : {1, 2, 3, 7, 1000}) {
    std::vector<std::atomic<int>> visits(end + 5);
    void *buffers[] = {visits.data()};
    gradc_parallel_for(countVisits, buffers, 5, end + 5);
    for (int64_t row = 0; row < end + 5; ++row)
      EXPECT_EQ(visits[row].load(), row < 5 ? 0 : 1) << "row " << row;
  }
}

/// Jobs of changing widths back to back: no worker may miss a part or run
/// one twice.
TEST(KernelsPool, JobsOfChangingWidths) {
  std::vector<std::atomic<int>> visits(64);
  void *buffers[] = {visits.data()};
  for (int round = 0; round < 3000; ++round) {
    gradc_set_threads(1 + round % 3);
    gradc_parallel_for(countVisits, buffers, 0, 1 + round % 64);
  }
  gradc_set_threads(0);
  for (int64_t row = 0; row < 64; ++row) {
    int expected = 0;
    for (int round = 0; round < 3000; ++round)
      expected += row < 1 + round % 64;
    EXPECT_EQ(visits[row].load(), expected) << "row " << row;
  }
}

/// out = relu(out + bias[column]) for rows [begin, end) of a [m, n] output.
void biasRelu(void **buffers, int64_t begin, int64_t end) {
  auto *out = static_cast<float *>(buffers[0]);
  auto *bias = static_cast<const float *>(buffers[1]);
  int64_t n = *static_cast<const int64_t *>(buffers[2]);
  for (int64_t row = begin; row < end; ++row)
    for (int64_t column = 0; column < n; ++column) {
      float &value = out[row * n + column];
      value = std::max(value + bias[column], 0.0f);
    }
}

std::vector<float> ramp(int64_t count, float scale) {
  std::vector<float> values(count);
  for (int64_t i = 0; i < count; ++i)
    values[i] = std::sin(static_cast<float>(i) * scale);
  return values;
}

/// The epilogue sees every row exactly once, after the product: whether the
/// GEMM is split by rows (m > n), by columns (n >= m) or not at all.
TEST_P(Kernels, GemmEpilogueMatchesGemmThenLoop) {
  struct Shape {
    int64_t m, n, k;
  };
  for (Shape shape :
       {Shape{256, 64, 300}, Shape{64, 512, 300}, Shape{8, 8, 8}}) {
    auto [m, n, k] = shape;
    std::vector<float> a = ramp(m * k, 0.37f), b = ramp(k * n, 0.11f);
    std::vector<float> bias = ramp(n, 1.3f);
    std::vector<float> expected(m * n), fused(m * n);
    gradc_matmul_f32(a.data(), b.data(), expected.data(), m, n, k, 0, 0, 0);
    void *expectedBuffers[] = {expected.data(), bias.data(), &n};
    biasRelu(expectedBuffers, 0, m);
    void *fusedBuffers[] = {fused.data(), bias.data(), &n};
    gradc_matmul_epilogue_f32(a.data(), b.data(), fused.data(), m, n, k, 0, 0,
                              0, biasRelu, fusedBuffers);
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_NEAR(fused[i], expected[i], 1e-3f * (1 + std::fabs(expected[i])))
          << "element " << i << " of " << m << "x" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, Kernels, ::testing::Values(1, 2, 3),
                         [](const auto &info) {
                           return std::to_string(info.param) + "_threads";
                         });

} // namespace
