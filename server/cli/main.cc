#include <mimalloc.h>

#include <iostream>

#include "commands.h"

namespace coco_admit::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the coco-admit version");
  cmd->callback([&exit_code] {
    std::cout << "coco-admit " COCO_ADMIT_VERSION "\n";
    exit_code = 0;
  });
}

}  // namespace coco_admit::cli

int main(int argc, char** argv) {
  // Linking mimalloc replaces malloc; touching it makes sure the linker keeps it.
  (void)mi_version();
  CLI::App app{"coco-admit: Kyverno-compatible admission engine for Confidential Containers"};
  app.set_version_flag("--version", "coco-admit " COCO_ADMIT_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  coco_admit::cli::add_version_command(app, exit_code);
  coco_admit::cli::add_compile_command(app, exit_code);
  coco_admit::cli::add_apply_command(app, exit_code);
  coco_admit::cli::add_review_command(app, exit_code);
  coco_admit::cli::add_initdata_command(app, exit_code);
  coco_admit::cli::add_test_command(app, exit_code);
  coco_admit::cli::add_serve_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
