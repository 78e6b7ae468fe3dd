# The two commands: `make run` and `make test`. Both install what is missing, configure and build first.
BUILD   ?= build
CONFIG  ?= config/touchpoint.json
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all setup configure build run test bench clean format tidy

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

# clang-tidy over src/, plugins/ and include/ with the root .clang-tidy; fails on any warning. The plugins'
# -fno-gnu-unique (see plugins/CMakeLists.txt) is GCC's alone, so clang-tidy reads a copy without it.
tidy: configure
	@command -v run-clang-tidy >/dev/null || { echo "make tidy needs Debian's clang-tidy (apt-get install clang-tidy)"; exit 1; }
	@mkdir -p $(BUILD)/tidy && sed 's/ -fno-gnu-unique//g' $(BUILD)/compile_commands.json > $(BUILD)/tidy/compile_commands.json
	@run-clang-tidy -p $(BUILD)/tidy -j2 -quiet 'src/|plugins/' 2>/dev/null | tee $(BUILD)/tidy.log | grep -E 'warning:|error:' | sort -u; \
	  ! grep -qE 'warning:|error:' $(BUILD)/tidy.log

clean:
	rm -rf $(BUILD)
