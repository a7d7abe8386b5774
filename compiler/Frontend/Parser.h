//===- Parser.h - .grad text to syntax tree ----------------------*- C++
//-*-===//
#ifndef GRADC_COMPILER_FRONTEND_PARSER_H
#define GRADC_COMPILER_FRONTEND_PARSER_H

#include "AST.h"
#include "SourceLocations.h"

namespace gradc::frontend {

/// Parses every statement of the main buffer. A syntax error is reported and
/// the parser resumes at the next line, so one run reports all of them.
std::vector<Stmt> parseFile(SourceLocations &locations);

} // namespace gradc::frontend

#endif // GRADC_COMPILER_FRONTEND_PARSER_H
