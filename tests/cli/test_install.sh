#!/usr/bin/env bash
# cmake --install into a temporary prefix: the tree (binary, Python package, job scripts,
# inputs, docs), `grapes --version`, `grapes plot --help`, `import grapes_hpc` from the
# installed folder, `grapes plot` using the installed package, `pip install` of the package
# into a virtual environment, and a lint of packaging/ (Spack recipe, Apptainer definition).
source "$(dirname "$0")/lib.sh"
build=$(dirname "$GRAPES_BINARY")
prefix="$WORK/prefix"
python_dir="$prefix/share/grapes-hpc/python"

if cmake --install "$build" --prefix "$prefix" >"$WORK/install.log" 2>&1; then
  pass "cmake --install into $prefix"
else
  fail "cmake --install"; cat "$WORK/install.log"; finish; exit 1
fi

for path in bin/grapes share/grapes-hpc/python/grapes_hpc/__init__.py \
  share/grapes-hpc/python/grapes_hpc/plot.py share/grapes-hpc/python/pyproject.toml \
  share/grapes-hpc/jobscripts/slurm_run.sbatch share/grapes-hpc/jobscripts/scaling/strong_scaling.sh \
  share/grapes-hpc/jobscripts/README.md share/grapes-hpc/inputs/demo.yaml \
  share/doc/grapes-hpc/README.md share/doc/grapes-hpc/CONFIG.md; do
  [ -e "$prefix/$path" ] || fail "not installed: $path"
done
[ -x "$prefix/share/grapes-hpc/jobscripts/slurm_run.sbatch" ] || fail "job scripts lost their x bit"
if find "$prefix" -name '__pycache__' -o -name 'test_*.py' | grep -q .; then
  fail "caches or tests installed: $(find "$prefix" -name '__pycache__' -o -name 'test_*.py' | head -3)"
else
  pass "installed tree complete ($(find "$prefix" -type f | wc -l) files)"
fi

cd "$WORK"  # nowhere near the source tree
if "$prefix/bin/grapes" --version | grep -q "^grapes-hpc "; then pass "installed grapes --version"; else fail "grapes --version"; fi
if "$prefix/bin/grapes" plot --help | grep -q -- "--format"; then pass "installed grapes plot --help"; else fail "grapes plot --help"; fi
found=$(PYTHONPATH="$python_dir" "$PYTHON" -c 'import grapes_hpc; print(grapes_hpc.__file__)')
if [ "$found" = "$python_dir/grapes_hpc/__init__.py" ]; then pass "import grapes_hpc from $python_dir"; else
  fail "import grapes_hpc found '$found'"; fi

# grapes plot from the installed binary must put the installed package first on PYTHONPATH:
# a wrapper interpreter records what it was given.
cat >"$WORK/python-wrapper" <<WRAPPER
#!/bin/sh
echo "\$PYTHONPATH" >>"$WORK/pythonpath.log"
exec "$PYTHON" "\$@"
WRAPPER
chmod +x "$WORK/python-wrapper"
"$prefix/bin/grapes" run "$prefix/share/grapes-hpc/inputs/demo.yaml" \
  --set "input.phantom.shape=[48,48,48]" --set "output.path=$WORK/demo.h5" >"$WORK/out" 2>&1 ||
  fail "installed grapes run on the installed demo.yaml"
if GRAPES_PYTHON="$WORK/python-wrapper" "$prefix/bin/grapes" plot "$WORK/demo.h5" --out "$WORK/figs" >"$WORK/out" 2>&1 &&
  [ "$(grep -c '^wrote ' "$WORK/out")" -eq 3 ] && [ "$(head -1 "$WORK/pythonpath.log" | cut -d: -f1)" = "$python_dir" ]; then
  pass "installed grapes plot uses $python_dir"
else
  fail "installed grapes plot"; cat "$WORK/out" "$WORK/pythonpath.log" 2>/dev/null
fi

# pip install of the package into a venv (offline: the venv sees Debian's h5py/numpy/pandas,
# whose pip metadata names differ, hence --no-deps; --no-build-isolation uses its setuptools).
if "$PYTHON" -m venv --system-site-packages "$WORK/venv" >/dev/null 2>&1; then
  cp -r "$python_dir" "$WORK/package"
  if "$WORK/venv/bin/pip" install -q --no-index --no-build-isolation --no-deps "$WORK/package" \
    >"$WORK/pip.log" 2>&1 &&
    "$WORK/venv/bin/python" -c 'import grapes_hpc, sys; assert "site-packages" in grapes_hpc.__file__' &&
    "$WORK/venv/bin/grapes-plot" --help >/dev/null; then
    pass "pip install into a venv (import grapes_hpc, grapes-plot script)"
  else
    fail "pip install into a venv"; cat "$WORK/pip.log"
  fi
elif [ "${GRAPES_TEST_ALLOW_SKIP:-0}" = 1 ]; then
  echo "SKIP: $PYTHON -m venv unavailable (python3-venv): pip install not checked"
else  # tools/setup-debian.sh --tests installs python3-venv: not running this is a failure
  fail "$PYTHON -m venv unavailable (install python3-venv, or GRAPES_TEST_ALLOW_SKIP=1)"
fi

# The packaging that cannot be run here (Spack recipe against a stub, Apptainer definition).
if "$PYTHON" "$GRAPES_SOURCE_DIR/packaging/check_packaging.py" >"$WORK/packaging.log" 2>&1; then
  pass "packaging lint: $(tr '\n' ';' <"$WORK/packaging.log")"
else
  fail "packaging lint"; cat "$WORK/packaging.log"
fi
finish
