// The srns subcommands; each parses its own flags and returns the process exit status.
#pragma once

namespace srns::cli {

int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_split(int argc, char** argv);
int cmd_gen(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_recommend(int argc, char** argv);

}  // namespace srns::cli
