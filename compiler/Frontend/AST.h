//===- AST.h - syntax tree of a .grad file -----------------------*- C++
//-*-===//
//
// The parser's output and the emitter's input. Blocks need a tree because
// their bodies are emitted once per call; everything else could be emitted
// while parsing, but one representation keeps the two halves independent.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_COMPILER_FRONTEND_AST_H
#define GRADC_COMPILER_FRONTEND_AST_H

#include "Lexer.h"

#include <memory>
#include <string>
#include <vector>

namespace gradc::frontend {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct KeywordArg {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr value;
};

struct Expr {
  enum Kind { Number, Name, Call, Binary, Negate, List };
  Kind kind;
  llvm::SMLoc loc;
  double number = 0;               // Number
  bool isInteger = false;          // Number
  std::string name;                // Name, Call (the callee)
  Token::Kind op = Token::Invalid; // Binary
  std::vector<ExprPtr> operands; // Call arguments, Binary/Negate operands, List
  std::vector<KeywordArg> keywords; // Call
  int depth = 1;                    // levels of the tree this node heads
};

/// One dimension of a declared shape: arithmetic on sizes and model
/// constants, like `batch` or `16 * 5 * 5`.
struct Dim {
  llvm::SMLoc loc;
  ExprPtr size;
  std::string text; // as written, for messages
};

struct TypeSpec {
  llvm::SMLoc loc;
  std::string dtype;
  llvm::SMLoc dtypeLoc;
  std::vector<Dim> dims;
};

struct Stmt {
  /// Invalid: a statement with a syntax error; `name` (if known) is what it
  /// would have defined, so later uses of it stay silent.
  enum Kind {
    Model,
    Input,
    Label,
    Param,
    Assign,
    Output,
    Block,
    Optimize,
    Invalid
  };
  Kind kind;
  llvm::SMLoc loc;
  std::string name;
  llvm::SMLoc nameLoc;
  TypeSpec type;       // Input, Label, Param
  ExprPtr value;       // Assign, Output (optional), Param (initializer)
  bool frozen = false; // Param
  std::vector<KeywordArg> keywords; // Model constants
  ExprPtr optimizer;                // Optimize: the optimizer call
  std::vector<std::pair<std::string, llvm::SMLoc>> params; // Block
  std::vector<Stmt> body; // Block: its assignments
  ExprPtr result;         // Block: its return value
};

} // namespace gradc::frontend

#endif // GRADC_COMPILER_FRONTEND_AST_H
