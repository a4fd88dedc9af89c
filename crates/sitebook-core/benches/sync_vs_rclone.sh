#!/usr/bin/env bash
# Whole-process comparisons against Debian's rclone, on the same local S3 server (s3s-fs, which
# checks SigV4), with four transfers in flight each:
# - `sitebook sync run --wait` against `rclone copy`, both sending the same 1,000 output files
#   (24-64 KB each, about 44 MB);
# - `sitebook sync check --deep` against `rclone check --download`, both reading those 1,000
#   objects back and comparing them;
# - `sitebook sync restore --wait` on a new data dir against `rclone copy` from the bucket, both
#   fetching those 1,000 objects.
# DOWNLOAD_DELAY_MS (default 0) makes the server add that much to every download, as a bucket
# far away would.
#
# Each timed command starts from the same state: the bucket emptied and the data dir restored
# from a pristine copy (rclone's command does the same copy, so both carry that cost).
#
# Needs: a release build (`cargo build --release -p sitebook-cli --example s3_test_server
# -p sitebook-core`), rclone, python3, and a keyring (run under dbus-run-session with an
# unlocked gnome-keyring-daemon, as scripts/test-all.sh does). Prints the two commands; time
# them with any whole-process timer, e.g. `/usr/bin/time -v`, several runs each.
set -euo pipefail
cd "$(dirname "$0")/../../.."
release=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release
work=${BENCH_DIR:-/tmp/sitebook-sync-bench}
rm -rf "$work" && mkdir -p "$work/bucket-root/bench"
export SITEBOOK_PASSWORD=bench-password-1 SITEBOOK_NEW_PASSWORD=bench-password-1
export SITEBOOK_S3_SECRET=bench-secret-key-0001
S3_TEST_DOWNLOAD_DELAY_MS=${DOWNLOAD_DELAY_MS:-0} \
  "$release/examples/s3_test_server" "$work/bucket-root" GKbench0001 "$SITEBOOK_S3_SECRET" 39511 \
  </dev/null >"$work/server.log" 2>&1 &
echo $! >"$work/server.pid"
sleep 1

pristine="$work/pristine"
"$release/sitebook" --data-dir "$pristine" --user root init --name "Bench Root" >/dev/null
python3 - "$pristine" <<'PY'
import hashlib, os, random, sqlite3, sys
data = sys.argv[1]
db = sqlite3.connect(os.path.join(data, "sitebook.sqlite"))
org_id, slug = db.execute("SELECT o.id, o.slug FROM organizations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id WHERE u.username = 'root'").fetchone()
user_id = db.execute("SELECT id FROM users WHERE username = 'root'").fetchone()[0]
now = "2026-12-02T00:00:00.000Z"
job = db.execute("INSERT INTO jobs (org_id, user_id, kind, status, progress, next_run_at, created_at) VALUES (?, ?, 'generate_bill', 'completed', 100, ?, ?)", (org_id, user_id, now, now)).lastrowid
folder = os.path.join(data, "outputs", slug)
os.makedirs(folder, exist_ok=True)
rng = random.Random(7)
for n in range(1000):
    name = f"bill-{n:04d}.pdf"
    body = b"%PDF-1.7\n" + rng.randbytes(rng.randint(24 * 1024, 64 * 1024))
    with open(os.path.join(folder, name), "wb") as f:
        f.write(body)
    sha = hashlib.sha256(body).hexdigest()
    out = db.execute("INSERT INTO output_files (org_id, user_id, job_id, filename, kind, stored_path, size, sha256, inputs_sha256, created_at) VALUES (?, ?, ?, ?, 'pdf', ?, ?, ?, ?, ?)", (org_id, user_id, job, name, f"outputs/{slug}/{name}", len(body), sha, sha, now)).lastrowid
    # As a job records an output: its upload is queued in the same transaction.
    db.execute("INSERT INTO sync_outbox (org_id, output_id, sha256, state, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)", (org_id, out, sha, now, now))
db.commit()
print(slug)
PY
"$release/sitebook" --data-dir "$pristine" --user root sync config --endpoint http://127.0.0.1:39511 \
  --bucket bench --path-style --access-key-id GKbench0001 >/dev/null
"$release/sitebook" --data-dir "$pristine" --user root sync disable >/dev/null
slug=$(ls "$pristine/outputs")

cat >"$work/ours.sh" <<SH
#!/bin/sh
export SITEBOOK_PASSWORD=$SITEBOOK_PASSWORD
rm -rf "$work/bucket-root/bench" "$work/data" && mkdir "$work/bucket-root/bench" && cp -a "$pristine" "$work/data"
"$release/sitebook" --data-dir "$work/data" --user root sync enable >/dev/null
exec "$release/sitebook" --data-dir "$work/data" --user root sync run --wait
SH
cat >"$work/rclone.sh" <<SH
#!/bin/sh
rm -rf "$work/bucket-root/bench" "$work/data" && mkdir "$work/bucket-root/bench" && cp -a "$pristine" "$work/data"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=http://127.0.0.1:39511
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=GKbench0001 RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SITEBOOK_S3_SECRET
export RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
# A CA bundle set for the AWS SDK makes rclone's S3 backend refuse its own HTTP transport.
unset AWS_CA_BUNDLE
exec rclone copy --transfers 4 "$work/data/outputs/$slug" bench:bench/$slug/pdf
SH
chmod +x "$work/ours.sh" "$work/rclone.sh"
# The deep check starts where a finished sync leaves things: every output in the bucket.
"$work/ours.sh" >/dev/null
cp -a "$work/data" "$work/synced"
cat >"$work/ours_check.sh" <<SH
#!/bin/sh
export SITEBOOK_PASSWORD=$SITEBOOK_PASSWORD
exec "$release/sitebook" --data-dir "$work/synced" --user root sync check --deep
SH
cat >"$work/rclone_check.sh" <<SH
#!/bin/sh
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=http://127.0.0.1:39511
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=GKbench0001 RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SITEBOOK_S3_SECRET
export RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
unset AWS_CA_BUNDLE
exec rclone check --download --checkers 4 "$work/synced/outputs/$slug" bench:bench/$slug/pdf
SH
# A new laptop: the same account, the same target, no outputs yet.
fresh="$work/fresh"
"$release/sitebook" --data-dir "$fresh" --user root init --name "Bench Root" >/dev/null
"$release/sitebook" --data-dir "$fresh" --user root sync config --endpoint http://127.0.0.1:39511 \
  --bucket bench --path-style --access-key-id GKbench0001 >/dev/null
cat >"$work/ours_restore.sh" <<SH
#!/bin/sh
export SITEBOOK_PASSWORD=$SITEBOOK_PASSWORD
rm -rf "$work/restored" && cp -a "$fresh" "$work/restored"
exec "$release/sitebook" --data-dir "$work/restored" --user root sync restore --wait
SH
cat >"$work/rclone_restore.sh" <<SH
#!/bin/sh
rm -rf "$work/restored" && cp -a "$fresh" "$work/restored"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=http://127.0.0.1:39511
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=GKbench0001 RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SITEBOOK_S3_SECRET
export RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
unset AWS_CA_BUNDLE
exec rclone copy --transfers 4 bench:bench/$slug/pdf "$work/restored/outputs/$slug"
SH
chmod +x "$work/ours_check.sh" "$work/rclone_check.sh" "$work/ours_restore.sh" "$work/rclone_restore.sh"
echo "ours:   $work/ours.sh"
echo "rclone: $work/rclone.sh"
echo "deep check, ours:   $work/ours_check.sh"
echo "deep check, rclone: $work/rclone_check.sh"
echo "restore, ours:   $work/ours_restore.sh"
echo "restore, rclone: $work/rclone_restore.sh"
echo "server: kill \$(cat $work/server.pid) when done"
