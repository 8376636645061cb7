// What every `switchboard` command prints the same way: errors (exit code 2
// for bad input, 1 otherwise) and left-aligned tables.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sb::app {

// Prints "error: …" (and each field when there are several) to stderr;
// returns the exit code.
int fail(const Status& s);

using Row = std::vector<std::string>;
// Left-aligned columns, two spaces apart; the first row is the header.
void print_table(const std::vector<Row>& rows);

}  // namespace sb::app
