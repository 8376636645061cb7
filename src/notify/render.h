// Mustache rendering for notification templates (kainjow/mustache, Debian
// libkainjow-mustache-dev), kept in one file: the library is a large
// header. Values are HTML-escaped only where the output is HTML.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/result.h"

namespace sb::notify {

enum class Escape { kHtml, kNone };

// InvalidArgument naming `field` if the template does not parse or render.
Result<std::string> render(std::string_view tmpl, const boost::json::value& data, Escape escape,
                           const std::string& field);

}  // namespace sb::notify
