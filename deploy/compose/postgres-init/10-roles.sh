#!/bin/bash
# First start of the PostgreSQL volume: one role and database for MetaBuilder, one role with
# its two databases for Temporal (main + visibility). Later starts skip this directory.
set -euo pipefail
: "${METABUILDER_DB_PASSWORD:?set METABUILDER_DB_PASSWORD in env/postgres.env}"
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD in env/postgres.env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v mb_password="$METABUILDER_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE metabuilder LOGIN PASSWORD :'mb_password';
CREATE DATABASE metabuilder OWNER metabuilder;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
