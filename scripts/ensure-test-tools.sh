#!/usr/bin/env bash
# Makes sure the tools the test suite drives from outside Node are present (run by `pretest`).
#
# 1. The container clients of the /v2 tests, from Debian when missing (as root with apt-get):
#    skopeo, podman, buildah, umoci (builds the test images), docker.io (dockerd, which the tests
#    start themselves), docker-registry (CNCF distribution 2.8, the benchmark's peer) and
#    busybox-static (the one binary of the runnable test image), and chromium (the browser that
#    test/console.e2e-spec.ts drives with playwright-core, /usr/bin/chromium). They are looked up
#    as commands, busybox-static as its package, since a dynamic busybox cannot run alone in an
#    image.
#
# 2. The S3-compatible server of the s3 driver's tests (test/support/swift.ts), from Debian when
#    missing: OpenStack Swift's proxy (with its s3api middleware), object, container and account
#    servers, and memcached for its tempauth. Looked up as commands.
#
# 3. The AWS CLI v2, which test/aws-cli.e2e-spec.ts runs against the server. It is looked up the way
# test/support/aws-cli.ts looks it up: $AWS_CLI when set (an explicit choice: it must be a v2),
# otherwise /usr/bin/aws, then /usr/local/bin/aws. The `aws` first on PATH is deliberately not
# used: on some machines it is a v1 (a pip install under pyenv). When no v2 is found and we are
# root with apt-get, Debian's `awscli` package (a v2 on bookworm) is installed; otherwise the
# script says how to install it and fails.
#
# Quiet and fast (a few `command -v`, one dpkg-query and one `aws --version`) when everything is
# present; safe to run any number of times.
set -euo pipefail

can_apt() {
  [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# command:package for each client the /v2 tests run, and the browser of the console tests.
CLIENTS="skopeo:skopeo podman:podman buildah:buildah umoci:umoci dockerd:docker.io docker-registry:docker-registry chromium:chromium"
missing=()
for entry in $CLIENTS; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
done
if ! { [ -x /bin/busybox ] &&
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; }; then
  missing+=(busybox-static)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if ! can_apt; then
    echo "ensure-test-tools: the /v2 client tests need these Debian packages, missing here:" \
      "${missing[*]}; install them (as root: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "ensure-test-tools: installing ${missing[*]} (apt-get) for the /v2 client tests" >&2
  apt_install --no-install-recommends "${missing[@]}"
  for entry in $CLIENTS; do
    if ! command -v "${entry%%:*}" >/dev/null 2>&1; then
      echo "ensure-test-tools: apt-get installed ${entry#*:}, but ${entry%%:*} is not on PATH" >&2
      exit 1
    fi
  done
fi

# command:package for each part of the S3-compatible test server.
SWIFT="swift-proxy-server:swift-proxy swift-object-server:swift-object swift-container-server:swift-container swift-account-server:swift-account swift-ring-builder:swift memcached:memcached"
missing=()
for entry in $SWIFT; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! can_apt; then
    echo "ensure-test-tools: the s3 driver's tests need these Debian packages, missing here:" \
      "${missing[*]}; install them (as root: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "ensure-test-tools: installing ${missing[*]} (apt-get) for the s3 driver's tests" >&2
  apt_install --no-install-recommends "${missing[@]}"
  for entry in $SWIFT; do
    if ! command -v "${entry%%:*}" >/dev/null 2>&1; then
      echo "ensure-test-tools: apt-get installed ${entry#*:}, but ${entry%%:*} is not on PATH" >&2
      exit 1
    fi
  done
fi

is_v2() {
  [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version 2>&1 | grep -q '^aws-cli/2\.'
}

find_v2() {
  local candidate
  for candidate in /usr/bin/aws /usr/local/bin/aws; do
    if is_v2 "$candidate"; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -n "${AWS_CLI:-}" ]; then
  if is_v2 "$AWS_CLI"; then
    exit 0
  fi
  echo "ensure-test-tools: AWS_CLI=${AWS_CLI} is not an executable AWS CLI v2" \
    "(its --version must print aws-cli/2.); point it at a v2 binary or unset it" >&2
  exit 1
fi

if find_v2 >/dev/null; then
  exit 0
fi

if can_apt; then
  echo "ensure-test-tools: installing the AWS CLI v2 (apt-get install awscli) for the CLI tests" >&2
  apt_install awscli
  if found="$(find_v2)"; then
    echo "ensure-test-tools: using $("$found" --version 2>&1)" >&2
    exit 0
  fi
  echo "ensure-test-tools: apt-get installed awscli, but /usr/bin/aws is not a v2" \
    "(this distribution's package is probably a v1)" >&2
fi

cat >&2 <<'MSG'
ensure-test-tools: the tests need the AWS CLI v2 (test/aws-cli.e2e-spec.ts) and none was found.
  Looked at: /usr/bin/aws and /usr/local/bin/aws (each must print "aws-cli/2." for --version).
  Install it with one of:
    - Debian 12 (bookworm), as root:  apt-get update && apt-get install -y awscli
    - any Linux x86_64, the official installer (puts it at /usr/local/bin/aws):
        curl -sSfo /tmp/awscliv2.zip https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip
        unzip -q /tmp/awscliv2.zip -d /tmp && sudo /tmp/aws/install
  or point AWS_CLI at an existing v2 binary:  AWS_CLI=/path/to/aws npm test
MSG
exit 1
