//===- Lexer.cpp - tokens of the .grad language ---------------------------===//
#include "Lexer.h"

#include "llvm/ADT/StringExtras.h"

namespace gradc::frontend {

Token Lexer::make(Token::Kind kind, const char *start) const {
  return Token{kind, llvm::StringRef(start, cursor - start)};
}

Token Lexer::next() {
  const char *end = buffer.end();
  while (true) {
    while (cursor != end &&
           (*cursor == ' ' || *cursor == '\t' || *cursor == '\r'))
      ++cursor;
    if (cursor != end && *cursor == '#') {
      while (cursor != end && *cursor != '\n')
        ++cursor;
      continue;
    }
    break;
  }
  const char *start = cursor;
  if (cursor == end)
    return make(Token::Eof, start);
  char c = *cursor++;
  if (c == '\n')
    return make(Token::Newline, start);
  if (llvm::isAlpha(c) || c == '_') {
    while (cursor != end && (llvm::isAlnum(*cursor) || *cursor == '_'))
      ++cursor;
    return make(Token::Identifier, start);
  }
  if (llvm::isDigit(c) ||
      (c == '.' && cursor != end && llvm::isDigit(*cursor))) {
    bool isFloat = c == '.';
    while (cursor != end && (llvm::isDigit(*cursor) || *cursor == '.')) {
      isFloat |= *cursor == '.';
      ++cursor;
    }
    if (cursor != end && (*cursor == 'e' || *cursor == 'E')) {
      const char *exponent = cursor + 1;
      if (exponent != end && (*exponent == '+' || *exponent == '-'))
        ++exponent;
      if (exponent != end && llvm::isDigit(*exponent)) {
        isFloat = true;
        cursor = exponent;
        while (cursor != end && llvm::isDigit(*cursor))
          ++cursor;
      }
    }
    return make(isFloat ? Token::Float : Token::Integer, start);
  }
  switch (c) {
  case '(':
    return make(Token::LParen, start);
  case ')':
    return make(Token::RParen, start);
  case '[':
    return make(Token::LBracket, start);
  case ']':
    return make(Token::RBracket, start);
  case '{':
    return make(Token::LBrace, start);
  case '}':
    return make(Token::RBrace, start);
  case ',':
    return make(Token::Comma, start);
  case ':':
    return make(Token::Colon, start);
  case '=':
    return make(Token::Equal, start);
  case '+':
    return make(Token::Plus, start);
  case '-':
    return make(Token::Minus, start);
  case '*':
    return make(Token::Star, start);
  case '/':
    return make(Token::Slash, start);
  case '@':
    return make(Token::At, start);
  default:
    // A character outside ASCII is one token of all its UTF-8 bytes, so a
    // message can quote it whole.
    if (static_cast<unsigned char>(c) >= 0x80)
      while (cursor != end &&
             (static_cast<unsigned char>(*cursor) & 0xC0) == 0x80)
        ++cursor;
    return make(Token::Invalid, start);
  }
}

const char *spell(Token::Kind kind) {
  switch (kind) {
  case Token::Eof:
    return "end of file";
  case Token::Newline:
    return "end of line";
  case Token::Identifier:
    return "a name";
  case Token::Integer:
    return "an integer";
  case Token::Float:
    return "a number";
  case Token::LParen:
    return "'('";
  case Token::RParen:
    return "')'";
  case Token::LBracket:
    return "'['";
  case Token::RBracket:
    return "']'";
  case Token::LBrace:
    return "'{'";
  case Token::RBrace:
    return "'}'";
  case Token::Comma:
    return "','";
  case Token::Colon:
    return "':'";
  case Token::Equal:
    return "'='";
  case Token::Plus:
    return "'+'";
  case Token::Minus:
    return "'-'";
  case Token::Star:
    return "'*'";
  case Token::Slash:
    return "'/'";
  case Token::At:
    return "'@'";
  case Token::Invalid:
    return "an invalid character";
  }
  return "?";
}

} // namespace gradc::frontend
