//===- Lexer.h - tokens of the .grad language --------------------*- C++
//-*-===//
#ifndef GRADC_COMPILER_FRONTEND_LEXER_H
#define GRADC_COMPILER_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

namespace gradc::frontend {

struct Token {
  enum Kind {
    Eof,
    Newline,
    Identifier,
    Integer,
    Float,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Equal,
    Plus,
    Minus,
    Star,
    Slash,
    At,
    Invalid,
  };
  Kind kind = Eof;
  llvm::StringRef text;

  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(text.data()); }
  bool is(Kind k) const { return kind == k; }
  bool isKeyword(llvm::StringRef word) const {
    return kind == Identifier && text == word;
  }
};

/// Splits a buffer into tokens. Newlines are tokens (statements end at
/// them; the parser skips those inside parentheses); `#` starts a comment.
class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer)
      : buffer(buffer), cursor(buffer.begin()) {}
  Token next();

private:
  Token make(Token::Kind kind, const char *start) const;
  llvm::StringRef buffer;
  const char *cursor;
};

/// A readable name for a token kind, for "expected X" diagnostics.
const char *spell(Token::Kind kind);

} // namespace gradc::frontend

#endif // GRADC_COMPILER_FRONTEND_LEXER_H
