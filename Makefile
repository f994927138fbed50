# Two commands on a fresh machine:  `make run` (the app)  and  `make test` (the whole suite).
# Both create .venv when it is missing and install the Qt system libraries when they can.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup serve flow lab screenshots bench package

run: $(STAMP)
	$(PYTHON) -m playground

test: $(STAMP)
	$(PYTHON) -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/qt-system-libs.sh
	sh scripts/qt-system-libs.sh
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(PYTHON) -m playground serve

flow: $(STAMP)
	$(PYTHON) -m playground flow

lab: $(STAMP)
	$(PYTHON) -m playground lab run --all

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m playground --screenshot docs/window.png
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m playground --auto --screenshot docs/flow.png
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m playground --auto --show lab --screenshot docs/lab.png
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m playground --auto --show sequence --screenshot docs/sequence.png

bench: $(STAMP)
	$(PYTHON) benchmarks/run.py

# A one-folder desktop bundle in dist/oauth-playground/ (see packaging/README.md).
package: $(STAMP)
	$(PYTHON) -m PyInstaller --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet 'pyinstaller>=6.0'
	$(PYTHON) -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/oauth-playground.spec
	@echo "built dist/oauth-playground/oauth-playground"
