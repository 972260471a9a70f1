#!/usr/bin/env bash
# Builds the images the integration tests run, from local files only (no registry):
#   coredata-test/busybox:latest   bare busybox-static, no libc, no /tmp, no /bin/sh symlink farm
#   coredata-test/postgres:15      Debian bookworm minbase + postgresql-15 (debootstrap)
# Idempotent: an image that exists is kept. Needs root, a running engine, busybox-static, debootstrap.
set -euo pipefail
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

have() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have coredata-test/busybox:latest; then
  mkdir -p "$work/bb/bin"
  cp /bin/busybox "$work/bb/bin/busybox"
  # Only the applets the tests call; deliberately no /tmp, /etc or libc.
  for a in sh ls cat echo sleep true false mkdir ln dd id wc head; do ln -s busybox "$work/bb/bin/$a"; done
  tar -C "$work/bb" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - coredata-test/busybox:latest >/dev/null
  echo "built coredata-test/busybox:latest" >&2
fi

if ! have coredata-test/postgres:15; then
  rootfs="$work/pg"
  debootstrap --variant=minbase --include=postgresql-15,postgresql-client-15 bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  install -m 0755 "$(dirname "$0")/postgres-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  # As the official image: the data directory exists and belongs to postgres, so a fresh named
  # volume mounted there is writable by a non-root service.
  chroot "$rootfs" install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
  rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
  tar -C "$rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV PGDATA=/var/lib/postgresql/data' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    -c 'CMD ["postgres"]' \
    -c 'EXPOSE 5432' \
    - coredata-test/postgres:15 >/dev/null
  echo "built coredata-test/postgres:15" >&2
fi
