//===- Optimizers.h - every optimizer, with its update rule ------*- C++
//-*-===//
//
// One entry per optimizer: the name a model writes after `with`, its
// hyperparameters with their defaults, and how one parameter is updated,
// written in grad ops. The frontend checks `optimize` lines against this
// table and grad-optimizer expands the rules; adding an optimizer is adding
// an entry.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_MODEL_OPTIMIZERS_H
#define GRADC_MODEL_OPTIMIZERS_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace gradc {

/// What an update rule builds with, for one parameter.
class UpdateContext {
public:
  virtual ~UpdateContext() = default;
  mlir::OpBuilder &builder;
  mlir::Location loc;
  mlir::Value param, gradient;
  /// The learning rate, broadcast to the parameter's shape.
  mlir::Value lr;
  /// The optimizer's hyperparameters (`lr` excluded), defaults filled in.
  const llvm::StringMap<double> &hyper;

  /// The current value of this parameter's state `slot` (shaped like the
  /// parameter, starting at `initial`); setState gives its next value.
  virtual mlir::Value state(llvm::StringRef slot, double initial) = 0;
  virtual void setState(llvm::StringRef slot, mlir::Value next) = 0;
  /// The number of this step (1 at the first) as an f64 scalar, whatever
  /// the model's float type: a state ("optimizer.step") shared by all
  /// parameters.
  virtual mlir::Value stepCount() = 0;

  /// Arithmetic, elementwise on values of one type (the parameter's shape,
  /// or scalars).
  mlir::Value add(mlir::Value a, mlir::Value b);
  mlir::Value sub(mlir::Value a, mlir::Value b);
  mlir::Value mul(mlir::Value a, mlir::Value b);
  mlir::Value div(mlir::Value a, mlir::Value b);
  mlir::Value sqrt(mlir::Value a);
  mlir::Value exp(mlir::Value a);
  /// The scalar `value` converted to the parameter's element type and
  /// broadcast to its shape.
  mlir::Value spread(mlir::Value scalar);
  /// A constant shaped like `like`.
  mlir::Value constant(double value, mlir::Value like);

protected:
  UpdateContext(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value param,
                mlir::Value gradient, mlir::Value lr,
                const llvm::StringMap<double> &hyper)
      : builder(builder), loc(loc), param(param), gradient(gradient), lr(lr),
        hyper(hyper) {}
};

/// Builds a parameter's next value.
using UpdateRule = mlir::Value (*)(UpdateContext &);

struct OptimizerInfo {
  std::string name;
  /// In positional order; `lr` first. Without a default, required.
  std::vector<std::pair<std::string, std::optional<double>>> arguments;
  UpdateRule update;
};

const std::vector<OptimizerInfo> &optimizers();
const OptimizerInfo *findOptimizer(llvm::StringRef name);
/// Why `value` is no value for the hyperparameter `name` (lr = -1,
/// beta1 = 2, eps = 0), or "" when it is fine.
std::string checkHyperparameter(llvm::StringRef name, double value);

} // namespace gradc

#endif // GRADC_MODEL_OPTIMIZERS_H
