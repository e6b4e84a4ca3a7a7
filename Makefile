# The one task runner. README's Quick start runs `make demo` and `make test`; CI runs `make test`.
.PHONY: demo test release-check gen fuzz bench
demo:
	@bash scripts/demo.sh
test:
	@bash scripts/test.sh
release-check:
	@bash scripts/release-check.sh $(if $(RELEASE),--release)
gen:
	@cargo xtask gen
fuzz:
	@bash scripts/fuzz.sh $(or $(SECS),60)
bench:
	@bash scripts/bench.sh
