# Rosetta. `make serve` and `make test` work on a fresh machine: they install what is missing first.
.PHONY: setup build serve test bench clean

PORT ?= 8080

setup:
	@scripts/setup.sh

build: setup
	@scripts/build.sh

serve: build
	@node scripts/serve.mjs dist $(PORT)

test: setup
	@scripts/test.sh

bench: setup
	@scripts/bench.sh

clean:
	rm -rf dist target/e2e-screenshots
