# The two commands: `make run` and `make test`. Both install what is missing, configure and build first.
BUILD   ?= build
CONFIG  ?= config/touchpoint.json
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all setup configure build run test bench clean format

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE); \
	fi

build: configure
	@cmake --build $(BUILD)

run: build
	@mkdir -p data
	./$(BUILD)/src/app/touchpointd serve --config $(CONFIG)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j2

bench: build
	@bash scripts/bench.sh $(BUILD)

format:
	@find src include tests bench plugins -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
