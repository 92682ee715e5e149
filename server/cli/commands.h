// The coco-admit subcommands. Each add_*_command registers one subcommand (and
// its flags) on the CLI11 app; when it runs, its callback stores the process
// exit code in `exit_code` (0 success, 1 a policy/check failure, 2 bad usage
// or unreadable input), so main() stays a table of commands.
#pragma once

#include <CLI/CLI.hpp>

namespace coco_admit::cli {

void add_version_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_apply_command(CLI::App& app, int& exit_code);
void add_review_command(CLI::App& app, int& exit_code);
void add_initdata_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace coco_admit::cli
