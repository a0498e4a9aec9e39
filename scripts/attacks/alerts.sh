# Alert integrity attacks of issue 11 (sourced by scripts/replay-attacks.sh with lib.sh):
# CAP impersonation (a Cancel with another organisation's sender and references), the
# revise-then-approve bypass of the two-person rule, an exercise alert read at /cap by a
# non-participant, and the browser tests under /e2e/.

# cap_xml SENDER IDENTIFIER SENT STATUS MSGTYPE HEADLINE [REFERENCES] -> a valid CAP 1.2 message
cap_xml() {
  local sender="$1" ident="$2" sent="$3" status="$4" msgtype="$5" headline="$6" refs="${7:-}"
  local refel=""
  [ -n "$refs" ] && refel="<references>$refs</references>"
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>$ident</identifier><sender>$sender</sender><sent>$sent</sent><status>$status</status><msgType>$msgtype</msgType><scope>Public</scope>$refel<info><language>en</language><category>Geo</category><event>Earthquake</event><responseType>Evacuate</responseType><urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty><expires>2030-01-01T00:00:00-00:00</expires><headline>$headline</headline><description>Attack replay message.</description><area><areaDesc>Test area</areaDesc><polygon>34.0,73.0 34.0,74.0 35.0,74.0 35.0,73.0 34.0,73.0</polygon></area></info></alert>
EOF
}

# json_xml -> {"xml": stdin} as JSON
json_xml() { jq -Rs '{xml: .}'; }
# id_of RESPONSE -> the "id" of a JSON answer
id_of() { printf '%s\n' "$1" | head -n -1 | jq -r '.id // empty' 2>/dev/null; }
# tag RESPONSE NAME -> the text of the first <NAME> element of an XML answer
tag() { printf '%s\n' "$1" | sed -n "s:.*<$2>\([^<]*\)</$2>.*:\1:p" | head -n 1; }

now_cap() { date -u +%Y-%m-%dT%H:%M:%S-00:00; }
later_cap() { date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%S-00:00; }

echo "-- CAP impersonation: Pakistan cancels India's alert with India's sender"
r=$(cap_xml in@forewarn.example in-1 "$(now_cap)" Actual Alert "Earthquake warning (India)" | json_xml \
  | as in.duty POST /api/alerts -H 'content-type: application/json' -d @-)
report "in.duty drafts an alert" "201" "$r"
in_id=$(id_of "$r")
report "in.approver approves it" "200" "$(as in.approver POST "/api/alerts/$in_id/approve" -H 'content-type: application/json' -d '{}')"
report "in.duty publishes it" "200" "$(as in.duty POST "/api/alerts/$in_id/publish" -H 'content-type: application/json' -d '{}')"
in_cap=$(anon GET "/cap/$in_id.xml")
in_ident=$(tag "$in_cap" identifier)
in_sent=$(tag "$in_cap" sent)
report "anonymous GET /cap/$in_id.xml (India's alert)" "200" "$in_cap"
r=$(cap_xml in@forewarn.example forged-cancel "$(later_cap)" Actual Cancel "ALL CLEAR" \
  "in@forewarn.example,$in_ident,$in_sent" | json_xml \
  | as pk.duty POST /api/alerts -H 'content-type: application/json' -d @-)
report "pk.duty drafts Cancel: India's sender, references India" "422" "$r"
forged=$(id_of "$r")
if [ -n "$forged" ]; then
  report "pk.approver approves the forged Cancel" "-" "$(as pk.approver POST "/api/alerts/$forged/approve" -H 'content-type: application/json' -d '{}')"
  report "pk.duty publishes the forged Cancel" "-" "$(as pk.duty POST "/api/alerts/$forged/publish" -H 'content-type: application/json' -d '{}')"
fi
r=$(anon GET "/cap/$in_id.xml")
report "anonymous GET /cap/$in_id.xml: sender $(tag "$r" sender)" "200" "$r"
r=$(as in.duty GET "/api/alerts/$in_id")
report "in.duty GET /api/alerts/$in_id: status $(printf '%s\n' "$r" | head -n -1 | jq -r .status)" "published" "$r"

r=$(cap_xml in@forewarn.example "$in_ident" "$(now_cap)" Actual Alert "Posing as India" | json_xml \
  | as pk.duty POST /api/alerts -H 'content-type: application/json' -d @-)
pk_id=$(id_of "$r")
report "pk.duty drafts with India's sender+identifier: sender now" "201" \
  "$(printf '%s\n' "$r" | head -n -1 | jq -r '"\(.sender) \(.identifier)"')
$(printf '%s\n' "$r" | tail -n 1)"
as pk.approver POST "/api/alerts/$pk_id/approve" -H 'content-type: application/json' -d '{}' >/dev/null
report "pk.duty publishes it" "200" "$(as pk.duty POST "/api/alerts/$pk_id/publish" -H 'content-type: application/json' -d '{}')"
r=$(anon GET "/cap/$pk_id.xml")
report "anonymous GET /cap/$pk_id.xml: sender $(tag "$r" sender)" "200" "$r"
pk_feed=$(anon GET /feeds/pk.atom)
in_feed=$(anon GET /feeds/in.atom)
report "/feeds/pk.atom lists /cap/$pk_id.xml: $(grep -c "alternate.*/cap/$pk_id.xml\"" <<<"$pk_feed"), /cap/$in_id.xml: $(grep -c "alternate.*/cap/$in_id.xml\"" <<<"$pk_feed")" "1, 0" "$pk_feed"
report "/feeds/in.atom lists /cap/$in_id.xml: $(grep -c "alternate.*/cap/$in_id.xml\"" <<<"$in_feed"), /cap/$pk_id.xml: $(grep -c "alternate.*/cap/$pk_id.xml\"" <<<"$in_feed")" "1, 0" "$in_feed"
report "/feeds/pk.atom?limit=1 next link: $(grep -c 'rel="next"' <<<"$(anon GET '/feeds/pk.atom?limit=1')")" "0 or 1" "$(anon GET '/feeds/pk.atom?limit=1')"
report "/feeds/pk.atom?limit=100000" "422" "$(anon GET '/feeds/pk.atom?limit=100000')"
report "/api/alerts?limit=100000" "422" "$(as pk.duty GET '/api/alerts?limit=100000')"

echo "-- Two-person rule: revise, then approve your own text"
report "rc.coordinator creates pk.lead (duty_officer+approver)" "201" "$(as rc.coordinator POST /api/users -H 'content-type: application/json' \
  -d "{\"username\":\"pk.lead\",\"display_name\":\"Pakistan lead\",\"org\":\"pk\",\"roles\":[\"duty_officer\",\"approver\"],\"password\":\"$DEMO_PASSWORD\"}")"
r=$(cap_xml pk@forewarn.example d-1 "$(now_cap)" Actual Alert "Aftershock advisory" | json_xml \
  | as pk.duty POST /api/alerts -H 'content-type: application/json' -d @-)
report "pk.duty drafts an advisory" "201" "$r"
d_id=$(id_of "$r")
r=$(cap_xml pk@forewarn.example d-1 "$(now_cap)" Actual Alert "EVACUATE NOW" | json_xml \
  | as pk.lead POST "/api/alerts/$d_id/revise" -H 'content-type: application/json' -d @-)
report "pk.lead revises it to EVACUATE NOW" "200" "$r"
report "pk.lead approves their own revision" "403" "$(as pk.lead POST "/api/alerts/$d_id/approve" -H 'content-type: application/json' -d '{}')"
report "pk.lead publishes it" "409" "$(as pk.lead POST "/api/alerts/$d_id/publish" -H 'content-type: application/json' -d '{}')"

echo "-- Exercise alert at /cap read by a non-participant"
r=$(as rc.coordinator POST /api/exercises -H 'content-type: application/json' \
  -d '{"scenario":"exercise-pamir.toml","human_teams":["tj-coes","kg-mchs"]}')
report "rc.coordinator creates an exercise (tj, kg play)" "201" "$r"
x_id=$(id_of "$r")
r=$(cap_xml tj@forewarn.example x-1 "$(now_cap)" Exercise Alert "EXERCISE quake" | json_xml \
  | as tj.duty POST /api/alerts -H "forewarn-exercise: $x_id" -H 'content-type: application/json' -d @-)
report "tj.duty drafts an exercise alert" "201" "$r"
x_alert=$(id_of "$r")
as tj.approver POST "/api/alerts/$x_alert/approve" -H "forewarn-exercise: $x_id" -H 'content-type: application/json' -d '{}' >/dev/null
report "tj.duty publishes it" "200" "$(as tj.duty POST "/api/alerts/$x_alert/publish" -H "forewarn-exercise: $x_id" -H 'content-type: application/json' -d '{}')"
report "pk.duty GET /cap/$x_alert.xml (not in the exercise)" "404" "$(as pk.duty GET "/cap/$x_alert.xml")"
report "pk.duty GET /api/alerts/$x_alert" "404" "$(as pk.duty GET "/api/alerts/$x_alert")"
report "anonymous GET /cap/$x_alert.xml" "404" "$(anon GET "/cap/$x_alert.xml")"
report "tj.duty GET /cap/$x_alert.xml (participant)" "200" "$(as tj.duty GET "/cap/$x_alert.xml")"

echo "-- Browser tests served from the web directory"
for p in /e2e/ /e2e /e2e/package.json /e2e/e2e.test.mjs /e2e/README.md /e2e/.gitignore; do
  report "anonymous GET $p" "404" "$(anon GET "$p")"
done
report "anonymous GET / (the UI)" "200" "$(anon GET / | tail -n 1)"
