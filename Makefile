.PHONY: run test lint bench
run:
	python3 -m venv .venv && . .venv/bin/activate && pip install -q -r requirements.txt && streamlit run app.py
test:
	python3 -m venv .venv && . .venv/bin/activate && pip install -q -r requirements-dev.txt && python -m pytest -q
lint:
	. .venv/bin/activate && ruff check .
bench:
	. .venv/bin/activate && python bench/funnel.py && python bench/import.py && python bench/embed.py && python bench/cluster.py && python bench/live_overhead.py
