//===- Init.h - seeded parameter initializers ---------------------*- C++
//-*-===//
//
// The initializers a `param` line may name, and the deterministic random
// numbers behind them: the same seed and parameter name always give the same
// values, on every machine.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_INIT_H
#define GRADC_RUNTIME_INIT_H

#include "gradc/Runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gradc::rt {

/// One initializer: its name and the arguments it takes, in positional order.
struct InitializerInfo {
  std::string name;
  std::vector<std::string> arguments;
  std::string summary;
};

/// Every initializer, including the aliases glorot_* (= xavier_*) and
/// kaiming_* (= he_*).
const std::vector<InitializerInfo> &initializers();
const InitializerInfo *findInitializer(const std::string &name);
/// Why the arguments of initializer `name` make no sense (uniform(5, -5),
/// normal(0, -1)), or "" when they are fine.
std::string checkInitializerArguments(
    const std::string &name,
    const std::vector<std::pair<std::string, double>> &arguments);

struct InitSpec {
  std::string kind;
  std::map<std::string, double> arguments;
};

/// Fills a float tensor according to `spec`. Fan-in and fan-out follow the
/// shape convention of gradc models: [in, out] for matrices, [out, in, k...]
/// for convolution kernels.
Status initialize(const InitSpec &spec, const std::string &paramName,
                  uint64_t seed, Tensor &tensor);

/// xoshiro256** seeded through splitmix64: small, fast and reproducible.
class Rng {
public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  /// Standard normal (Box-Muller).
  double normal();

private:
  uint64_t state[4];
};

} // namespace gradc::rt

#endif // GRADC_RUNTIME_INIT_H
