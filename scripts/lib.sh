# Shared by scripts/demo and scripts/test: sets up what the pipeline needs on a fresh machine.
# Source it; it defines functions and never exits the caller's shell on its own.

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PROJECT_ROOT/.venv"
JOB_JAR="$PROJECT_ROOT/jobs/target/batchmlops-jobs.jar"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null || die "Java 17 is required (java not found on PATH)"
  command -v mvn >/dev/null || die "Maven is required (mvn not found on PATH)"
  command -v python3 >/dev/null || die "Python 3.10+ is required (python3 not found on PATH)"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die "Python 3.10+ is required, found $(python3 --version 2>&1)"
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
  fi
}

# A virtual environment at $1 holding the requirements file $2 (whose command $3 it must have), made
# (or brought up to date) once.
ensure_python_env() {
  local dir="$1" requirements="$2" command="$3"
  local stamp="$dir/.requirements.sha256"
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if ! [ -x "$dir/bin/$command" ] || ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "setting up the Python environment in $(basename "$dir") ($(basename "$requirements"))"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --upgrade pip
    "$dir/bin/pip" install --quiet -r "$requirements"
    echo "$want" >"$stamp"
  fi
}

# The project-local virtual environment with the MLflow server and spark-submit (pyspark).
ensure_venv() {
  ensure_python_env "$VENV" "$PROJECT_ROOT/scripts/requirements.txt" mlflow
  use_venv_spark
}

# spark-submit finds Spark through SPARK_HOME; pyspark's launcher would otherwise ask the python3 on
# PATH, which does not have pyspark (cron's PATH least of all).
use_venv_spark() {
  SPARK_HOME="$("$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" ||
    die "no pyspark in $VENV; run scripts/demo once to install it"
  PYSPARK_PYTHON="$VENV/bin/python"
  export SPARK_HOME PYSPARK_PYTHON
}

# An MLflow 2.17 server, for the tests that keep the pipeline working against the previous line.
ensure_legacy_mlflow() {
  ensure_python_env "$PROJECT_ROOT/.venv-mlflow2" "$PROJECT_ROOT/scripts/requirements-mlflow2.txt" mlflow
}

# Airflow 3, for the DAGs in scripts/airflow/dags and their tests.
ensure_airflow() {
  ensure_python_env "$PROJECT_ROOT/.venv-airflow" "$PROJECT_ROOT/scripts/airflow/requirements.txt" airflow
}

# Great Expectations with PySpark, for the peer comparison of scripts/bench --peers.
ensure_gx() {
  ensure_python_env "$PROJECT_ROOT/.venv-gx" "$PROJECT_ROOT/bench/requirements-gx.txt" python
}

# moto's S3-compatible server, for the tests that keep tables on object storage.
ensure_s3_server() {
  ensure_python_env "$PROJECT_ROOT/.venv-s3" "$PROJECT_ROOT/scripts/requirements-s3.txt" moto_server
}

# Hadoop's S3A file system and the AWS SDK it was built against, matching the Hadoop 3.3.4 client in
# Spark 3.5: what spark-submit needs for s3a:// paths. Fetched once through Maven into .jars/.
S3A_JARS=(
  "org.apache.hadoop:hadoop-aws:3.3.4"
  "com.amazonaws:aws-java-sdk-bundle:1.12.262"
)
# Where ensure_s3a_jars puts the jar of a group:artifact:version coordinate.
s3a_jar() {
  echo "$PROJECT_ROOT/.jars/$(cut -d: -f2 <<<"$1")-$(cut -d: -f3 <<<"$1").jar"
}
ensure_s3a_jars() {
  local coordinate
  mkdir -p "$PROJECT_ROOT/.jars"
  for coordinate in "${S3A_JARS[@]}"; do
    if ! [ -s "$(s3a_jar "$coordinate")" ]; then
      log "fetching $coordinate (for s3a:// storage)"
      (cd "$PROJECT_ROOT" && mvn -B -q dependency:copy -Dartifact="$coordinate" \
        -DoutputDirectory="$PROJECT_ROOT/.jars") || die "cannot fetch $coordinate through Maven"
    fi
  done
}

# The spark-submit options for s3a:// storage: the S3A jars, and, when MLOPS_S3_ENDPOINT names an
# S3-compatible server (MinIO, moto, ...), its endpoint with path-style access. Credentials come
# from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance
# role) and are never passed on the command line.
s3a_submit_options() {
  local jars=() coordinate
  for coordinate in "${S3A_JARS[@]}"; do
    jars+=("$(s3a_jar "$coordinate")")
  done
  S3A_OPTIONS=(--jars "$(IFS=,; echo "${jars[*]}")")
  if [ -n "${MLOPS_S3_ENDPOINT:-}" ]; then
    S3A_OPTIONS+=(--conf "spark.hadoop.fs.s3a.endpoint=$MLOPS_S3_ENDPOINT"
      --conf spark.hadoop.fs.s3a.path.style.access=true)
    case "$MLOPS_S3_ENDPOINT" in
      http://*) S3A_OPTIONS+=(--conf spark.hadoop.fs.s3a.connection.ssl.enabled=false) ;;
    esac
  fi
}

# Jupyter with PySpark, the MLflow client, pandas and matplotlib, for the notebooks in notebooks/.
ensure_notebooks() {
  ensure_python_env "$PROJECT_ROOT/.venv-notebooks" "$PROJECT_ROOT/notebooks/requirements.txt" jupyter
}

# PostgreSQL's server binaries, for the JDBC ingestion tests (each test run starts its own cluster).
ensure_postgres() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "the tests need PostgreSQL's server: apt-get install postgresql"
  log "installing PostgreSQL (Debian package postgresql)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# Debian's Chromium, for the test that drives the MLflow UI in a headless browser.
ensure_chromium() {
  if command -v chromium >/dev/null; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "the tests need Chromium for the MLflow UI test: apt-get install chromium"
  log "installing Chromium (Debian package chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# Builds the job jar when it is missing or older than any source or build file.
ensure_jar() {
  if [ -f "$JOB_JAR" ] && [ -z "$(find "$PROJECT_ROOT/pom.xml" "$PROJECT_ROOT/jobs/pom.xml" \
      "$PROJECT_ROOT/jobs/src/main" -newer "$JOB_JAR" -print -quit)" ]; then
    return
  fi
  log "building the job jar (mvn package)"
  (cd "$PROJECT_ROOT" && mvn -B -q -DskipTests package) || die "the Maven build failed"
}

# Where scripts/demo keeps its server and tables, from the settings it reads: MLOPS_MLFLOW_AUTH=1
# (the authenticated server: port 5001, store work/mlflow-auth, tables work/delta-auth) and
# MLOPS_MLFLOW_PORT. Sets DEMO_AUTH ("auth" or empty), DEMO_PORT, DEMO_STORE, DEMO_TRACKING_URI and
# DEMO_STORAGE_ROOT; scripts/notebooks reads the same.
demo_places() {
  DEMO_AUTH=""
  if [ "${MLOPS_MLFLOW_AUTH:-0}" = 1 ]; then
    DEMO_AUTH=auth
  fi
  DEMO_PORT="${MLOPS_MLFLOW_PORT:-$([ -n "$DEMO_AUTH" ] && echo 5001 || echo 5000)}"
  DEMO_STORE="$PROJECT_ROOT/work/mlflow${DEMO_AUTH:+-auth}"
  DEMO_TRACKING_URI="http://127.0.0.1:$DEMO_PORT"
  DEMO_STORAGE_ROOT="$PROJECT_ROOT/work/delta${DEMO_AUTH:+-auth}"
}

# Starts an MLflow tracking server on 127.0.0.1:$1 with its store under $2, unless one already
# answers there. A port held by something that is not MLflow is an error.
ensure_mlflow_server() {
  local port="$1" store="$2" auth="${3:-}" url="http://127.0.0.1:$1"
  if curl -fsS --max-time 3 "$url/health" 2>/dev/null | grep -q '^OK'; then
    log "reusing the MLflow server already running at $url"
    return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is taken by something that is not an MLflow server; free it or set MLOPS_MLFLOW_PORT"
  fi
  mkdir -p "$store/artifacts"
  # The authentication app's settings go to the authenticated server only: MLflow 3 imports
  # mlflow.server.auth on a plain server too (for run search, when Flask-WTF is installed), and a
  # MLFLOW_AUTH_CONFIG_PATH naming a file that is not there makes every such call fail with HTTP 500.
  # Nor does a plain server inherit the caller's: `env -u` drops them.
  local app=() auth_env=(-u MLFLOW_AUTH_CONFIG_PATH -u MLFLOW_FLASK_SERVER_SECRET_KEY)
  if [ "$auth" = auth ]; then
    app=(--app-name basic-auth)
    write_mlflow_auth_config "$store"
    auth_env=("MLFLOW_AUTH_CONFIG_PATH=$store/basic-auth.ini"
      "MLFLOW_FLASK_SERVER_SECRET_KEY=$(secret_in "$store/secrets/flask")")
  fi
  log "starting the MLflow server at $url (store: $store${auth:+, authentication on})"
  # Its own process group, so that one kill stops the server and its gunicorn workers.
  env "${auth_env[@]}" \
    setsid nohup "$VENV/bin/mlflow" server "${app[@]}" --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "sqlite:///$store/mlflow.db" \
    --artifacts-destination "$store/artifacts" --serve-artifacts \
    >"$store/server.log" 2>&1 &
  echo $! >"$store/server.pid"
  for _ in $(seq 1 120); do
    if curl -fsS --max-time 2 "$url/health" 2>/dev/null | grep -q '^OK'; then
      return
    fi
    kill -0 "$(cat "$store/server.pid")" 2>/dev/null || die "the MLflow server failed to start; see $store/server.log"
    sleep 1
  done
  die "the MLflow server did not answer within 120 s; see $store/server.log"
}
# A random secret kept in a file only its owner reads, made on first use; prints it.
secret_in() {
  local file="$1"
  if ! [ -s "$file" ]; then
    (umask 077 && mkdir -p "$(dirname "$file")" &&
      "$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))' >"$file")
  fi
  cat "$file"
}

# The authenticated server's settings: its users in $store/auth.db, anyone without a grant may
# read, and the admin's password in $store/secrets/admin (read by mlflow_user).
write_mlflow_auth_config() {
  local store="$1" admin
  admin="$(secret_in "$store/secrets/admin")"
  (
    umask 077
    printf '%s\n' "[mlflow]" "default_permission = READ" \
      "database_uri = sqlite:///$store/auth.db" "admin_username = admin" \
      "admin_password = $admin" \
      "authorization_function = mlflow.server.auth:authenticate_request_basic_auth" \
      >"$store/basic-auth.ini"
  )
}

# Makes a user of the authenticated server at URL (once) and prints its password, kept in
# $store/secrets/<user>: `mlflow_user URL STORE USER`.
mlflow_user() {
  local url="$1" store="$2" user="$3" password status
  password="$(secret_in "$store/secrets/$user")"
  status="$(curl -sS -o /dev/null -w '%{http_code}' -u "admin:$(cat "$store/secrets/admin")" \
    -H 'Content-Type: application/json' -X POST "$url/api/2.0/mlflow/users/create" \
    --data "{\"username\": \"$user\", \"password\": \"$password\"}")"
  # 400: the user exists already (a second demo run).
  case "$status" in 200 | 400) ;; *) die "could not create the MLflow user $user (HTTP $status)" ;; esac
  printf '%s' "$password"
}

# Grants, as the admin, a user a permission (READ, EDIT, MANAGE) on a registered model:
# `mlflow_grant URL STORE USER MODEL PERMISSION`. Granted already: nothing to do.
mlflow_grant() {
  local url="$1" store="$2" user="$3" model="$4" permission="$5" status
  status="$(curl -sS -o /dev/null -w '%{http_code}' -u "admin:$(cat "$store/secrets/admin")" \
    -H 'Content-Type: application/json' -X POST "$url/api/3.0/mlflow/users/permissions/grant" \
    --data "{\"username\": \"$user\", \"resource_type\": \"registered_model\", \"resource_id\": \"$model\", \"permission\": \"$permission\"}")"
  case "$status" in 200 | 400) ;; *) die "could not grant $user $permission on $model (HTTP $status)" ;; esac
}

# Runs a pipeline command through spark-submit: `submit_job COMMAND [OPTIONS...]`, and returns the
# job's exit code. The Spark settings come from the environment: SPARK_SUBMIT (default: the venv's),
# MLOPS_SPARK_MASTER (local[2]), MLOPS_DRIVER_MEMORY (2g), MLOPS_DRIVER_JAVA_OPTIONS (more options
# for the driver's JVM), MLOPS_CLASS_ARCHIVE (off: no class-data sharing, see
# driver_class_archive). Storage on s3a:// (MLOPS_STORAGE_ROOT, or an s3a:// value in the options)
# adds the S3A jars and MLOPS_S3_ENDPOINT's settings (s3a_submit_options).
submit_job() {
  local storage=() arg status=0
  for arg in "${MLOPS_STORAGE_ROOT:-}" "$@"; do
    case "$arg" in
      s3a://* | *=s3a://*) ensure_s3a_jars; s3a_submit_options; storage=("${S3A_OPTIONS[@]}"); break ;;
    esac
  done
  driver_class_archive "$@"
  "${SPARK_SUBMIT:-$VENV/bin/spark-submit}" --master "${MLOPS_SPARK_MASTER:-local[2]}" \
    --driver-memory "${MLOPS_DRIVER_MEMORY:-2g}" "${storage[@]}" \
    --conf spark.sql.shuffle.partitions=4 \
    --driver-java-options "-Dlog4j2.configurationFile=file:$PROJECT_ROOT/conf/log4j2.properties $CLASS_ARCHIVE_OPTIONS ${MLOPS_DRIVER_JAVA_OPTIONS:-}" \
    --class dev.batchmlops.cli.Main "$JOB_JAR" "$@" || status=$?
  if [ -n "$CLASS_ARCHIVE_DUMP" ]; then
    # Only a job that succeeded has loaded all it needs (a failed one may have stopped at its
    # first step, a killed one left half an archive); one written meanwhile by `run` stays.
    if [ "$status" = 0 ] && [ -s "$CLASS_ARCHIVE_DUMP.$BASHPID" ] &&
      { [ "$1" = run ] || [ "$(cat "$CLASS_ARCHIVE_DUMP.by" 2>/dev/null)" != run ]; }; then
      mv -f "$CLASS_ARCHIVE_DUMP.$BASHPID" "$CLASS_ARCHIVE_DUMP"
      printf '%s\n' "$1" >"$CLASS_ARCHIVE_DUMP.by"
    fi
    rm -f "$CLASS_ARCHIVE_DUMP.$BASHPID"
  fi
  return "$status"
}

# Driver JVM options for jobs on small data (scripts/demo's and the tests'): the quick compiler only
# starts a short job sooner; its code cache is as large as the default's, or a long run fills it and
# the JVM stops compiling.
SMALL_DATA_JVM_OPTIONS="-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"

# Class-data sharing for the driver's JVM (JDK 17's dynamic archive): the first job writes the
# classes it loaded (Spark, Delta, Deequ, MLlib, the job's own) to an archive beside the venv, and
# later jobs map it instead of loading and verifying those classes again, about 5 s of each job's
# start-up. The JVM checks an archive against its own build and class path and silently ignores
# one that does not match; a class of a rebuilt job jar is taken from it only if its bytes are
# unchanged. Sets CLASS_ARCHIVE_OPTIONS, and CLASS_ARCHIVE_DUMP when this job writes the archive.
driver_class_archive() {
  CLASS_ARCHIVE_OPTIONS="" CLASS_ARCHIVE_DUMP=""
  if [ "${MLOPS_CLASS_ARCHIVE:-on}" = off ] || [ -n "${SPARK_SUBMIT:-}" ] ||
    [ ! -d "${SPARK_HOME:-}/jars" ] || [ ! -d "$VENV" ]; then
    return
  fi
  local key archive
  key="$({ readlink -f "$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java")"; ls "$SPARK_HOME/jars"; } | cksum | cut -d' ' -f1)"
  archive="$VENV/jvm/classes-$key.jsa"
  CLASS_ARCHIVE_OPTIONS="-Xlog:cds=off,cds+dynamic=off"
  # The whole pipeline (`run`) loads nearly every class a job needs: its archive is kept; until one
  # runs, the first other command writes one. Help loads too few classes to be worth an archive.
  if [ -f "$archive" ] && { [ "${1:-}" != run ] || [ "$(cat "$archive.by" 2>/dev/null)" = run ]; }; then
    CLASS_ARCHIVE_OPTIONS+=" -XX:SharedArchiveFile=$archive"
  elif [ $# -gt 0 ] && [[ " $* " != *" --help "* && " $* " != *" -h "* ]]; then
    mkdir -p "$VENV/jvm"
    CLASS_ARCHIVE_DUMP="$archive"
    CLASS_ARCHIVE_OPTIONS+=" -XX:ArchiveClassesAtExit=$archive.$BASHPID"
  fi
}

export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"  # keep Spark on loopback
