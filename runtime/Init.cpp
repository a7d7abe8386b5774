//===- Init.cpp - seeded parameter initializers
//----------------------------===//
#include "gradc/Runtime/Init.h"

#include <cmath>
#include <functional>

namespace gradc::rt {

namespace {

uint64_t splitmix64(uint64_t &x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// FNV-1a: gives each parameter its own random stream under one seed.
uint64_t hashName(const std::string &name) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : name)
    hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

struct Fans {
  double in, out;
};

Fans fansOf(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return {1, 1};
  if (shape.size() == 1)
    return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2)
    return {double(shape[0]), double(shape[1])};
  double receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i)
    receptive *= double(shape[i]);
  return {double(shape[1]) * receptive, double(shape[0]) * receptive};
}

/// The canonical name behind an alias.
std::string canonical(const std::string &name) {
  if (name.rfind("glorot_", 0) == 0)
    return "xavier_" + name.substr(7);
  if (name.rfind("kaiming_", 0) == 0)
    return "he_" + name.substr(8);
  return name;
}

} // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t &word : state)
    word = splitmix64(seed);
}

uint64_t Rng::next() {
  uint64_t result = rotl(state[1] * 5, 7) * 9;
  uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 45);
  return result;
}

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  // 1 - uniform() is in (0, 1], so the logarithm is finite.
  double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  return radius * std::cos(2.0 * M_PI * uniform());
}

const std::vector<InitializerInfo> &initializers() {
  static const std::vector<InitializerInfo> table = {
      {"zeros", {}, "all 0"},
      {"ones", {}, "all 1"},
      {"constant", {"value"}, "all `value`"},
      {"uniform", {"low", "high"}, "uniform in [low, high)"},
      {"normal", {"mean", "std"}, "normal with the given mean and std"},
      {"xavier_uniform", {}, "uniform, limit sqrt(6 / (fan_in + fan_out))"},
      {"xavier_normal", {}, "normal, std sqrt(2 / (fan_in + fan_out))"},
      {"glorot_uniform", {}, "alias of xavier_uniform"},
      {"glorot_normal", {}, "alias of xavier_normal"},
      {"he_uniform", {}, "uniform, limit sqrt(6 / fan_in)"},
      {"he_normal", {}, "normal, std sqrt(2 / fan_in)"},
      {"kaiming_uniform", {}, "alias of he_uniform"},
      {"kaiming_normal", {}, "alias of he_normal"},
  };
  return table;
}

const InitializerInfo *findInitializer(const std::string &name) {
  for (const InitializerInfo &info : initializers())
    if (info.name == name)
      return &info;
  return nullptr;
}

std::string checkInitializerArguments(
    const std::string &name,
    const std::vector<std::pair<std::string, double>> &arguments) {
  std::map<std::string, double> value(arguments.begin(), arguments.end());
  if (name == "uniform" && !(value["low"] < value["high"]))
    return "uniform needs low < high";
  if (name == "normal" && !(value["std"] >= 0))
    return "normal needs std >= 0";
  return "";
}

Status initialize(const InitSpec &spec, const std::string &paramName,
                  uint64_t seed, Tensor &tensor) {
  if (tensor.dtype != DType::F32 && tensor.dtype != DType::F64)
    return Status::failure("parameter '" + paramName + "' must be f32 or f64");
  Rng rng(seed ^ hashName(paramName));
  Fans fans = fansOf(tensor.shape);
  auto argument = [&](const char *key) { return spec.arguments.at(key); };
  auto uniformIn = [&](double low, double high) {
    return [&rng, low, high] { return low + (high - low) * rng.uniform(); };
  };
  auto normalWith = [&](double mean, double std) {
    return [&rng, mean, std] { return mean + std * rng.normal(); };
  };
  auto constant = [](double value) { return [value] { return value; }; };

  std::string kind = canonical(spec.kind);
  std::function<double()> sample;
  if (kind == "zeros")
    sample = constant(0.0);
  else if (kind == "ones")
    sample = constant(1.0);
  else if (kind == "constant")
    sample = constant(argument("value"));
  else if (kind == "uniform")
    sample = uniformIn(argument("low"), argument("high"));
  else if (kind == "normal")
    sample = normalWith(argument("mean"), argument("std"));
  else if (kind == "xavier_uniform") {
    double limit = std::sqrt(6.0 / (fans.in + fans.out));
    sample = uniformIn(-limit, limit);
  } else if (kind == "xavier_normal")
    sample = normalWith(0.0, std::sqrt(2.0 / (fans.in + fans.out)));
  else if (kind == "he_uniform") {
    double limit = std::sqrt(6.0 / fans.in);
    sample = uniformIn(-limit, limit);
  } else if (kind == "he_normal")
    sample = normalWith(0.0, std::sqrt(2.0 / fans.in));
  else
    return Status::failure("parameter '" + paramName +
                           "': unknown initializer '" + spec.kind + "'");

  int64_t count = tensor.numElements();
  for (int64_t i = 0; i < count; ++i) {
    if (tensor.dtype == DType::F32)
      tensor.data<float>()[i] = static_cast<float>(sample());
    else
      tensor.data<double>()[i] = sample();
  }
  return ok();
}

} // namespace gradc::rt
