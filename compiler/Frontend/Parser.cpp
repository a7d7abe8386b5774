//===- Parser.cpp - .grad text to syntax tree -----------------------------===//
//
//   file      := (statement? NEWLINE)*
//   statement := 'model' NAME ('(' keywords ')')?
//              | ('input' | 'label') NAME ':' type
//              | 'param' NAME ':' type '=' initializer 'frozen'?
//              | 'block' NAME '(' names ')' ('=' expr | '{' body '}')
//              | 'output' NAME ('=' expr)?
//              | 'optimize' NAME 'with' call
//              | NAME '=' expr
//   type      := DTYPE '[' (dim (',' dim)*)? ']'
//   expr      := term (('+' | '-') term)*
//   term      := unary (('*' | '/' | '@') unary)*
//   unary     := '-' unary | primary
//   primary   := NUMBER | NAME | call | '(' expr ')' | '[' exprs ']'
//   call      := NAME '(' (expr | NAME '=' expr) % ',' ')'
//
// An expression may nest at most kMaxExpressionDepth levels (parentheses,
// signs, calls, and each operator of a chain such as a + b + c), so that no
// input can exhaust the stack of the recursive passes that follow.
//
//===----------------------------------------------------------------------===//
#include "Parser.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gradc::frontend {
namespace {

constexpr int kMaxExpressionDepth = 512;

class Parser {
public:
  explicit Parser(SourceLocations &locations) : locations(locations) {
    Lexer lexer(locations.buffer());
    do
      tokens.push_back(lexer.next());
    while (!tokens.back().is(Token::Eof));
  }

  std::vector<Stmt> parseFile() {
    std::vector<Stmt> statements;
    while (!at(Token::Eof) && !locations.atErrorLimit()) {
      if (consume(Token::Newline))
        continue;
      Stmt statement;
      if (parseStatement(statement) && expectEndOfStatement()) {
        statements.push_back(std::move(statement));
        continue;
      }
      skipLine();
      // Keep what a broken line defined, so its later uses stay silent; a
      // broken model line keeps the constants parsed before the error.
      if (statement.kind == Stmt::Model) {
        statements.push_back(std::move(statement));
      } else if (!statement.name.empty()) {
        statement.kind = Stmt::Invalid;
        statements.push_back(std::move(statement));
      }
    }
    return statements;
  }

private:
  //===--------------------------------------------------------------------===//
  // Tokens
  //===--------------------------------------------------------------------===//

  /// The token `ahead` places on; line breaks are skipped inside
  /// parentheses, so argument lists may span lines.
  const Token &peek(size_t ahead = 0) {
    if (parentheses > 0)
      while (tokens[position].is(Token::Newline))
        ++position;
    size_t index = position;
    for (size_t skipped = 0; skipped < ahead && index + 1 < tokens.size();) {
      ++index;
      if (parentheses == 0 || !tokens[index].is(Token::Newline))
        ++skipped;
    }
    return tokens[std::min(index, tokens.size() - 1)];
  }
  bool at(Token::Kind kind) { return peek().is(kind); }
  Token take() {
    Token token = peek();
    if (!token.is(Token::Eof))
      lastTaken = position++;
    return token;
  }
  bool consume(Token::Kind kind) {
    if (!at(kind))
      return false;
    take();
    return true;
  }

  bool fail(const Token &token, const llvm::Twine &message) {
    locations.error(token.loc()) << message;
    return false;
  }
  bool expect(Token::Kind kind, llvm::StringRef context) {
    if (consume(kind))
      return true;
    return fail(peek(), llvm::Twine("expected ") + spell(kind) + " " + context +
                            ", found " + describeToken(peek()));
  }
  /// Expects the token closing a bracket opened at `open`, pointing there
  /// when it is missing.
  bool expectClosing(Token::Kind kind, llvm::SMLoc open,
                     llvm::StringRef context) {
    if (consume(kind))
      return true;
    // A bracket left open at the end of a line: report it there and resume
    // at that line's end, so the next line is parsed on its own.
    size_t lineEnd = lastTaken + 1;
    while (lineEnd < position && !tokens[lineEnd].is(Token::Newline))
      ++lineEnd;
    if (lineEnd < position)
      position = lineEnd;
    parentheses = 0;
    auto diagnostic = locations.error(peek().loc());
    diagnostic << "expected " << spell(kind) << " " << context << ", found "
               << describeToken(peek());
    diagnostic.attachNote(locations.get(open)) << "opened here";
    return false;
  }
  bool expectName(std::string &name, llvm::SMLoc &loc, llvm::StringRef what) {
    if (!at(Token::Identifier))
      return fail(peek(),
                  "expected " + what + ", found " + describeToken(peek()));
    Token token = take();
    name = token.text.str();
    loc = token.loc();
    return true;
  }
  std::string describeToken(const Token &token) {
    if (token.is(Token::Invalid) &&
        static_cast<unsigned char>(token.text.front()) >= 0x80)
      return "'" + token.text.str() +
             "' (names are ASCII letters, digits and '_')";
    if (token.is(Token::Identifier) || token.is(Token::Integer) ||
        token.is(Token::Float) || token.is(Token::Invalid))
      return "'" + token.text.str() + "'";
    return spell(token.kind);
  }
  bool expectEndOfStatement() {
    if (at(Token::Newline) || at(Token::Eof))
      return true;
    return fail(peek(), "expected end of line after the statement, found " +
                            describeToken(peek()));
  }
  /// Error recovery: drop the rest of the current line.
  void skipLine() {
    parentheses = 0;
    while (!at(Token::Newline) && !at(Token::Eof))
      take();
  }

  /// Counts an open parenthesis for the duration of a parse function.
  struct InParentheses {
    explicit InParentheses(int &depth) : depth(depth) { ++depth; }
    ~InParentheses() { depth = depth > 0 ? depth - 1 : 0; }
    int &depth;
  };

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  bool parseStatement(Stmt &statement) {
    const Token &first = peek();
    statement.loc = first.loc();
    if (!first.is(Token::Identifier))
      return fail(first, "expected a statement, found " + describeToken(first));
    // A keyword followed by '=' is an ordinary assignment to that name.
    if (peek(1).is(Token::Equal))
      return parseAssignment(statement);
    llvm::StringRef word = first.text;
    if (word == "model")
      return parseModel(statement);
    if (word == "input" || word == "label" || word == "param")
      return parseDeclaration(statement);
    if (word == "block")
      return parseBlock(statement);
    if (word == "output")
      return parseOutput(statement);
    if (word == "optimize")
      return parseOptimize(statement);
    return fail(peek(1), "expected '=' after '" + word.str() +
                             "' (statements are 'model', 'input', 'label', "
                             "'param', 'block', 'output', 'optimize', or "
                             "NAME = expression)");
  }

  bool parseModel(Stmt &statement) {
    take();
    statement.kind = Stmt::Model;
    if (!expectName(statement.name, statement.nameLoc, "the model's name"))
      return false;
    if (!consume(Token::LParen))
      return true;
    std::vector<ExprPtr> positional;
    return parseArguments(positional, statement.keywords) &&
           requireKeywordsOnly(positional, "model constants are written as "
                                           "NAME = value, like batch = 100");
  }

  bool parseDeclaration(Stmt &statement) {
    Token keyword = take();
    statement.kind = keyword.text == "input"   ? Stmt::Input
                     : keyword.text == "label" ? Stmt::Label
                                               : Stmt::Param;
    if (!expectName(statement.name, statement.nameLoc,
                    "a name after '" + keyword.text.str() + "'") ||
        !expect(Token::Colon, "after the name (as in x : f32[batch, 784])") ||
        !parseType(statement.type))
      return false;
    if (statement.kind != Stmt::Param)
      return true;
    if (!consume(Token::Equal))
      return fail(peek(), "parameter '" + statement.name +
                              "' needs an initializer, as in '= he_normal' or "
                              "'= zeros'");
    statement.value = parsePrimary();
    if (!statement.value)
      return false;
    if (peek().isKeyword("frozen")) {
      take();
      statement.frozen = true;
    }
    return true;
  }

  bool parseType(TypeSpec &type) {
    type.loc = peek().loc();
    if (!expectName(type.dtype, type.dtypeLoc,
                    "an element type (f32, f64, i32, i64)") ||
        !expect(Token::LBracket, "after the element type"))
      return false;
    if (consume(Token::RBracket))
      return true;
    do {
      Dim dim;
      dim.loc = peek().loc();
      if (!at(Token::Integer) && !at(Token::Identifier) && !at(Token::LParen))
        return fail(peek(), "expected a dimension (a size, a model constant or "
                            "arithmetic on them, like 16 * 5 * 5), found " +
                                describeToken(peek()));
      dim.size = parseExpr();
      if (!dim.size)
        return false;
      const char *start = dim.loc.getPointer();
      dim.text = llvm::StringRef(start, peek().loc().getPointer() - start)
                     .rtrim()
                     .str();
      type.dims.push_back(std::move(dim));
    } while (consume(Token::Comma));
    return expect(Token::RBracket, "to close the shape");
  }

  bool parseAssignment(Stmt &statement) {
    statement.kind = Stmt::Assign;
    Token name = take();
    statement.name = name.text.str();
    statement.nameLoc = name.loc();
    take(); // '='
    statement.value = parseExpr();
    return statement.value != nullptr;
  }

  bool parseOutput(Stmt &statement) {
    take();
    statement.kind = Stmt::Output;
    if (!expectName(statement.name, statement.nameLoc, "the output's name"))
      return false;
    if (!consume(Token::Equal))
      return true;
    statement.value = parseExpr();
    return statement.value != nullptr;
  }

  bool parseOptimize(Stmt &statement) {
    take();
    statement.kind = Stmt::Optimize;
    if (!expectName(statement.name, statement.nameLoc, "the name of the loss"))
      return false;
    if (!peek().isKeyword("with"))
      return fail(peek(), "expected 'with' after the loss, as in 'optimize "
                          "loss with sgd(lr = 0.1)'");
    take();
    if (!at(Token::Identifier))
      return fail(peek(), "expected an optimizer (sgd, momentum, adam, ...)");
    statement.optimizer = parsePrimary();
    return statement.optimizer != nullptr;
  }

  bool parseBlock(Stmt &statement) {
    take();
    statement.kind = Stmt::Block;
    if (!expectName(statement.name, statement.nameLoc, "the block's name") ||
        !expect(Token::LParen, "before the block's parameters"))
      return false;
    if (!consume(Token::RParen)) {
      do {
        std::string name;
        llvm::SMLoc loc;
        if (!expectName(name, loc, "a parameter name"))
          return false;
        statement.params.emplace_back(name, loc);
      } while (consume(Token::Comma));
      if (!expect(Token::RParen, "after the block's parameters"))
        return false;
    }
    if (consume(Token::Equal)) {
      statement.result = parseExpr();
      return statement.result != nullptr;
    }
    if (!expect(Token::LBrace, "or '=' to start the block's body"))
      return false;
    return parseBlockBody(statement);
  }

  /// NAME = expr lines, then 'return expr', then '}'. Errors inside the
  /// body skip a line and carry on, like at top level.
  bool parseBlockBody(Stmt &block) {
    bool ok = true;
    while (true) {
      if (consume(Token::Newline))
        continue;
      if (at(Token::Eof))
        return fail(peek(),
                    "block '" + block.name + "' is missing its closing '}'");
      if (consume(Token::RBrace))
        break;
      if (peek().isKeyword("return") && !peek(1).is(Token::Equal)) {
        if (block.result) {
          ok = fail(peek(), "block '" + block.name + "' returns twice");
          skipLine();
          continue;
        }
        take();
        block.result = parseExpr();
        if (!block.result || !expectEndOfStatement()) {
          ok = false;
          skipLine();
        }
        continue;
      }
      Stmt statement;
      statement.loc = peek().loc();
      if (!at(Token::Identifier) || !peek(1).is(Token::Equal)) {
        ok = fail(peek(), "expected NAME = expression or 'return' inside "
                          "block '" +
                              block.name + "'");
        skipLine();
        continue;
      }
      if (parseAssignment(statement) && expectEndOfStatement())
        block.body.push_back(std::move(statement));
      else {
        ok = false;
        skipLine();
      }
    }
    if (ok && !block.result)
      return fail(tokens[position - 1],
                  "block '" + block.name + "' has no 'return' statement");
    return ok;
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  ExprPtr parseExpr() {
    ExprPtr lhs = parseTerm();
    while (lhs && (at(Token::Plus) || at(Token::Minus)))
      lhs = parseBinaryRest(std::move(lhs), &Parser::parseTerm);
    return lhs;
  }

  ExprPtr parseTerm() {
    ExprPtr lhs = parseUnary();
    while (lhs && (at(Token::Star) || at(Token::Slash) || at(Token::At)))
      lhs = parseBinaryRest(std::move(lhs), &Parser::parseUnary);
    return lhs;
  }

  ExprPtr parseBinaryRest(ExprPtr lhs, ExprPtr (Parser::*operand)()) {
    Token op = take();
    ExprPtr rhs = (this->*operand)();
    if (!rhs)
      return nullptr;
    auto binary = std::make_unique<Expr>();
    binary->kind = Expr::Binary;
    binary->loc = op.loc();
    binary->op = op.kind;
    binary->operands.push_back(std::move(lhs));
    binary->operands.push_back(std::move(rhs));
    return measured(std::move(binary), op);
  }

  /// Counts a level of recursion for the duration of a parse function.
  struct Nesting {
    explicit Nesting(int &depth) : depth(depth) { ++depth; }
    ~Nesting() { --depth; }
    int &depth;
  };
  void failTooDeep(const Token &token) {
    fail(token, "this expression nests more than " +
                    llvm::Twine(kMaxExpressionDepth) +
                    " levels deep; split it into named steps (t = ...)");
  }
  /// `node` with its depth set from its operands; null if that is too deep.
  ExprPtr measured(ExprPtr node, const Token &at) {
    for (const ExprPtr &operand : node->operands)
      node->depth = std::max(node->depth, operand->depth + 1);
    for (const KeywordArg &keyword : node->keywords)
      node->depth = std::max(node->depth, keyword.value->depth + 1);
    if (node->depth <= kMaxExpressionDepth)
      return node;
    failTooDeep(at);
    return nullptr;
  }

  ExprPtr parseUnary() {
    Nesting nested(recursion);
    if (recursion > kMaxExpressionDepth) {
      failTooDeep(peek());
      return nullptr;
    }
    if (!at(Token::Minus))
      return parsePrimary();
    Token minus = take();
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    // Fold the sign into a literal so "-1" is a number, not neg(1).
    if (operand->kind == Expr::Number) {
      operand->number = -operand->number;
      operand->loc = minus.loc();
      return operand;
    }
    auto negate = std::make_unique<Expr>();
    negate->kind = Expr::Negate;
    negate->loc = minus.loc();
    negate->operands.push_back(std::move(operand));
    return measured(std::move(negate), minus);
  }

  ExprPtr parsePrimary() {
    auto expr = std::make_unique<Expr>();
    expr->loc = peek().loc();
    if (at(Token::Integer) || at(Token::Float)) {
      Token number = take();
      expr->kind = Expr::Number;
      expr->isInteger = number.is(Token::Integer);
      expr->number = std::strtod(number.text.str().c_str(), nullptr);
      if (!std::isfinite(expr->number)) {
        fail(number, "the number " + number.text +
                         " is beyond the range of f64 (about 1.8e308)");
        return nullptr;
      }
      return expr;
    }
    if (consume(Token::LParen)) {
      InParentheses inside(parentheses);
      ExprPtr inner = parseExpr();
      if (!inner || !expectClosing(Token::RParen, expr->loc, "to close '('"))
        return nullptr;
      return inner;
    }
    if (consume(Token::LBracket)) {
      InParentheses inside(parentheses);
      expr->kind = Expr::List;
      if (consume(Token::RBracket))
        return expr;
      do {
        ExprPtr element = parseExpr();
        if (!element)
          return nullptr;
        expr->operands.push_back(std::move(element));
      } while (consume(Token::Comma));
      if (!expectClosing(Token::RBracket, expr->loc, "to close the list"))
        return nullptr;
      return measured(std::move(expr), tokens[position - 1]);
    }
    if (!at(Token::Identifier)) {
      fail(peek(), "expected an expression, found " + describeToken(peek()));
      return nullptr;
    }
    expr->name = take().text.str();
    if (!consume(Token::LParen)) {
      expr->kind = Expr::Name;
      return expr;
    }
    expr->kind = Expr::Call;
    if (!parseArguments(expr->operands, expr->keywords))
      return nullptr;
    return measured(std::move(expr), tokens[position - 1]);
  }

  /// Arguments after '(' up to and including ')'. Positional arguments must
  /// come before keyword arguments.
  bool parseArguments(std::vector<ExprPtr> &positional,
                      std::vector<KeywordArg> &keywords) {
    InParentheses inside(parentheses);
    llvm::SMLoc open = tokens[position - 1].loc();
    if (consume(Token::RParen))
      return true;
    do {
      if (at(Token::Identifier) && peek(1).is(Token::Equal)) {
        KeywordArg keyword;
        keyword.loc = peek().loc();
        keyword.name = take().text.str();
        take(); // '='
        keyword.value = parseExpr();
        if (!keyword.value)
          return false;
        keywords.push_back(std::move(keyword));
        continue;
      }
      if (!keywords.empty())
        return fail(peek(), "positional arguments must come before keyword "
                            "arguments");
      ExprPtr argument = parseExpr();
      if (!argument)
        return false;
      positional.push_back(std::move(argument));
    } while (consume(Token::Comma));
    return expectClosing(Token::RParen, open, "to close the argument list");
  }

  bool requireKeywordsOnly(const std::vector<ExprPtr> &positional,
                           llvm::StringRef hint) {
    if (positional.empty())
      return true;
    locations.error(positional.front()->loc) << hint;
    return false;
  }

  SourceLocations &locations;
  std::vector<Token> tokens;
  size_t position = 0;
  size_t lastTaken = 0;
  int parentheses = 0;
  int recursion = 0; // parse functions active, for kMaxExpressionDepth
};

} // namespace

std::vector<Stmt> parseFile(SourceLocations &locations) {
  return Parser(locations).parseFile();
}

} // namespace gradc::frontend
