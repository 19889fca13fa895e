# shellcheck shell=bash
# test/lib.sh: sourced by test/run and demo/run (not run on its own).
#
# Installs what building and testing need when it is missing, builds and
# installs the extension, and runs commands as the postgres OS user
# (PostgreSQL refuses to run as root).  Expects to be sourced from the
# repository root, under "set -euo pipefail".

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
command -v "$PG_CONFIG" >/dev/null || PG_CONFIG=pg_config
export PG_CONFIG  # the Makefile's "PG_CONFIG ?= pg_config" picks it up

die() { echo "ERROR: $*" >&2; exit 1; }

# Run a command quietly; show everything it printed only if it fails.
quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || printf '%s\n' "$out" >&2
    return "$rc"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the postgres OS user (as is when not root).
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Is clang's libFuzzer runtime installed?  clang -print-file-name prints
# the bare name when it finds no such file.
have_libfuzzer() {
    command -v clang >/dev/null &&
        [ -f "$(clang -print-file-name=libclang_rt.fuzzer-"$(uname -m)".a)" ]
}

# Install, with apt-get, whichever of the build and test dependencies is
# missing; do nothing (not even apt-get update) when all are present.
# Arguments add what heavier checks need: "fuzz" (fuzz/run: clang and its
# libFuzzer runtime), "valgrind" (test/valgrind), "cron" (pg_cron, for
# test/t/007_schedule.pl).
install_deps() {
    local extra
    local missing=()
    [ -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ] || missing+=(postgresql-server-dev-15)
    perl -MIPC::Run -e1 2>/dev/null || missing+=(libipc-run-perl)
    command -v make >/dev/null || missing+=(make)
    command -v gcc >/dev/null || missing+=(gcc)
    for extra in "$@"; do
        case $extra in
            fuzz)
                command -v clang >/dev/null || missing+=(clang)
                have_libfuzzer || missing+=(libclang-rt-14-dev) ;;
            valgrind)
                command -v valgrind >/dev/null || missing+=(valgrind) ;;
            cron)
                [ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ] || missing+=(postgresql-15-cron) ;;
            *) die "install_deps: unknown group $extra" ;;
        esac
    done
    [ "${#missing[@]}" -eq 0 ] && return 0

    is_root || die "missing ${missing[*]}: run as root, or apt-get install them"
    echo "Installing ${missing[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    quiet apt-get update </dev/null || die "apt-get update failed"
    quiet apt-get install -y "${missing[@]}" </dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# Build and install the extension into the PostgreSQL installation.
build_install() {
    echo "Building and installing compliance ..."
    make -s >/dev/null || die "build failed (make), see the errors above"
    make -s install >/dev/null ||
        die "make install failed: run as root, or make $("$PG_CONFIG" --pkglibdir) writable"
}

# The PostgreSQL bindir and the directory holding pgxs's src/test.
pg_bindir() { "$PG_CONFIG" --bindir; }
pgxs_src() { dirname "$(dirname "$("$PG_CONFIG" --pgxs)")"; }
