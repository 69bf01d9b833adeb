# make run | test | lint | format | snapshot | bench
PY := .venv/bin/python

.PHONY: run test lint format snapshot bench

.venv/bin/python:
	python3 -m venv .venv

run: .venv/bin/python
	.venv/bin/pip install -q -r requirements.txt
	$(PY) -m etl snapshot load
	$(PY) app.py

test:
	bash scripts/test.sh

lint: .venv/bin/python
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

snapshot:
	$(PY) -m etl snapshot --reference ../shared/reference

bench:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)  # the load generator
	$(PY) bench/run.py
