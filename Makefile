# gt — see README.md. `make demo` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
NODE_MODULES_STAMP := node_modules/.gt-installed
SOURCES := $(shell find cmd internal -name '*.ts' 2>/dev/null)

.PHONY: install build test lint bench demo clean

# npm ci builds the native addons (better-sqlite3, node-pty, fs-ext) from source: about a minute.
$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES_STAMP) build

dist/.built: $(NODE_MODULES_STAMP) $(SOURCES) tsconfig.json
	npx tsc -p tsconfig.json
	@chmod +x dist/cmd/gt/main.js
	@touch $@

build: dist/.built

lint: $(NODE_MODULES_STAMP)
	npx tsc -p tsconfig.check.json

test: build lint
	@command -v tmux >/dev/null || { echo "tmux >= 3.2 is required (apt-get install tmux)"; exit 1; }
	node test/run.mjs $(TESTS)

bench: build
	node --import tsx bench/run.ts

demo: build
	bash scripts/demo.sh

clean:
	rm -rf dist
