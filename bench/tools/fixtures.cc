// bench_fixtures: writes the generated benchmark inputs into bench/data so
// they can be used outside the benchmarks:
//
//   coco-admit review --policy bench/data/policies
//       --cluster-resources bench/data/cluster.json bench/data/pod-create-review.json
//
//   bench_fixtures DIR          (re)write DIR/pod-create-review.json, DIR/cluster.json
//   bench_fixtures --check DIR  exit 1 when the files differ from the generators
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "coco-admit/core/json.h"

namespace {

std::string cluster_json() {
  coco_admit::value list = coco_admit::value::object();
  list.set("apiVersion", coco_admit::value("v1"));
  list.set("kind", coco_admit::value("List"));
  coco_admit::value items = coco_admit::value::array();
  for (auto& o : coco_admit::bench::cluster_objects()) items.push_back(std::move(o));
  list.set("items", std::move(items));
  return coco_admit::json::serialize_pretty(list) + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  bool check = argc == 3 && std::strcmp(argv[1], "--check") == 0;
  if (!(argc == 2 || check)) {
    std::fprintf(stderr, "usage: bench_fixtures [--check] DIR\n");
    return 2;
  }
  const std::string dir = argv[argc - 1];
  const std::vector<std::pair<std::string, std::string>> files = {
      {"pod-create-review.json", coco_admit::bench::reference_review() + "\n"},
      {"cluster.json", cluster_json()},
  };
  int rc = 0;
  for (const auto& [name, text] : files) {
    const std::string path = dir + "/" + name;
    if (check) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in || ss.str() != text) {
        std::fprintf(stderr, "%s is missing or out of date; run: bench_fixtures %s\n", path.c_str(), dir.c_str());
        rc = 1;
      }
      continue;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("wrote %s (%zu bytes)\n", path.c_str(), text.size());
  }
  return rc;
}
