// Fixture for the layering check: Beast outside src/http/.
#include <boost/beast/core.hpp>
