# Attacks on run and plan limits, plan paths and exercise creation (issue 11, limits-fairness).
# Sourced by scripts/replay-attacks.sh with lib.sh; needs python3 to build JSON bodies.

# A small plan with the regional centre (or $1) as director; $2 is appended (a hazard).
limits_plan() {
  python3 - "$1" "$2" <<'PY'
import json, sys
country, extra = sys.argv[1], sys.argv[2]
toml = f'''[exercise]
name = "Limits attack"
hseep_type = "tabletop"
languages = ["en"]
start = "2026-05-12T06:00:00+05:00"
duration = "6h"

[[organisation]]
id = "org"
name = "Attacker"
country = "{country}"

[[team]]
id = "dir"
name = "Director"
organisation = "org"
role = "director"
language = "en"

[[team]]
id = "play"
name = "Players"
organisation = "org"
role = "player"
language = "en"
{extra}
'''
print(json.dumps({"toml": toml}))
PY
}
limits_flood() { printf '\n[[hazard]]\nid = "fl"\nkind = "flood"\nat = "T+1h"\nscenario = "%s"\n%s\n' "$1" "$2"; }
limits_quake() { printf '\n[[hazard]]\nid = "eq"\nkind = "earthquake"\nat = "T+1h"\nlon = 73.63\nlat = 34.49\ndepth_km = 26\nmag = %s\nspacing_km = %s\n' "$1" "$2"; }

# 1. A duty officer creates an exercise by naming its own organisation as director.
report "pk.duty creates an exercise directing it itself" "403" \
  "$(as pk.duty POST /api/exercises -H 'content-type: application/json' -d "$(limits_plan PK '')")"

# 2. Oversized plans and runs.
report "exercise hazard M9.5 spacing_km 0.06 (23 GB before)" "422" \
  "$(as rc.coordinator POST /api/exercises -H 'content-type: application/json' -d "$(limits_plan RC "$(limits_quake 9.5 0.06)")")"
report "exercise duration 20000000d (5 GB after start before)" "422" \
  "$(as rc.coordinator POST /api/exercises -H 'content-type: application/json' -d "$(limits_plan RC '' | sed 's/6h/20000000d/')")"
report "exercise flood duration_h 1e6 (hours of CPU before)" "422" \
  "$(as rc.coordinator POST /api/exercises -H 'content-type: application/json' -d "$(limits_plan RC "$(limits_flood sarez-outburst.toml 'duration_h = 1e6')")")"
report "incident with 5000 realisations" "422" \
  "$(as pk.duty POST /api/incidents -H 'content-type: application/json' -d '{"title":"big","quake":{"lat":34.5,"lon":73.6,"depth_km":20,"mag":9.5,"realizations":5000}}')"

# 3. Plan paths outside the bundled scenarios.
for p in /proc/self/pagemap /etc/shadow /etc/no-such-file ../Cargo.toml; do
  report "exercise flood scenario = $p" "422" \
    "$(as rc.coordinator POST /api/exercises -H 'content-type: application/json' -d "$(limits_plan RC "$(limits_flood "$p" '')")")"
done

# 5. Queue position: three slow runs from Pakistan, then India's small one.
for k in 1 2 3; do
  as pk.duty POST /api/incidents -H 'content-type: application/json' \
    -d '{"title":"slow","quake":{"lat":34.49,"lon":73.63,"depth_km":26,"mag":9.5,"realizations":200}}' >/dev/null
done
in_resp=$(as in.duty POST /api/incidents -H 'content-type: application/json' \
  -d '{"title":"small","quake":{"lat":28.6,"lon":77.2,"depth_km":10,"mag":5.0,"realizations":0}}')
in_id=$(printf '%s\n' "$in_resp" | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -n 1)
report "India's run after 3 queued M9.5 runs: queue_position" "1 or run" \
  "$(as in.duty GET "/api/incidents/$in_id" | sed 's/.*\("queue_position":[0-9]*\).*/\1/')"
