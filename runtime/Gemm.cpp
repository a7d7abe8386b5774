//===- Gemm.cpp - matrix products for generated code, through Eigen -------===//
#include "gradc/Runtime/Runtime.h"

#include <Eigen/Core>

namespace {

/// Threads a large GEMM may use (0: one per core).
int configuredThreads = 0;

/// Below about 4M multiply-adds, waking a second thread costs more than it
/// saves (measured with mlp_small's 32x784x128 products).
void chooseThreads(int64_t m, int64_t n, int64_t k) {
  bool large = m * n * k >= (int64_t{1} << 22);
  Eigen::setNbThreads(large ? configuredThreads : 1);
}

template <typename T>
using RowMajor =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
void matmul(const T *lhs, const T *rhs, T *out, int64_t m, int64_t n, int64_t k,
            bool transposeLhs, bool transposeRhs, bool accumulate) {
  chooseThreads(m, n, k);
  // A row-major [r,c] buffer read as column-major [c,r] is its transpose, so
  // transposed operands are mapped, never copied.
  Eigen::Map<RowMajor<T>> c(out, m, n);
  Eigen::Map<const RowMajor<T>> a(lhs, transposeLhs ? k : m,
                                  transposeLhs ? m : k);
  Eigen::Map<const RowMajor<T>> b(rhs, transposeRhs ? n : k,
                                  transposeRhs ? k : n);
  auto product = [&](const auto &left, const auto &right) {
    if (accumulate)
      c.noalias() += left * right;
    else
      c.noalias() = left * right;
  };
  if (transposeLhs && transposeRhs)
    product(a.transpose(), b.transpose());
  else if (transposeLhs)
    product(a.transpose(), b);
  else if (transposeRhs)
    product(a, b.transpose());
  else
    product(a, b);
}

} // namespace

extern "C" void gradc_set_threads(int32_t threads) {
  configuredThreads = threads > 0 ? threads : 0;
}

extern "C" void gradc_matmul_f32(const float *lhs, const float *rhs, float *out,
                                 int64_t m, int64_t n, int64_t k,
                                 int32_t transpose_lhs, int32_t transpose_rhs,
                                 int32_t accumulate) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate);
}

extern "C" void gradc_matmul_f64(const double *lhs, const double *rhs,
                                 double *out, int64_t m, int64_t n, int64_t k,
                                 int32_t transpose_lhs, int32_t transpose_rhs,
                                 int32_t accumulate) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate);
}
