#pragma once
// The command line: grapes run | phantom | series | info | export | plot | view (CLI11).
namespace grapes {

// Runs the command line on every rank (MPI and Kokkos already initialised); returns the exit
// code, identical on every rank.
int run_cli(int argc, char** argv);

}  // namespace grapes
