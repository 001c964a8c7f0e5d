#!/bin/sh
# Prints a fresh set of the secrets docker-compose.yml requires, as an .env file:
#   scripts/make-secrets.sh > .env && chmod 600 .env
# Every value is random (openssl rand); keep the file out of version control and back it up with
# the database: without BERTH_MASTER_KEY the stored access keys cannot be read.
set -eu
command -v openssl >/dev/null 2>&1 || { echo "make-secrets.sh: openssl is needed" >&2; exit 1; }

# AKIA and 16 characters of base-32, the shape of an AWS access key id.
key_id="AKIA$(openssl rand 1024 | LC_ALL=C tr -dc 'A-Z2-7' | cut -c1-16)"
[ ${#key_id} -eq 20 ] || { echo "make-secrets.sh: could not draw a key id" >&2; exit 1; }

cat <<ENV
BERTH_MASTER_KEY=$(openssl rand -hex 32)
BERTH_ADMIN_TOKEN=$(openssl rand -hex 32)
BERTH_SIGNING_KEY=$(openssl rand -hex 32)
BERTH_DB_PASSWORD=$(openssl rand -hex 24)
BERTH_ACCESS_KEY_ID=${key_id}
BERTH_SECRET_ACCESS_KEY=$(openssl rand -base64 30)
ENV
