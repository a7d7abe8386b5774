//===- ModelEmitter.cpp - syntax tree to the grad dialect -----------------===//
//
// Emits one func.func for the model: declared inputs, labels and params are
// its arguments (tagged with what they are), outputs and the loss its
// results. Calls of built-in functions become grad ops *by name*: `relu(x)`
// builds `grad.relu` through the op's registered shape rule, so new ops need
// no frontend code. Blocks are inlined at each call, with call-site
// locations so errors inside a block say where it was called from.
//
//===----------------------------------------------------------------------===//
#include "gradc/Frontend/Frontend.h"

#include "Parser.h"
#include "gradc/Dialect/Describe.h"
#include "gradc/Dialect/GradDialect.h"
#include "gradc/Model/Optimizers.h"
#include "gradc/Model/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include <cmath>
#include <cstdio>
#include <limits>

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;

namespace gradc::frontend {
namespace {

/// A number as a user would write it (-1, 0.9, 1e-08), for messages.
std::string shortNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", value);
  return text;
}

/// `number` as an int64_t if it is a whole number that fits in one (the
/// conversion is undefined behaviour otherwise).
std::optional<int64_t> wholeNumber(double number) {
  if (number != std::trunc(number) || std::fabs(number) >= 0x1p63)
    return std::nullopt;
  return static_cast<int64_t>(number);
}

/// Whether `number` converts to `elementType` without becoming infinite
/// (numbers are parsed as f64, so only f32 can overflow).
bool fits(Type elementType, double number) {
  return !elementType.isF32() ||
         std::abs(number) <= double(std::numeric_limits<float>::max());
}
constexpr const char *kBeyondF32 = "beyond the range of f32 (about 3.4e38)";

/// A value during emission: a tensor, or a number literal whose type is
/// decided by the tensor it meets (so `2 * x` works for f32 and f64 alike).
struct Operand {
  Value value;
  std::optional<double> number;
  bool failed() const { return !value && !number; }
};

/// What a name stands for. A poisoned name had an error in its definition
/// (or is an unknown name already reported); its uses stay silent instead of
/// cascading.
struct Binding {
  Operand operand;
  SMLoc loc;
  bool poisoned = false;
  bool defined = true; // false for unknown names poisoned at their use
};

/// Tensors hold at most 2^31 elements (8 GiB of f32): larger ones cannot
/// train on the machines gradc targets, and sizes stay far from overflow.
constexpr int64_t kMaxElements = int64_t{1} << 31;

/// Whether a tensor of `shape` (positive sizes) stays within kMaxElements;
/// checked without overflowing, whatever the sizes.
bool fitsElementLimit(ArrayRef<int64_t> shape) {
  int64_t elements = 1;
  for (int64_t size : shape) {
    if (size < 0 || (size > 0 && elements > kMaxElements / size))
      return false;
    elements *= size;
  }
  return true;
}

const char *binaryOpName(Token::Kind kind) {
  switch (kind) {
  case Token::Plus:
    return "add";
  case Token::Minus:
    return "sub";
  case Token::Star:
    return "mul";
  case Token::Slash:
    return "div";
  default:
    return "matmul";
  }
}

/// Operand count of an op with a fixed number of operands.
std::optional<unsigned> arityOf(RegisteredOperationName op) {
  if (op.hasTrait<OpTrait::ZeroOperands>())
    return 0;
  if (op.hasTrait<OpTrait::OneOperand>())
    return 1;
  if (op.hasTrait<OpTrait::NOperands<2>::Impl>())
    return 2;
  if (op.hasTrait<OpTrait::NOperands<3>::Impl>())
    return 3;
  return std::nullopt;
}

class ModelEmitter {
public:
  ModelEmitter(SourceLocations &locations, ImportOptions options)
      : locations(locations), context(locations.getContext()), builder(context),
        floatType(options.promoteToF64 ? builder.getF64Type()
                                       : builder.getF32Type()) {
    context->loadDialect<grad::GradDialect, func::FuncDialect>();
  }

  OwningOpRef<ModuleOp> emit(std::vector<Stmt> &statements) {
    if (statements.empty() || statements.front().kind != Stmt::Model) {
      SMLoc start = statements.empty()
                        ? SMLoc::getFromPointer(locations.buffer().data())
                        : statements.front().loc;
      locations.error(start) << "a model file starts with 'model NAME', as "
                                "in 'model mlp(batch = 100)'";
      return nullptr;
    }
    emitConstants(statements.front());
    OwningOpRef<ModuleOp> module = ModuleOp::create(at(statements.front().loc));
    func::FuncOp model = emitSignature(statements);
    module->push_back(model);
    for (Stmt &statement : llvm::drop_begin(statements)) {
      if (locations.atErrorLimit())
        return nullptr;
      emitStatement(statement);
    }
    finishModel(model, statements.front());
    if (locations.errorCount() > 0)
      return nullptr;
    return module;
  }

private:
  Location at(SMLoc loc) {
    Location base = locations.get(loc);
    return callSites.empty() ? base : CallSiteLoc::get(base, callSites.back());
  }

  /// Marks `name` as defined by a statement that failed.
  void poison(StringRef name, SMLoc loc) {
    define(name, loc, Operand(), /*poisoned=*/true);
  }

  //===--------------------------------------------------------------------===//
  // Declarations
  //===--------------------------------------------------------------------===//

  void emitConstants(const Stmt &model) {
    modelName = model.name;
    for (const KeywordArg &keyword : model.keywords) {
      std::optional<double> value = literalNumber(*keyword.value);
      if (!value) {
        locations.error(keyword.value->loc)
            << "model constant '" << keyword.name << "' must be a number";
        continue;
      }
      if (!constants.try_emplace(keyword.name, *value).second)
        locations.error(keyword.loc)
            << "model constant '" << keyword.name << "' is defined twice";
    }
  }

  /// The value of `expr` if it is arithmetic (+ - * / and negation) on
  /// numbers and model constants.
  std::optional<double> literalNumber(const Expr &expr) {
    switch (expr.kind) {
    case Expr::Number:
      return expr.number;
    case Expr::Name:
      if (auto it = constants.find(expr.name); it != constants.end())
        return it->second;
      return std::nullopt;
    case Expr::Negate:
      if (std::optional<double> value = literalNumber(*expr.operands[0]))
        return -*value;
      return std::nullopt;
    case Expr::Binary:
      return arithmetic(expr);
    default:
      return std::nullopt;
    }
  }

  std::optional<double> arithmetic(const Expr &binary) {
    std::optional<double> lhs = literalNumber(*binary.operands[0]);
    std::optional<double> rhs = literalNumber(*binary.operands[1]);
    if (!lhs || !rhs)
      return std::nullopt;
    switch (binary.op) {
    case Token::Plus:
      return *lhs + *rhs;
    case Token::Minus:
      return *lhs - *rhs;
    case Token::Star:
      return *lhs * *rhs;
    case Token::Slash:
      return *lhs / *rhs;
    default: // @ multiplies tensors
      return std::nullopt;
    }
  }

  /// The first name in `expr` that is not a model constant, if any.
  const Expr *unknownName(const Expr &expr) {
    if (expr.kind == Expr::Name && !constants.count(expr.name))
      return &expr;
    for (const ExprPtr &operand : expr.operands)
      if (const Expr *name = unknownName(*operand))
        return name;
    return nullptr;
  }

  /// The size `dim` asks for: a positive whole number; reports why not.
  std::optional<int64_t> dimensionSize(const Dim &dim) {
    std::optional<double> value = literalNumber(*dim.size);
    if (!value) {
      if (const Expr *name = unknownName(*dim.size))
        locations.error(name->loc)
            << "unknown dimension '" << name->name
            << "'; define it on the model line, as in 'model " << modelName
            << "(" << name->name << " = 100)'";
      else
        locations.error(dim.loc)
            << "dimension '" << dim.text
            << "' is not a number: a dimension is a size, a model constant "
               "or arithmetic on them, like 16 * 5 * 5";
      return std::nullopt;
    }
    if (*value != std::trunc(*value)) {
      locations.error(dim.loc)
          << "dimension '" << dim.text << "' = " << shortNumber(*value)
          << " must be a whole number";
      return std::nullopt;
    }
    // Checked before the conversion, which is undefined out of range.
    if (std::fabs(*value) >= 0x1p62) {
      locations.error(dim.loc)
          << "dimension '" << dim.text << "' = " << shortNumber(*value)
          << " is too large for any tensor";
      return std::nullopt;
    }
    if (*value <= 0) {
      locations.error(dim.loc)
          << "dimension '" << dim.text << "' = " << shortNumber(*value)
          << " must be positive";
      return std::nullopt;
    }
    return static_cast<int64_t>(*value);
  }

  std::optional<Type> elementType(const TypeSpec &spec) {
    Type type = llvm::StringSwitch<Type>(spec.dtype)
                    .Case("f32", floatType)
                    .Case("f64", builder.getF64Type())
                    .Case("i32", builder.getI32Type())
                    .Case("i64", builder.getI64Type())
                    .Default(Type());
    if (!type) {
      locations.error(spec.dtypeLoc) << "unknown element type '" << spec.dtype
                                     << "' (use f32, f64, i32 or i64)";
      return std::nullopt;
    }
    return type;
  }

  std::optional<RankedTensorType> tensorType(const TypeSpec &spec) {
    std::optional<Type> element = elementType(spec);
    SmallVector<int64_t> shape;
    bool ok = element.has_value();
    for (const Dim &dim : spec.dims) {
      std::optional<int64_t> size = dimensionSize(dim);
      ok = ok && size;
      shape.push_back(size.value_or(1));
    }
    if (!ok)
      return std::nullopt;
    if (!fitsElementLimit(shape)) {
      locations.error(spec.loc) << "this tensor has more than " << kMaxElements
                                << " elements, the most gradc supports";
      return std::nullopt;
    }
    return RankedTensorType::get(shape, *element);
  }

  /// The model function with one argument per input, label and param.
  func::FuncOp emitSignature(std::vector<Stmt> &statements) {
    SmallVector<Type> types;
    SmallVector<DictionaryAttr> argAttrs;
    SmallVector<const Stmt *> declarations;
    for (const Stmt &statement : statements) {
      if (statement.kind != Stmt::Input && statement.kind != Stmt::Label &&
          statement.kind != Stmt::Param)
        continue;
      std::optional<RankedTensorType> type = tensorType(statement.type);
      std::optional<DictionaryAttr> attrs = declarationAttrs(statement, type);
      if (!type || !attrs) {
        poison(statement.name, statement.nameLoc);
        continue;
      }
      types.push_back(*type);
      argAttrs.push_back(*attrs);
      declarations.push_back(&statement);
    }
    auto model = func::FuncOp::create(at(statements.front().loc), modelName,
                                      builder.getFunctionType(types, {}));
    model.setAllArgAttrs(argAttrs);
    Block *entry = model.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    for (auto [argument, statement] :
         llvm::zip(entry->getArguments(), declarations)) {
      argument.setLoc(NameLoc::get(builder.getStringAttr(statement->name),
                                   at(statement->nameLoc)));
      define(statement->name, statement->nameLoc, Operand{argument, {}});
    }
    return model;
  }

  std::optional<DictionaryAttr>
  declarationAttrs(const Stmt &statement,
                   std::optional<RankedTensorType> type) {
    StringRef role = statement.kind == Stmt::Input   ? attrs::kInput
                     : statement.kind == Stmt::Label ? attrs::kLabel
                                                     : attrs::kParam;
    NamedAttrList attrs;
    attrs.set(role, builder.getStringAttr(statement.name));
    if (statement.kind != Stmt::Param)
      return attrs.getDictionary(context);
    if (type && !isa<FloatType>(type->getElementType())) {
      locations.error(statement.type.dtypeLoc)
          << "parameter '" << statement.name << "' must be f32 or f64";
      return std::nullopt;
    }
    std::optional<DictionaryAttr> init = initializerAttr(
        *statement.value, type ? type->getElementType() : floatType);
    if (!init)
      return std::nullopt;
    attrs.set(attrs::kInit, *init);
    if (statement.frozen)
      attrs.set(attrs::kFrozen, builder.getUnitAttr());
    return attrs.getDictionary(context);
  }

  /// {kind = "normal", mean = 0.0, std = 0.01} from `normal(0, 0.01)`.
  std::optional<DictionaryAttr> initializerAttr(const Expr &expr,
                                                Type elementType) {
    if (expr.kind != Expr::Name && expr.kind != Expr::Call) {
      locations.error(expr.loc) << "expected an initializer such as "
                                   "he_normal, zeros or normal(0, 0.01)";
      return std::nullopt;
    }
    const rt::InitializerInfo *info = rt::findInitializer(expr.name);
    if (!info) {
      std::string known;
      for (const rt::InitializerInfo &candidate : rt::initializers())
        known += (known.empty() ? "" : ", ") + candidate.name;
      locations.error(expr.loc) << "unknown initializer '" << expr.name
                                << "' (known: " << known << ")";
      return std::nullopt;
    }
    NamedAttrList attrs;
    attrs.set("kind", builder.getStringAttr(expr.name));
    auto values = bindArguments(expr, info->name, info->arguments, {});
    if (!values)
      return std::nullopt;
    if (std::string problem =
            rt::checkInitializerArguments(info->name, *values);
        !problem.empty()) {
      locations.error(expr.loc) << problem;
      return std::nullopt;
    }
    for (auto &[name, value] : *values) {
      if (!fits(elementType, value)) {
        locations.error(expr.loc)
            << "argument '" << name << "' of " << info->name << " is "
            << shortNumber(value) << ", " << kBeyondF32
            << "; declare the parameter f64 "
            << "or use a smaller number";
        return std::nullopt;
      }
      attrs.set(name, builder.getF64FloatAttr(value));
    }
    return attrs.getDictionary(context);
  }

  /// Matches a call's positional and keyword number arguments against
  /// `names`; `defaults` holds the optional ones.
  std::optional<std::vector<std::pair<std::string, double>>>
  bindArguments(const Expr &call, StringRef what, ArrayRef<std::string> names,
                const llvm::StringMap<double> &defaults) {
    std::vector<std::optional<double>> values(names.size());
    bool ok = true;
    auto assign = [&](size_t index, const Expr &value, SMLoc loc) {
      std::optional<double> number = literalNumber(value);
      if (!number) {
        locations.error(value.loc)
            << "arguments of " << what << " must be numbers";
        ok = false;
      } else if (values[index]) {
        locations.error(loc) << names[index] << " is given twice";
        ok = false;
      }
      values[index] = number;
    };
    std::string signature = what.str() + "(" + llvm::join(names, ", ") + ")";
    if (call.operands.size() > names.size()) {
      locations.error(call.operands[names.size()]->loc)
          << "too many arguments: " << signature;
      ok = false;
    }
    for (size_t i = 0; i < std::min(call.operands.size(), names.size()); ++i)
      assign(i, *call.operands[i], call.operands[i]->loc);
    for (const KeywordArg &keyword : call.keywords) {
      auto it = llvm::find(names, keyword.name);
      if (it == names.end()) {
        locations.error(keyword.loc) << what << " has no argument '"
                                     << keyword.name << "': " << signature;
        ok = false;
        continue;
      }
      assign(it - names.begin(), *keyword.value, keyword.loc);
    }
    std::vector<std::pair<std::string, double>> bound;
    for (auto [name, value] : llvm::zip(names, values)) {
      if (!value && defaults.count(name))
        value = defaults.lookup(name);
      if (!value && ok) {
        locations.error(call.loc)
            << what << " needs " << name << ": " << signature;
        ok = false;
      }
      if (value)
        bound.emplace_back(name, *value);
    }
    if (!ok)
      return std::nullopt;
    return bound;
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  void emitStatement(Stmt &statement) {
    switch (statement.kind) {
    case Stmt::Model:
      locations.error(statement.loc) << "a file holds one model; this is a "
                                        "second 'model' line";
      return;
    case Stmt::Input:
    case Stmt::Label:
    case Stmt::Param:
      return; // already arguments
    case Stmt::Assign:
      emitAssignment(statement);
      return;
    case Stmt::Output:
      emitOutput(statement);
      return;
    case Stmt::Block:
      defineBlock(statement);
      return;
    case Stmt::Optimize:
      emitOptimize(statement);
      return;
    case Stmt::Invalid:
      poison(statement.name, statement.nameLoc);
      return;
    }
  }

  void define(StringRef name, SMLoc loc, Operand operand,
              bool poisoned = false) {
    auto [it, inserted] =
        scopes.back().try_emplace(name, Binding{operand, loc, poisoned});
    if (inserted)
      return;
    if (!it->second.defined) {
      it->second = Binding{operand, loc, poisoned};
      return;
    }
    auto diagnostic = locations.error(at(loc));
    diagnostic << "redefinition of '" << name << "'";
    diagnostic.attachNote(locations.get(it->second.loc))
        << "'" << name << "' was first defined here";
  }

  void emitAssignment(const Stmt &statement) {
    Operand operand = emitExpr(*statement.value);
    if (operand.failed()) {
      poison(statement.name, statement.nameLoc);
      return;
    }
    if (Operation *op = operand.value ? operand.value.getDefiningOp() : nullptr)
      if (!isa<NameLoc>(op->getLoc()))
        op->setLoc(
            NameLoc::get(builder.getStringAttr(statement.name), op->getLoc()));
    define(statement.name, statement.nameLoc, operand);
  }

  void emitOutput(const Stmt &statement) {
    if (statement.value)
      emitAssignment(statement);
    const Binding *binding = lookup(statement.name, statement.nameLoc);
    if (!binding || binding->poisoned)
      return;
    if (!binding->operand.value) {
      locations.error(statement.nameLoc)
          << "output '" << statement.name << "' must be a tensor";
      return;
    }
    for (auto &[name, value] : outputs)
      if (name == statement.name) {
        locations.error(statement.nameLoc)
            << "'" << statement.name << "' is already an output";
        return;
      }
    outputs.emplace_back(statement.name, binding->operand.value);
  }

  void emitOptimize(const Stmt &statement) {
    if (optimizer) {
      locations.error(statement.loc) << "a model has one 'optimize' line";
      return;
    }
    const Binding *binding = lookup(statement.name, statement.nameLoc);
    bool lossOk = binding && !binding->poisoned;
    if (lossOk) {
      auto type =
          binding->operand.value
              ? dyn_cast<RankedTensorType>(binding->operand.value.getType())
              : RankedTensorType();
      if (!type || type.getRank() != 0 ||
          !isa<FloatType>(type.getElementType())) {
        locations.error(statement.nameLoc)
            << "the loss must be a float scalar, but "
            << (binding->operand.value
                    ? grad::describe(binding->operand.value, statement.name)
                    : statement.name + " is a number")
            << " (reduce it with reduce_mean or reduce_sum)";
        lossOk = false;
      }
    }
    const Expr &call = *statement.optimizer;
    const OptimizerInfo *info = findOptimizer(call.name);
    if (!info) {
      std::string known;
      for (const OptimizerInfo &candidate : optimizers())
        known += (known.empty() ? "" : ", ") + candidate.name;
      locations.error(call.loc)
          << "unknown optimizer '" << call.name << "' (known: " << known << ")";
      return;
    }
    std::vector<std::string> names;
    llvm::StringMap<double> defaults;
    for (auto &[name, value] : info->arguments) {
      names.push_back(name);
      if (value)
        defaults[name] = *value;
    }
    auto values = bindArguments(call, info->name, names, defaults);
    if (!values || !lossOk)
      return;
    bool valuesOk = true;
    for (auto &[name, value] : *values)
      if (std::string problem = checkHyperparameter(name, value);
          !problem.empty()) {
        locations.error(call.loc) << info->name << ": " << problem << ", got "
                                  << name << " = " << shortNumber(value);
        valuesOk = false;
      }
    if (!valuesOk)
      return;
    NamedAttrList attrs;
    attrs.set("kind", builder.getStringAttr(info->name));
    for (auto &[name, value] : *values)
      attrs.set(name, builder.getF64FloatAttr(value));
    optimizer = attrs.getDictionary(context);
    lossName = statement.name;
    lossValue = binding->operand.value;
  }

  void defineBlock(Stmt &statement) {
    if (RegisteredOperationName::lookup("grad." + statement.name, context)) {
      locations.error(statement.nameLoc)
          << "block '" << statement.name << "' would hide the built-in '"
          << statement.name << "'; choose another name";
      return;
    }
    if (!blocks.try_emplace(statement.name, &statement).second)
      locations.error(statement.nameLoc)
          << "redefinition of block '" << statement.name << "'";
  }

  /// Returns the outputs and the loss, and records the model's interface.
  void finishModel(func::FuncOp model, const Stmt &modelStatement) {
    if (lossValue && llvm::none_of(outputs, [&](auto &output) {
          return output.first == lossName;
        }))
      outputs.emplace_back(lossName, lossValue);
    if (outputs.empty() && locations.errorCount() == 0)
      locations.error(modelStatement.loc)
          << "the model has no outputs: add 'output NAME' or 'optimize LOSS "
             "with ...'";
    SmallVector<Value> values;
    for (auto &output : outputs)
      values.push_back(output.second);
    builder.create<func::ReturnOp>(model.getLoc(), values);
    model.setFunctionType(builder.getFunctionType(
        model.getArgumentTypes(), ValueRange(values).getTypes()));
    for (auto [index, output] : llvm::enumerate(outputs))
      model.setResultAttr(index, attrs::kOutput,
                          builder.getStringAttr(output.first));
    model->setAttr(attrs::kEntry,
                   builder.getStringAttr(rt::entryName(rt::Entry::Forward)));
    recordClassCounts(model);
    if (optimizer) {
      model->setAttr(attrs::kLoss, builder.getStringAttr(lossName));
      model->setAttr(attrs::kOptimizer, *optimizer);
    }
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  const Binding *lookup(StringRef name, SMLoc loc) {
    auto it = scopes.back().find(name);
    if (it != scopes.back().end())
      return &it->second;
    if (auto constant = constants.find(name); constant != constants.end()) {
      constantBinding = Binding{Operand{Value(), constant->second}, loc};
      return &constantBinding;
    }
    auto diagnostic = locations.error(at(loc));
    diagnostic << "unknown name '" << name << "'";
    if (scopes.size() > 1 && scopes.front().count(name))
      diagnostic << "; blocks only see their parameters, so pass '" << name
                 << "' to the block as an argument";
    else if (auto suggestion = closestName(name))
      diagnostic << "; did you mean '" << *suggestion << "'?";
    // Report each unknown name once.
    scopes.back()[name] = Binding{Operand(), loc, true, /*defined=*/false};
    return nullptr;
  }

  std::optional<std::string> closestName(StringRef name) {
    std::optional<std::string> best;
    // About one typo per three letters, and never a whole different name.
    unsigned bestDistance =
        std::min<unsigned>(name.size() / 3 + 1, name.size());
    auto consider = [&](StringRef candidate) {
      unsigned distance = name.edit_distance(candidate, true, bestDistance);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = candidate.str();
      }
    };
    for (auto &entry : scopes.back())
      if (!entry.second.poisoned)
        consider(entry.getKey());
    for (auto &entry : blocks)
      consider(entry.getKey());
    for (RegisteredOperationName op : context->getRegisteredOperations())
      if (op.getDialectNamespace() == "grad")
        consider(op.getStringRef().drop_front(5));
    return best;
  }

  Operand emitExpr(const Expr &expr) {
    switch (expr.kind) {
    case Expr::Number:
      return Operand{Value(), expr.number};
    case Expr::Name: {
      const Binding *binding = lookup(expr.name, expr.loc);
      return binding ? binding->operand : Operand();
    }
    case Expr::Negate: {
      SmallVector<Operand> operands = {emitExpr(*expr.operands[0])};
      return emitCallOf("neg", expr.loc, operands, {});
    }
    case Expr::Binary: {
      SmallVector<Operand> operands = {emitExpr(*expr.operands[0]),
                                       emitExpr(*expr.operands[1])};
      return emitCallOf(binaryOpName(expr.op), expr.loc, operands, {});
    }
    case Expr::Call: {
      SmallVector<Operand> operands;
      for (const ExprPtr &argument : expr.operands)
        operands.push_back(emitExpr(*argument));
      if (auto it = blocks.find(expr.name); it != blocks.end())
        return emitBlockCall(*it->second, expr, operands);
      return emitCallOf(expr.name, expr.loc, operands, expr.keywords);
    }
    case Expr::List:
      locations.error(at(expr.loc))
          << "a list is only allowed as a keyword argument, as in axes=[1]";
      return Operand();
    }
    return Operand();
  }

  Operand emitBlockCall(const Stmt &block, const Expr &call,
                        SmallVectorImpl<Operand> &operands) {
    if (llvm::any_of(operands, [](const Operand &o) { return o.failed(); }))
      return Operand();
    if (activeBlocks.contains(block.name)) {
      locations.error(at(call.loc))
          << "block '" << block.name << "' calls itself; blocks are inlined, "
          << "so they cannot recurse";
      return Operand();
    }
    if (operands.size() != block.params.size() || !call.keywords.empty()) {
      std::vector<std::string> names;
      for (auto &param : block.params)
        names.push_back(param.first);
      locations.error(at(call.loc))
          << "block '" << block.name << "' takes " << block.params.size()
          << " arguments (" << llvm::join(names, ", ") << ") but was given "
          << operands.size() << (call.keywords.empty() ? "" : " and keywords");
      return Operand();
    }
    callSites.push_back(at(call.loc));
    activeBlocks.insert(block.name);
    scopes.emplace_back();
    for (auto [param, operand] : llvm::zip(block.params, operands))
      define(param.first, param.second, operand);
    for (const Stmt &statement : block.body)
      emitAssignment(statement);
    Operand result = emitExpr(*block.result);
    scopes.pop_back();
    activeBlocks.erase(block.name);
    callSites.pop_back();
    return result;
  }

  /// A built-in call: `name` is a grad op, built through its shape rule.
  Operand emitCallOf(StringRef name, SMLoc srcLoc,
                     SmallVectorImpl<Operand> &operands,
                     ArrayRef<KeywordArg> keywords) {
    Location loc = at(srcLoc);
    std::optional<RegisteredOperationName> op =
        RegisteredOperationName::lookup("grad." + name.str(), context);
    // Ops without a shape rule (constant, fused) are made by gradc itself.
    if (!op || name == "constant" ||
        !op->hasInterface<InferTypeOpInterface>()) {
      auto diagnostic = locations.error(loc);
      diagnostic << "unknown function '" << name << "'";
      if (auto suggestion = closestName(name))
        diagnostic << "; did you mean '" << *suggestion << "'?";
      return Operand();
    }
    std::optional<unsigned> arity = arityOf(*op);
    if (arity && operands.size() != *arity) {
      locations.error(loc) << name << " takes " << *arity << " tensor argument"
                           << (*arity == 1 ? "" : "s") << " but was given "
                           << operands.size();
      return Operand();
    }
    std::optional<NamedAttrList> attributes = keywordAttrs(name, *op, keywords);
    if (!attributes ||
        llvm::any_of(operands, [](const Operand &o) { return o.failed(); }))
      return Operand();
    SmallVector<Value> values;
    if (op->hasInterface<grad::ElementwiseOpInterface>()) {
      if (failed(requireFloats(name, loc, operands)))
        return Operand();
      if (operands.size() == 2 &&
          failed(broadcastPair(name, loc, operands[0], operands[1])))
        return Operand();
    }
    for (Operand &operand : operands) {
      values.push_back(operand.value
                           ? operand.value
                           : splat(loc, scalarType(operands), *operand.number));
      if (!values.back())
        return Operand();
    }
    return Operand{buildOp(*op, loc, values, *attributes), {}};
  }

  /// Infers the result type through the op's shape rule (which reports
  /// errors at `loc`), then creates and verifies the op.
  Value buildOp(RegisteredOperationName op, Location loc, ValueRange operands,
                NamedAttrList &attributes) {
    auto *inference = op.getInterface<InferTypeOpInterface>();
    SmallVector<Type> resultTypes;
    DictionaryAttr dictionary = attributes.getDictionary(context);
    if (!inference ||
        failed(inference->inferReturnTypes(context, loc, operands, dictionary,
                                           OpaqueProperties(nullptr),
                                           RegionRange(), resultTypes))) {
      locations.countError();
      return Value();
    }
    for (Type type : resultTypes)
      if (!fitsElementLimit(cast<ShapedType>(type).getShape())) {
        locations.error(loc)
            << op.stripDialect() << " would make " << grad::formatType(type)
            << ", more than the " << kMaxElements
            << " elements a gradc tensor may hold";
        return Value();
      }
    OperationState state(loc, op);
    state.addOperands(operands);
    state.addAttributes(attributes);
    state.addTypes(resultTypes);
    Operation *created = builder.create(state);
    if (failed(verify(created))) {
      locations.countError();
      created->erase();
      return Value();
    }
    return created->getResult(0);
  }

  /// Elementwise math is defined on floats; integer tensors are labels.
  LogicalResult requireFloats(StringRef opName, Location loc,
                              ArrayRef<Operand> operands) {
    for (const Operand &operand : operands) {
      if (!operand.value ||
          isa<FloatType>(
              cast<RankedTensorType>(operand.value.getType()).getElementType()))
        continue;
      locations.countError();
      return emitError(loc)
             << opName << ": " << grad::describe(operand.value, "the operand")
             << " but " << opName << " works on f32 or f64 tensors";
    }
    return success();
  }

  /// The element type literal numbers take among these operands.
  Type scalarType(ArrayRef<Operand> operands) {
    for (const Operand &operand : operands)
      if (operand.value)
        return cast<RankedTensorType>(operand.value.getType()).getElementType();
    return floatType;
  }

  /// `number` as a constant of `elementType`; null (with an error) when it
  /// does not fit, rather than a silent infinity.
  Value splat(Location loc, Type elementType, double number,
              ArrayRef<int64_t> shape = {}) {
    if (!fits(elementType, number)) {
      locations.countError();
      emitError(loc) << "the number " << shortNumber(number) << " is "
                     << kBeyondF32
                     << ", the type of the tensor it meets; use f64 tensors "
                     << "or a smaller number";
      return Value();
    }
    auto type = RankedTensorType::get(shape, elementType);
    return builder.create<grad::ConstantOp>(
        loc, SplatElementsAttr::get(type,
                                    builder.getFloatAttr(elementType, number)));
  }

  /// NumPy broadcasting of two operands to a common shape, made explicit
  /// with grad.broadcast; numbers become constants of the tensor's type.
  LogicalResult broadcastPair(StringRef opName, Location loc, Operand &lhs,
                              Operand &rhs) {
    if (!lhs.value && !rhs.value)
      return success(); // two numbers: scalars of the default type
    if (!lhs.value || !rhs.value) {
      Operand &number = lhs.value ? rhs : lhs;
      auto type =
          cast<RankedTensorType>((lhs.value ? lhs : rhs).value.getType());
      number.value =
          splat(loc, type.getElementType(), *number.number, type.getShape());
      return success(number.value != nullptr);
    }
    auto lhsType = cast<RankedTensorType>(lhs.value.getType());
    auto rhsType = cast<RankedTensorType>(rhs.value.getType());
    auto mismatch = [&]() {
      locations.countError();
      return emitError(loc)
             << opName << ": " << grad::describe(lhs.value, "lhs") << " but "
             << grad::describe(rhs.value, "rhs") << "; ";
    };
    if (lhsType.getElementType() != rhsType.getElementType())
      return mismatch() << "element types differ";
    int64_t rank = std::max(lhsType.getRank(), rhsType.getRank());
    SmallVector<int64_t> shape(rank);
    for (int64_t i = 0; i < rank; ++i) {
      int64_t a = i < lhsType.getRank()
                      ? lhsType.getDimSize(lhsType.getRank() - 1 - i)
                      : 1;
      int64_t b = i < rhsType.getRank()
                      ? rhsType.getDimSize(rhsType.getRank() - 1 - i)
                      : 1;
      if (a != b && a != 1 && b != 1)
        return mismatch() << "cannot broadcast " << a << " with " << b;
      shape[rank - 1 - i] = std::max(a, b);
    }
    for (Operand *operand : {&lhs, &rhs}) {
      if (cast<RankedTensorType>(operand->value.getType()).getShape() !=
          ArrayRef(shape))
        operand->value = builder.create<grad::BroadcastOp>(
            loc, operand->value, builder.getDenseI64ArrayAttr(shape));
    }
    return success();
  }

  /// Keyword arguments as op attributes: numbers, lists of integers,
  /// true/false, element types, and model constants.
  std::optional<NamedAttrList> keywordAttrs(StringRef name,
                                            RegisteredOperationName op,
                                            ArrayRef<KeywordArg> keywords) {
    NamedAttrList attributes;
    bool ok = true;
    for (const KeywordArg &keyword : keywords) {
      if (!llvm::is_contained(op.getAttributeNames(), keyword.name)) {
        std::string known;
        for (StringAttr attribute : op.getAttributeNames())
          known += (known.empty() ? "" : ", ") + attribute.str();
        {
          locations.error(at(keyword.loc))
              << name << " has no argument '" << keyword.name << "'"
              << (known.empty() ? std::string(" (it takes none)")
                                : " (it takes: " + known + ")");
          ok = false;
        }
        continue;
      }
      if (Attribute attribute = literalAttr(*keyword.value))
        attributes.set(keyword.name, attribute);
      else {
        locations.error(at(keyword.value->loc))
            << "argument '" << keyword.name << "' must be a number, a list "
            << "of integers, true/false or an element type";
        ok = false;
      }
    }
    if (!ok)
      return std::nullopt;
    // An omitted element type means the source's f32, which gradc check
    // promotes to f64 along with every other f32.
    if (llvm::any_of(op.getAttributeNames(),
                     [](StringAttr name) { return name == "dtype"; }) &&
        !attributes.get("dtype"))
      attributes.set("dtype", TypeAttr::get(floatType));
    return attributes;
  }

  Attribute literalAttr(const Expr &expr) {
    if (expr.kind == Expr::Name) {
      if (expr.name == "true" || expr.name == "false")
        return builder.getBoolAttr(expr.name == "true");
      if (Type type = llvm::StringSwitch<Type>(expr.name)
                          .Case("f32", floatType)
                          .Case("f64", builder.getF64Type())
                          .Default(Type()))
        return TypeAttr::get(type);
    }
    if (expr.kind == Expr::List) {
      SmallVector<int64_t> values;
      for (const ExprPtr &element : expr.operands) {
        std::optional<double> number = literalNumber(*element);
        std::optional<int64_t> value =
            number ? wholeNumber(*number) : std::nullopt;
        if (!value)
          return Attribute();
        values.push_back(*value);
      }
      return builder.getDenseI64ArrayAttr(values);
    }
    std::optional<double> number = literalNumber(expr);
    if (!number)
      return Attribute();
    std::optional<int64_t> integer = wholeNumber(*number);
    if (integer && (expr.kind != Expr::Number || expr.isInteger))
      return builder.getI64IntegerAttr(*integer);
    return builder.getF64FloatAttr(*number);
  }

  SourceLocations &locations;
  MLIRContext *context;
  OpBuilder builder;
  Type floatType; // what f32 in the source means
  std::string modelName;
  llvm::StringMap<double> constants;
  std::vector<llvm::StringMap<Binding>> scopes{1};
  Binding constantBinding;
  llvm::StringMap<const Stmt *> blocks;
  llvm::StringSet<> activeBlocks;
  SmallVector<Location> callSites;
  std::vector<std::pair<std::string, Value>> outputs;
  std::optional<DictionaryAttr> optimizer;
  std::string lossName;
  Value lossValue;
};

} // namespace
} // namespace gradc::frontend

mlir::OwningOpRef<mlir::ModuleOp>
gradc::importModel(const llvm::SourceMgr &sourceMgr, MLIRContext *context,
                   ImportOptions options) {
  frontend::SourceLocations locations(sourceMgr, context);
  std::vector<frontend::Stmt> statements = frontend::parseFile(locations);
  auto module = frontend::ModelEmitter(locations, options).emit(statements);
  // Semantic checks run on the statements that parsed even after a syntax
  // error, so one run reports every error it can find, up to the limit.
  if (locations.atErrorLimit())
    mlir::emitError(mlir::FileLineColLoc::get(
        context,
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
            ->getBufferIdentifier(),
        0, 0))
        << "stopped after " << frontend::SourceLocations::kErrorLimit
        << " errors; fix these and run again";
  if (locations.errorCount() > 0)
    return nullptr;
  return module;
}
