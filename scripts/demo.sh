#!/usr/bin/env bash
# npm run demo: the plugin's main job on the bundled example, end to end on this machine.
# Hardens examples/core-data's postgres service (trace → generate → replay → enforce), in a copy
# under .demo/ so the repository stays as it is, then runs the CI gate on it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/.demo/core-data"

docker coredata version >/dev/null 2>&1 || { echo "docker coredata is not installed: run ./dist/docker-coredata install" >&2; exit 2; }
docker coredata doctor

image="${CORE_DATA_POSTGRES_IMAGE:-postgres:15}"
if ! docker image inspect "$image" >/dev/null 2>&1 && ! docker pull -q "$image" >/dev/null 2>&1; then
  echo "cannot pull $image (no registry?): building coredata-test/postgres:15 from Debian packages instead" >&2
  bash "$root/test/images/build.sh"
  image=coredata-test/postgres:15
fi
export CORE_DATA_POSTGRES_IMAGE="$image"

rm -rf "$work" && mkdir -p "$(dirname "$work")" && cp -r "$root/examples/core-data" "$work"
cd "$work"
docker coredata status
docker coredata harden postgres --apply --wait-healthy \
  --exec 'pgbench -i -U postgres coredata' \
  --exec 'pgbench -T 10 -U postgres coredata' \
  --exec 'psql -v ON_ERROR_STOP=1 -U postgres -d coredata -c "create table demo(x int primary key); insert into demo values (1)"' \
  --exec 'createdb -U postgres restored && pg_dump -U postgres -Fc coredata > /var/lib/postgresql/data/d.dump && pg_restore -U postgres -d restored /var/lib/postgresql/data/d.dump'
docker coredata verify
echo "demo project: $work (profile: seccomp/postgres.json, report and traces under seccomp/)" >&2
