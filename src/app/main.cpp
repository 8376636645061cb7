#include "app/cli.h"

extern char** environ;

int main(int argc, char** argv) { return sb::app::run_cli(argc, argv, environ); }
