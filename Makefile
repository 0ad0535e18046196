# Two entry points, as the README says: `make build` and `make test`. Both set up everything first.
# Set-up is idempotent: a second run only checks stamps and is fast.

VENV   := .venv
PY     := $(VENV)/bin/python
SYSTEM_PACKAGES := fonts-noto-cjk fonts-droid-fallback libharfbuzz-subset0 chromium poppler-utils zbar-tools mupdf-tools
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: build test lint bench bench-scale setup system python check clean

build: setup
	$(VENV)/bin/rulebook build

# The slowest tests are listed at the end: CI has ten minutes on two cores.
test: setup lint
	$(PY) -m pytest --durations=15

# The generator's code: lint, format and types (configured in pyproject.toml).
lint: setup
	$(PY) -m ruff check generator
	$(PY) -m ruff format --check generator
	$(PY) -m mypy

setup: system python

# System pieces: CJK fonts for posters and checklists, HarfBuzz subsetting (fast PDFs), Debian's Chromium for the
# browser tests, poppler, MuPDF and zbar to inspect PDFs. Installed only when one is missing.
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -e '.[test]'  # modules are compiled as they are first imported
	touch $@

# The quick benchmarks (a few minutes); bench-scale adds handbooks of 5 and 50 policies (about twenty minutes).
bench: setup
	$(PY) benchmarks/check.py
	$(PY) benchmarks/build.py
	$(PY) benchmarks/serve.py

bench-scale: setup
	$(PY) benchmarks/scale.py

check: setup
	$(VENV)/bin/rulebook check

clean:
	rm -rf $(VENV) site build
