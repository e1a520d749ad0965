# Shared by the scripts that build or test EdgeSculpt: installs what is missing, once.
# Sourced, not run.

# Installs the Debian packages given that are not installed yet.
ensure_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing Debian packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# Makes the Python packages of a requirements file importable by `python3`: installed for the user,
# or, where the system Python refuses that (PEP 668), in a virtual environment put first on PATH.
ensure_python_packages() {
    local requirements="$1" modules="$2"
    python3 -c "import $modules" 2>/dev/null && return 0
    local venv="$PWD/.venv-tests"
    if [ -x "$venv/bin/python3" ]; then
        export PATH="$venv/bin:$PATH"
        python3 -c "import $modules" 2>/dev/null && return 0
    fi
    echo "Installing Python packages from $requirements" >&2
    if ! python3 -m pip install -q -r "$requirements" >&2 2>/dev/null; then
        ensure_debian_packages python3-venv python3-pip
        python3 -m venv "$venv"
        export PATH="$venv/bin:$PATH"
        python3 -m pip install -q -r "$requirements" >&2
    fi
}

# OpenBLAS 0.3.21 misdetects AMD cores with AVX-512 (Zen 4) as Haswell and runs sgemm at half
# speed; SkylakeX is the right core type there. It must not be forced on CPUs without AVX-512
# (it dies with an illegal instruction), so it is set only where the CPU has it, and only if the
# user has not chosen a core type. OpenBLAS reads it when the library loads.
configure_openblas() {
    # The runtime runs on its own thread pool; OpenBLAS serves only the im2col + sgemm baseline.
    # Its worker threads, started when the library loads, poll for work and take a core from
    # the runtime's threads on a two-core board, so by default it gets none.
    export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
    if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q '^flags.*\bavx512f\b' /proc/cpuinfo 2>/dev/null \
        && grep -q 'AuthenticAMD' /proc/cpuinfo 2>/dev/null; then
        export OPENBLAS_CORETYPE=SkylakeX
    fi
}

# What building EdgeSculpt needs from Debian.
BUILD_PACKAGES=(libopenblas-dev libarmadillo-dev pkg-config zlib1g-dev)
