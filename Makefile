# The one task runner. README's Quick start runs `make demo` and `make test`; CI runs `make test`.
.PHONY: demo test
demo:
	@bash scripts/demo.sh
test:
	@bash scripts/test.sh
