# gt — see README.md. `make demo` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
NODE_MODULES_STAMP := node_modules/.gt-installed
# The real agent CLIs (Claude Code, Codex, Gemini CLI, OpenCode), pinned in agent-clis/, installed
# into agent-clis/node_modules only: never globally. Tests run them offline against the scripted
# model server with their auto-updaters off. Exact versions, no lockfile: npm 11 cannot `npm ci`
# a lockfile holding opencode-ai's per-platform optional packages.
AGENT_CLIS_STAMP := agent-clis/node_modules/.gt-installed
SOURCES := $(shell find cmd internal -name '*.ts' 2>/dev/null)

.PHONY: install build test lint bench demo clean agent-clis chromium capture-screens

# npm ci builds the native addons (better-sqlite3, node-pty, fs-ext) from source: about a minute.
$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES_STAMP) build

$(AGENT_CLIS_STAMP): agent-clis/package.json
	cd agent-clis && npm install --no-audit --no-fund --no-package-lock
	@touch $@

agent-clis: $(AGENT_CLIS_STAMP)

# Debian's Chromium for the dashboard's browser tests (Playwright drives it headless). Installed
# only when missing: as root non-interactively (CI has no stdin), otherwise with a clear request.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium (apt) for the dashboard's browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium </dev/null; \
	else echo "chromium is needed for the dashboard tests: sudo apt-get install chromium"; exit 1; fi

chromium: $(CHROMIUM)

dist/.built: $(NODE_MODULES_STAMP) $(SOURCES) tsconfig.json
	npx tsc -p tsconfig.json
	@chmod +x dist/cmd/gt/main.js
	@touch $@

build: dist/.built

lint: $(NODE_MODULES_STAMP)
	npx tsc -p tsconfig.check.json

test: build lint $(AGENT_CLIS_STAMP) $(CHROMIUM)
	@command -v tmux >/dev/null || { echo "tmux >= 3.2 is required (apt-get install tmux)"; exit 1; }
	node test/run.mjs $(TESTS)

bench: build
	node --import tsx bench/run.ts

# Re-record the blocking-screen fixtures from the pinned agent CLIs (offline, private tmux server,
# temp HOMEs): after a version bump in agent-clis/package.json. CLIS="claude codex" narrows it.
capture-screens: build $(AGENT_CLIS_STAMP)
	node --import tsx scripts/capture-screens.ts $(CLIS)

demo: build
	bash scripts/demo.sh

clean:
	rm -rf dist test-artifacts
