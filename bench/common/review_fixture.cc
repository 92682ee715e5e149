#include "review_fixture.h"

#include "coco-admit/core/json.h"

namespace coco_admit::bench {

namespace {

void build(review_fixture& f, const review_input& input, const std::string& extra_yaml, expected_response mutate_want,
           bool realistic) {
  auto prog = compile_with(extra_yaml, realistic);
  if (!prog.ok()) {
    f.error = prog.err().message;
    return;
  }
  f.prog = *prog;
  f.rules = f.prog->rule_count();
  f.cluster = make_cluster();
  f.env.cluster = &f.cluster;

  f.mutate_body = std::make_unique<padded_body>(input.body);
  f.mutate_want = std::move(mutate_want);
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*f.prog, admission::webhook::mutate, f.mutate_body->view(), true, f.env, scratch, out, outcome);
  if (std::string why = check_response(out, f.mutate_want); !why.empty()) {
    f.error = "mutate: " + why;
    return;
  }
  f.mutate_answers = outcome.rules.size();
  auto mutated = apply_response_patch(out, input.object);
  if (!mutated.ok()) {
    f.error = "mutate: patch does not apply: " + mutated.err().message;
    return;
  }
  f.validate_body = std::make_unique<padded_body>(input.around(*mutated));
  f.validate_want.uid = input.uid;
  f.validate_want.allowed = true;
  f.validate_want.patch_ops = 0;
  admission::review(*f.prog, admission::webhook::validate, f.validate_body->view(), true, f.env, scratch, out, outcome);
  if (std::string why = check_response(out, f.validate_want); !why.empty()) {
    f.error = "validate: " + why;
    return;
  }
  f.validate_answers = outcome.rules.size();
  // Every realistic validate rule must have run (and passed), or the
  // benchmark would time a request the policies never looked at.
  std::size_t passed = 0;
  for (const auto& r : outcome.rules) passed += r.status == rule_status::pass;
  if (realistic && passed < 8) f.error = "validate: only " + std::to_string(passed) + " rules passed, expected at least 8";
}

}  // namespace

const review_fixture& get_review_fixture(const std::string& key, const review_input& input,
                                         const std::string& extra_yaml, expected_response mutate_want,
                                         bool realistic) {
  static std::map<std::string, std::unique_ptr<review_fixture>> cache;
  auto& slot = cache[key];
  if (!slot) {
    slot = std::make_unique<review_fixture>();
    build(*slot, input, extra_yaml, std::move(mutate_want), realistic);
  }
  return *slot;
}

const review_fixture& get_review_fixture(const std::string& key, const pod_spec& spec, const std::string& extra_yaml,
                                         expected_response mutate_want, bool realistic) {
  return get_review_fixture(key, generated_input(spec), extra_yaml, std::move(mutate_want), realistic);
}

}  // namespace coco_admit::bench
