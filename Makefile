# Everyday commands. `make check` is what CI runs.
.PHONY: install check test lint fmt

install:
	python3 -m venv .venv && .venv/bin/pip install -e '.[test]'

check:
	bash scripts/check

test:
	.venv/bin/pytest

lint:
	.venv/bin/ruff check src tests && .venv/bin/ruff format --check src tests && .venv/bin/mypy

fmt:
	.venv/bin/ruff check --fix src tests && .venv/bin/ruff format src tests
