// Fixture for the layering check: core must not reach up to http.
#pragma once
#include "http/router.h"
