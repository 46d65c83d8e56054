#include "grapes/cli/cli.hpp"
#include "grapes/run/runtime.hpp"

int main(int argc, char** argv) {
  grapes::Runtime runtime(argc, argv);
  return grapes::run_cli(argc, argv);
}
