// Interpretation of OPA's response to POST /v1/data/mem0/authz/decision.
#pragma once

#include <string>
#include <string_view>

namespace memgov::authz {

// Outcome of one policy evaluation. When the engine failed, evaluated is
// false and allowed is false too: the stage fails closed.
struct policy_outcome {
  bool evaluated = false;
  bool allowed = false;
  std::string reason;    // Denial reason; empty when allowed.
  std::string revision;  // result.revision, when the policy reports one.
  // result.cross_tenant: the policy exempts the caller from tenant isolation. False when absent.
  bool cross_tenant = false;
  std::string error_cause;  // Metric label of the failure, e.g. "timeout", when !evaluated.
};

// Builds the failed outcome: reason "policy engine unavailable: <detail>".
policy_outcome engine_failure(std::string cause, const std::string& detail);

// Reads an HTTP response from OPA. The request is allowed only when
// result.allow is true and result.deny is empty or absent. The reason is the
// deny messages joined with "; ", else result.reason, else
// "no policy rule allows <action>". A status other than 200, a body that is
// not JSON, a missing or non-object result, or a deny that is not a list
// gives a failed outcome.
policy_outcome interpret_policy_response(int status, std::string_view body,
                                         const std::string& action);

}  // namespace memgov::authz
