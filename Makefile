# Switchboard — the commands a user types.
#   make run    install missing Debian packages, build (Release), start on http://127.0.0.1:8080
#   make test   install what tests need, build, run every test (unit, integration, e2e)
#   make build  build build/switchboard
#   make bench  build the benchmarks and print figures next to their peers
#   make config-docs  regenerate docs/configuration.md from the key declarations
BUILD ?= build
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: deps build run test bench clean configure config-docs

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: configure
	@cmake --build $(BUILD) --target switchboard -j $(JOBS)

run: build
	@$(BUILD)/switchboard serve $(ARGS)

test: configure
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 600

bench: deps
	@scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSB_BUILD_BENCH=ON
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

config-docs: build
	@$(BUILD)/switchboard config describe --markdown > docs/configuration.md

clean:
	rm -rf $(BUILD)
