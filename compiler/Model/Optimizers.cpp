//===- Optimizers.cpp - every optimizer, with its update rule -------------===//
//
// Conventions follow PyTorch's, so results can be compared with it.
//
//===----------------------------------------------------------------------===//
#include "gradc/Model/Optimizers.h"

#include "gradc/Dialect/GradDialect.h"

#include <cmath>

using namespace mlir;

namespace gradc {

Value UpdateContext::add(Value a, Value b) {
  return builder.create<grad::AddOp>(loc, a, b);
}
Value UpdateContext::sub(Value a, Value b) {
  return builder.create<grad::SubOp>(loc, a, b);
}
Value UpdateContext::mul(Value a, Value b) {
  return builder.create<grad::MulOp>(loc, a, b);
}
Value UpdateContext::div(Value a, Value b) {
  return builder.create<grad::DivOp>(loc, a, b);
}
Value UpdateContext::sqrt(Value a) {
  return builder.create<grad::SqrtOp>(loc, a);
}
Value UpdateContext::exp(Value a) {
  return builder.create<grad::ExpOp>(loc, a);
}
Value UpdateContext::spread(Value scalar) {
  auto type = cast<RankedTensorType>(param.getType());
  Value converted = builder.create<grad::CastOp>(
      loc, scalar, TypeAttr::get(type.getElementType()));
  return grad::broadcastTo(builder, loc, converted, type);
}
Value UpdateContext::constant(double value, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  return builder.create<grad::ConstantOp>(
      loc, SplatElementsAttr::get(
               type, builder.getFloatAttr(type.getElementType(), value)));
}

namespace {

/// p - lr * step
Value descend(UpdateContext &c, Value step) {
  return c.sub(c.param, c.mul(c.lr, step));
}

/// p - lr * g
Value sgd(UpdateContext &c) { return descend(c, c.gradient); }

/// v = momentum * v + g
Value velocity(UpdateContext &c) {
  Value v = c.state("velocity", 0.0);
  Value next =
      c.add(c.mul(c.constant(c.hyper.lookup("momentum"), v), v), c.gradient);
  c.setState("velocity", next);
  return next;
}

/// p - lr * v
Value momentum(UpdateContext &c) { return descend(c, velocity(c)); }

/// p - lr * (g + momentum * v)
Value nesterov(UpdateContext &c) {
  Value v = velocity(c);
  return descend(c, c.add(c.gradient,
                          c.mul(c.constant(c.hyper.lookup("momentum"), v), v)));
}

/// p - lr * g / (sqrt(s) + eps)
Value scaledStep(UpdateContext &c, Value squares) {
  Value eps = c.constant(c.hyper.lookup("eps"), squares);
  return descend(c, c.div(c.gradient, c.add(c.sqrt(squares), eps)));
}

/// s = s + g^2
Value adagrad(UpdateContext &c) {
  Value s = c.state("sum_squares", 0.0);
  Value next = c.add(s, c.mul(c.gradient, c.gradient));
  c.setState("sum_squares", next);
  return scaledStep(c, next);
}

/// s = decay * s + (1 - decay) * g^2
Value rmsprop(UpdateContext &c) {
  double decay = c.hyper.lookup("decay");
  Value s = c.state("mean_square", 0.0);
  Value next =
      c.add(c.mul(c.constant(decay, s), s),
            c.mul(c.constant(1 - decay, s), c.mul(c.gradient, c.gradient)));
  c.setState("mean_square", next);
  return scaledStep(c, next);
}

/// Moving average `slot` = beta * slot + (1 - beta) * value.
Value movingAverage(UpdateContext &c, StringRef slot, double beta,
                    Value value) {
  Value current = c.state(slot, 0.0);
  Value next = c.add(c.mul(c.constant(beta, current), current),
                     c.mul(c.constant(1 - beta, current), value));
  c.setState(slot, next);
  return next;
}

/// The bias correction 1 - beta^t of step t, spread over the parameter.
/// It is computed in f64 from the step count, as PyTorch does: in f32,
/// 1 - beta^t would lose about 1e-5 of its value for beta = 0.999.
Value biasCorrection(UpdateContext &c, Value step, double beta) {
  Value power = c.exp(c.mul(step, c.constant(std::log(beta), step)));
  return c.spread(c.sub(c.constant(1.0, step), power));
}

Value adam(UpdateContext &c) {
  double beta1 = c.hyper.lookup("beta1"), beta2 = c.hyper.lookup("beta2");
  Value m = movingAverage(c, "m", beta1, c.gradient);
  Value v = movingAverage(c, "v", beta2, c.mul(c.gradient, c.gradient));
  Value step = c.stepCount();
  Value mHat = c.div(m, biasCorrection(c, step, beta1));
  Value vHat = c.div(v, biasCorrection(c, step, beta2));
  Value eps = c.constant(c.hyper.lookup("eps"), v);
  return descend(c, c.div(mHat, c.add(c.sqrt(vHat), eps)));
}

} // namespace

const std::vector<OptimizerInfo> &optimizers() {
  static const std::vector<OptimizerInfo> table = {
      {"sgd", {{"lr", std::nullopt}}, sgd},
      {"momentum", {{"lr", std::nullopt}, {"momentum", 0.9}}, momentum},
      {"nesterov", {{"lr", std::nullopt}, {"momentum", 0.9}}, nesterov},
      {"adagrad", {{"lr", std::nullopt}, {"eps", 1e-8}}, adagrad},
      {"rmsprop",
       {{"lr", std::nullopt}, {"decay", 0.9}, {"eps", 1e-8}},
       rmsprop},
      {"adam",
       {{"lr", std::nullopt}, {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-8}},
       adam},
  };
  return table;
}

std::string checkHyperparameter(llvm::StringRef name, double value) {
  // The learning rate and eps must be positive; decay rates are fractions
  // of the past to keep.
  if ((name == "lr" || name == "eps") && !(value > 0))
    return name.str() + " must be positive";
  bool isRate = name == "momentum" || name == "decay" || name == "beta1" ||
                name == "beta2";
  if (isRate && !(value >= 0 && value < 1))
    return name.str() + " must be at least 0 and below 1";
  return "";
}

const OptimizerInfo *findOptimizer(llvm::StringRef name) {
  for (const OptimizerInfo &info : optimizers())
    if (info.name == name)
      return &info;
  return nullptr;
}

} // namespace gradc
