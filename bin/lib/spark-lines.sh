# Sourced by bin/python-tests and bin/connect-tests (needs ROOT and PYTHON): the Spark lines that
# meshgrad is built for, the PySpark version each is tested with, and the virtual environment that
# holds that PySpark.

#: The Spark lines (major.minor), each a Maven build: 4.0 the default, the others -Pspark-<line>.
SPARK_LINES=(4.0 4.1 4.2)

# pyspark_of LINE: the PySpark version the tests of a Spark line use: the spark.version of that
# line's Maven build (pom.xml), since the Python tests check that the jar was built for exactly the
# running PySpark (test_jvm). pyspark-client has the same versions on PyPI (for Connect clients).
pyspark_of() {
  case "$1" in
    4.0) echo 4.0.1 ;;
    4.1) echo 4.1.0 ;;
    4.2) echo 4.2.0 ;;
    *) echo "$(basename "$0"): unknown Spark line '$1' (known: ${SPARK_LINES[*]})" >&2; exit 2 ;;
  esac
}

# venv DIR REQUIREMENT...: a virtual environment in DIR with these requirements installed;
# reinstalled when they differ from the ones installed last (kept in DIR/.pins).
venv() {
  local dir="$1"; shift
  local want; want="$(printf '%s\n' "$@")"
  if [[ ! -x "$dir/bin/python" ]]; then "$PYTHON" -m venv "$dir"; fi
  if [[ "$(cat "$dir/.pins" 2>/dev/null)" != "$want" ]]; then
    echo "$(basename "$0"): installing into $dir: $(echo "$want" | grep -v '^#' | tr '\n' ' ')" >&2
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
    echo "$want" > "$dir/.pins"
  fi
}

# pyspark_venv LINE: sets PYSPARK_VENV to .meshgrad/connect/server-<version>, a venv holding the
# line's pyspark (with its JVM jars and spark-submit) and numpy (the pin of
# python/requirements-connect.txt). One per line, shared: bin/connect-tests starts its Connect
# server from it (and runs the classic side of the interoperability test there), and
# bin/python-tests --spark <line> runs the classic PySpark tests in it.
pyspark_venv() {
  local version; version="$(pyspark_of "$1")"
  PYSPARK_VENV="$ROOT/.meshgrad/connect/server-$version"
  venv "$PYSPARK_VENV" "pyspark==$version" "$(grep '^numpy==' "$ROOT/python/requirements-connect.txt")"
}
