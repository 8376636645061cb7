// Numbers as the SDKs read them for the NUM_* operators: JavaScript's
// Number(text). Allocation-free: a context value is parsed per evaluation.
#pragma once

#include <string_view>

namespace sb::flags {

// Surrounding whitespace ignored, "" -> 0, optional sign, decimal with
// fraction/exponent, "Infinity", 0x/0o/0b integers. False for NaN.
bool js_number(std::string_view text, double& out);

}  // namespace sb::flags
