//===- EigenStep.cpp - a hand-written Eigen MLP training step -------------===//
//
// The reference gradc's benchmark compares with: forward, backward and SGD
// update of a ReLU MLP with softmax cross-entropy, written directly against
// Eigen (row-major, the same GEMM library gradc calls). Prints the median
// milliseconds per step.
//
//   eigen_step BATCH LAYER0 LAYER1 ... [--steps N]
//
//===----------------------------------------------------------------------===//
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using Matrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Row = Eigen::Matrix<float, 1, Eigen::Dynamic>;

int main(int argc, char **argv) {
  std::vector<int> sizes;
  int steps = 50, batch = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--steps" && i + 1 < argc)
      steps = std::atoi(argv[++i]);
    else if (!batch)
      batch = std::atoi(argv[i]);
    else
      sizes.push_back(std::atoi(argv[i]));
  }
  if (!batch || sizes.size() < 2) {
    std::fprintf(stderr,
                 "usage: eigen_step BATCH LAYER0 LAYER1 ... [--steps N]\n");
    return 1;
  }
  size_t layers = sizes.size() - 1;
  std::vector<Matrix> w(layers), dw(layers), h(layers + 1), dh(layers + 1);
  std::vector<Row> b(layers), db(layers);
  for (size_t l = 0; l < layers; ++l) {
    w[l] = Matrix::Random(sizes[l], sizes[l + 1]) * 0.05f;
    b[l] = Row::Zero(sizes[l + 1]);
  }
  h[0] = Matrix::Random(batch, sizes[0]);
  std::vector<int> labels(batch);
  for (int i = 0; i < batch; ++i)
    labels[i] = i % sizes.back();
  const float lr = 0.01f;

  auto step = [&] {
    for (size_t l = 0; l < layers; ++l) {
      h[l + 1].noalias() = h[l] * w[l];
      h[l + 1].rowwise() += b[l];
      if (l + 1 < layers)
        h[l + 1] = h[l + 1].cwiseMax(0.0f);
    }
    // Softmax cross-entropy gradient: (softmax - one_hot) / batch.
    Matrix &g = dh[layers];
    g = h[layers];
    for (int r = 0; r < batch; ++r) {
      float max = g.row(r).maxCoeff();
      g.row(r) = (g.row(r).array() - max).exp();
      g.row(r) /= g.row(r).sum();
      g(r, labels[r]) -= 1.0f;
    }
    g /= float(batch);
    for (size_t l = layers; l-- > 0;) {
      dw[l].noalias() = h[l].transpose() * dh[l + 1];
      db[l] = dh[l + 1].colwise().sum();
      if (l > 0) {
        dh[l].noalias() = dh[l + 1] * w[l].transpose();
        dh[l] =
            dh[l].cwiseProduct((h[l].array() > 0.0f).cast<float>().matrix());
      }
      w[l] -= lr * dw[l];
      b[l] -= lr * db[l];
    }
  };
  for (int i = 0; i < 10; ++i)
    step();
  std::vector<double> times;
  for (int i = 0; i < steps; ++i) {
    auto start = std::chrono::steady_clock::now();
    step();
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  std::printf("step_ms_median %.4f\nstep_ms_min %.4f\n",
              times[times.size() / 2], times.front());
  return 0;
}
