# Helpers shared by the attack files in scripts/attacks/*.sh (sourced, not run).
# BASE is the server URL (set by scripts/replay-attacks.sh); demo accounts use the demo password.
# Each attack prints one line per request: what was tried and the status/answer it now gets.
: "${BASE:?BASE must be the server URL, e.g. http://127.0.0.1:18080}"
: "${DEMO_PASSWORD:=forewarn-demo}"
JAR_DIR="${JAR_DIR:-$(mktemp -d)}"

# login USER -> a cookie jar at $JAR_DIR/USER and the CSRF token in $JAR_DIR/USER.csrf
login() {
  local user="$1"
  curl -s -c "$JAR_DIR/$user" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$DEMO_PASSWORD\"}" "$BASE/api/login" \
    | sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p' >"$JAR_DIR/$user.csrf"
}

# as USER METHOD PATH [curl args...] -> body, then a last line "HTTP <status>"
as() {
  local user="$1" method="$2" path="$3"
  shift 3
  [ -s "$JAR_DIR/$user.csrf" ] || login "$user"
  curl -s -b "$JAR_DIR/$user" -X "$method" -H "x-csrf-token: $(cat "$JAR_DIR/$user.csrf")" \
    -w '\nHTTP %{http_code}\n' "$@" "$BASE$path"
}

# anon METHOD PATH [curl args...]
anon() {
  local method="$1" path="$2"
  shift 2
  curl -s -X "$method" -w '\nHTTP %{http_code}\n' "$@" "$BASE$path"
}

# report "what was tried" "expected" <response> -> one line with the status and the first 160
# characters of the answer
report() {
  local what="$1" expected="$2" resp="$3"
  local status body
  status=$(printf '%s\n' "$resp" | tail -n 1)
  body=$(printf '%s\n' "$resp" | head -n -1 | tr '\n' ' ' | cut -c1-160)
  printf '%-60s %-10s expected %-8s | %s\n' "$what" "$status" "$expected" "$body"
}
