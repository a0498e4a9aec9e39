# Authentication and input attacks of issue 11 (login memory, login races and lock-outs,
# forwarded-address spoofing, control characters, idempotency keys). Sourced by
# scripts/replay-attacks.sh with the helpers of scripts/attacks/lib.sh.
# It guesses only at mn.viewer and af.viewer (no other attack file logs in as them) and makes
# 10 failed logins from this address, well under the per-address limit (30 per 5 minutes), so
# the files after it can still log in.

json=(-H 'content-type: application/json')

# 1. 300 failed logins with distinct 1 MB user names (the server grew by 616 MB before):
#    each is refused by the 4 KiB login body limit before it is parsed, counted or hashed.
# statuses: reads "HTTP nnn" lines, prints e.g. "295x413 5x429" as a last line for report.
statuses() { sort | uniq -c | awk '{printf "%sx%s ", $1, $3} END {print ""}' | sed 's/^/HTTP /'; }
big="$JAR_DIR/big-login.json"
resp=$(for i in $(seq 1 300); do
  { printf '{"username":"%s' "$i"; head -c 1048576 /dev/zero | tr '\0' 'u'; printf '","password":"x"}'; } >"$big"
  anon POST /api/login "${json[@]}" --data-binary "@$big" | tail -n 1
done | statuses)
report "300 x POST /api/login with a 1 MB username" "300x413" "$resp"
resp=$(anon POST /api/login "${json[@]}" -d "{\"username\":\"$(printf 'u%.0s' $(seq 1 65))\",\"password\":\"x\"}")
report "POST /api/login with a 65-character username" "422" "$resp"

# 2. 30 parallel wrong guesses: at most 5 are checked, the rest get 429, and then even the
#    right password is refused until the window ends.
for i in $(seq 1 30); do
  anon POST /api/login "${json[@]}" -d "{\"username\":\"mn.viewer\",\"password\":\"guess-$i\"}" \
    | tail -n 1 >"$JAR_DIR/guess.$i" &
done
wait
resp=$(cat "$JAR_DIR"/guess.* | statuses)
report "30 parallel wrong logins as mn.viewer" "5x401" "$resp"
resp=$(anon POST /api/login "${json[@]}" -D - -d "{\"username\":\"mn.viewer\",\"password\":\"$DEMO_PASSWORD\"}" \
  | grep -i -e '^retry-after' -e '"error"' -e '^HTTP [0-9]*$' | tr -d '\r')
report "then the right password for mn.viewer" "429" "$resp"

# 3. X-Forwarded-For / Forwarded spoofing without a trusted proxy: every attempt still
#    counts under the real peer address, so the 6th is refused.
for i in $(seq 1 6); do
  resp=$(anon POST /api/login "${json[@]}" -H "X-Forwarded-For: 198.18.0.$i" -H "Forwarded: for=198.18.1.$i" \
    -d '{"username":"af.viewer","password":"wrong"}')
  report "af.viewer wrong password, X-Forwarded-For 198.18.0.$i" "$([ "$i" -le 5 ] && echo 401 || echo 429)" "$resp"
done

# 4. NUL and terminal escapes in text fields: 422 naming the field.
login pk.duty
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -d '{"title":"ok\u0000hidden","body":"b"}')
report "sitrep title with NUL" "422 title" "$resp"
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -d '{"title":"t","body":"\u001b[2J\u001b]0;pwned\u0007"}')
report "sitrep body with ESC/BEL terminal escapes" "422 body" "$resp"
resp=$(as pk.duty POST /api/requests "${json[@]}" -d '{"title":"Tents","resource_type":"shelter","quantity":1,"unit":"tent","description":"c1 \u009b31m"}')
report "request description with a C1 control (CSI)" "422" "$resp"
long=$(head -c 20001 /dev/zero | tr '\0' 'x')
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -d "{\"title\":\"t\",\"body\":\"$long\"}")
report "sitrep body of 20001 characters" "422 body" "$resp"

# 5. An Idempotency-Key reused with a different body: 422, not a silent replay.
key="auth-sh-$RANDOM$RANDOM"
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -H "Idempotency-Key: $key" -d '{"title":"first","body":"b"}')
report "sitrep with a new Idempotency-Key" "201" "$resp"
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -H "Idempotency-Key: $key" -d '{"title":"first","body":"b"}')
report "the same request again (replay)" "201" "$resp"
resp=$(as pk.duty POST /api/sitreps "${json[@]}" -H "Idempotency-Key: $key" -d '{"title":"second","body":"other"}')
report "the same key with another body" "422" "$resp"
