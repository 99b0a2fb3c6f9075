# refnet: `make up` runs everything, `make test` runs the tests. Both install what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | md5sum | cut -c1-8)

.PHONY: install lock up down test unit lint bench docs kafka app lighthouse

# Exactly the versions (and file hashes) in requirements.lock, then refnet itself on top without touching them.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

APP_VENDOR := services/members/entrypoints/static/app/qrcode.mjs

install: $(STAMP) $(APP_VENDOR)

# the member app's one npm package (a QR code generator), from the committed lock file; no build step
$(APP_VENDOR): web/package.json web/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd web && npm ci --no-audit --no-fund --ignore-scripts && \
	  cp node_modules/qrcode-generator/dist/qrcode.mjs ../$(APP_VENDOR); \
	else echo "npm not found: the member app runs without its QR code generator (leaders see the check-in link)"; fi

app: $(APP_VENDOR)

# Resolve pyproject.toml's ranges anew (from PyPI) into requirements.lock (runtime + dev, what `make install`
# installs) and requirements-runtime.lock (runtime only, the same versions: what the Docker image installs).
# Run it after changing dependencies in pyproject.toml: it keeps the versions locked already and adds what is
# new; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed (a deliberate step, reviewed).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" -q $(LOCK_ARGS)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install -q "uv>=0.9,<1"
	$(UV_COMPILE) --extra dev -o $(LOCK)
	$(UV_COMPILE) -c $(LOCK) -o requirements-runtime.lock

# Kafka's jars from Maven Central (cached under .refnet/kafka/libs)
kafka: install
	$(BIN)/python -c "from infra.local import stack_for; stack_for().kafka().fetch()"

up: install
	$(BIN)/refnet up

down: install
	$(BIN)/refnet down

lint: install
	$(BIN)/ruff check shared services infra tests bench
	$(BIN)/mypy

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
test: install kafka lint
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15 $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc

# the domain and handlers alone, with fakes: no Kafka, no PostgreSQL, seconds
unit: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

bench: install
	$(BIN)/python -m bench.run_all

# Lighthouse (npm, bench/lighthouse) on the member app and the leaders' dashboard, in Debian's chromium
lighthouse: install
	cd bench/lighthouse && npm ci --no-audit --no-fund
	$(BIN)/python -m bench.lighthouse

docs: install
	$(BIN)/refnet docs
