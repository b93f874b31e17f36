#!/bin/bash
# Create or upgrade Temporal's PostgreSQL schemas to the versions shipped with this
# admin-tools image (run before every Temporal server start; idempotent).
set -euo pipefail
: "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
HOST="${POSTGRES_SEEDS:-postgresql}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

tool() {
    temporal-sql-tool --plugin postgres12 --ep "$HOST" -p 5432 \
        -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

for db in temporal:temporal temporal_visibility:visibility; do
    name="${db%%:*}" dir="${db##*:}"
    if ! tool --db "$name" update-schema -d "$SCHEMA_DIR/$dir/versioned"; then
        echo "temporal-schema: $name has no schema yet, creating it"
        tool --db "$name" setup-schema -v 0.0
        tool --db "$name" update-schema -d "$SCHEMA_DIR/$dir/versioned"
    fi
done
echo "temporal-schema: up to date"
