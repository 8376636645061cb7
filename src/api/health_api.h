#pragma once

#include "api/component.h"
#include "http/message.h"

namespace sb::store { class Db; }
namespace sb::metrics { class Registry; }

namespace sb::api {

struct OperationsDeps {
  store::Db* db = nullptr;
  metrics::Registry* metrics = nullptr;
};

http::Response health(http::Request& req);
http::Response ready(const OperationsDeps& s, http::Request& req);
http::Response metrics(const OperationsDeps& s, http::Request& req);

// /health, /ready, /metrics.
class OperationsComponent final : public Component {
 public:
  explicit OperationsComponent(Kernel& kernel) : Component("operations"), kernel_(kernel) {}
  Status init() override;
  void routes(std::vector<http::Route>& out) override;

 private:
  Kernel& kernel_;
  OperationsDeps deps_;
};

}  // namespace sb::api
