//===- Manifest.cpp - a compiled model's signatures as JSON ---------------===//
#include "gradc/Runtime/Manifest.h"

#include <nlohmann/json.hpp>

namespace gradc::rt {
namespace {

using nlohmann::json;

constexpr std::pair<TensorRole, const char *> kRoles[] = {
    {TensorRole::Input, "input"},       {TensorRole::Label, "label"},
    {TensorRole::Param, "param"},       {TensorRole::State, "state"},
    {TensorRole::Hyper, "hyper"},       {TensorRole::Output, "output"},
    {TensorRole::Gradient, "gradient"}, {TensorRole::Update, "update"},
};

constexpr DType kDTypes[] = {DType::F32, DType::F64, DType::I32, DType::I64,
                             DType::U8};

const char *roleName(TensorRole role) {
  for (auto [known, name] : kRoles)
    if (known == role)
      return name;
  return "";
}

json tensorToJson(const TensorSpec &spec) {
  json object = {{"name", spec.name},
                 {"role", roleName(spec.role)},
                 {"dtype", name(spec.dtype)},
                 {"shape", spec.shape}};
  if (!spec.init.kind.empty())
    object["init"] = {{"kind", spec.init.kind},
                      {"arguments", spec.init.arguments}};
  if (spec.frozen)
    object["frozen"] = true;
  if (spec.classes)
    object["classes"] = *spec.classes;
  return object;
}

TensorSpec tensorFromJson(const json &object) {
  TensorSpec spec;
  spec.name = object.at("name").get<std::string>();
  std::string role = object.at("role").get<std::string>();
  auto known = std::find_if(std::begin(kRoles), std::end(kRoles),
                            [&](auto &entry) { return role == entry.second; });
  if (known == std::end(kRoles))
    throw std::runtime_error("unknown tensor role '" + role + "'");
  spec.role = known->first;
  std::string dtype = object.at("dtype").get<std::string>();
  auto type =
      std::find_if(std::begin(kDTypes), std::end(kDTypes),
                   [&](DType candidate) { return dtype == name(candidate); });
  if (type == std::end(kDTypes))
    throw std::runtime_error("unknown dtype '" + dtype + "'");
  spec.dtype = *type;
  spec.shape = object.at("shape").get<std::vector<int64_t>>();
  if (object.contains("init")) {
    spec.init.kind = object["init"].at("kind").get<std::string>();
    spec.init.arguments =
        object["init"].at("arguments").get<std::map<std::string, double>>();
  }
  spec.frozen = object.value("frozen", false);
  if (object.contains("classes"))
    spec.classes = object["classes"].get<int64_t>();
  return spec;
}

json signatureToJson(const Signature &signature) {
  json arguments = json::array(), results = json::array();
  for (const TensorSpec &spec : signature.arguments)
    arguments.push_back(tensorToJson(spec));
  for (const TensorSpec &spec : signature.results)
    results.push_back(tensorToJson(spec));
  json object = {
      {"model", signature.model}, {"name", signature.name},
      {"arguments", arguments},   {"results", results},
      {"loss", signature.loss},   {"arena_bytes", signature.arenaBytes}};
  if (signature.optimizer)
    object["optimizer"] = {{"kind", signature.optimizer->kind},
                           {"arguments", signature.optimizer->arguments}};
  return object;
}

Signature signatureFromJson(const json &object) {
  Signature signature;
  signature.model = object.at("model").get<std::string>();
  signature.name = object.at("name").get<std::string>();
  for (const json &spec : object.at("arguments"))
    signature.arguments.push_back(tensorFromJson(spec));
  for (const json &spec : object.at("results"))
    signature.results.push_back(tensorFromJson(spec));
  signature.loss = object.at("loss").get<std::string>();
  signature.arenaBytes = object.at("arena_bytes").get<int64_t>();
  if (object.contains("optimizer"))
    signature.optimizer =
        OptimizerSpec{object["optimizer"].at("kind").get<std::string>(),
                      object["optimizer"]
                          .at("arguments")
                          .get<std::vector<std::pair<std::string, double>>>()};
  return signature;
}

} // namespace

std::string manifestToJson(const std::vector<Signature> &signatures) {
  json entries = json::array();
  for (const Signature &signature : signatures)
    entries.push_back(signatureToJson(signature));
  return json{{"gradc_manifest", 1}, {"entries", entries}}.dump();
}

Expected<std::vector<Signature>> manifestFromJson(const std::string &text) {
  using Result = Expected<std::vector<Signature>>;
  // nlohmann reports malformed input by exception; the runtime is built
  // with exceptions, and none crosses into generated code.
  try {
    json manifest = json::parse(text);
    std::vector<Signature> signatures;
    for (const json &entry : manifest.at("entries"))
      signatures.push_back(signatureFromJson(entry));
    return signatures;
  } catch (const std::exception &error) {
    return Result::failure(std::string("a damaged model manifest: ") +
                           error.what());
  }
}

} // namespace gradc::rt
