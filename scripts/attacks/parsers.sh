# Parser attacks from issue 11 (sourced by scripts/replay-attacks.sh with lib.sh's helpers).

# 60,000 nested <a> elements (420 KB, under the 1 MiB body limit) posted for validation by a
# logged-in viewer. Before: a tokio worker overflowed its stack and the server aborted. Now the
# XML is parsed off the async workers by roxmltree (no recursion) and refused at
# MAX_XML_DEPTH = 32 levels.
nested_xml_body() {
  python3 -c 'import json; n = 60000; print(json.dumps({"xml": "<a>" * n + "</a>" * n}))'
}
body_file="$JAR_DIR/nested-xml.json"
nested_xml_body >"$body_file"
resp=$(as pk.viewer POST /api/alerts/validate -H 'content-type: application/json' \
  --data-binary @"$body_file")
report "POST /api/alerts/validate, 60,000 nested elements (viewer)" "422" "$resp"

# The same document drafted as an alert by a duty officer: refused with the limit named.
resp=$(as pk.duty POST /api/alerts -H 'content-type: application/json' \
  --data-binary @"$body_file")
report "POST /api/alerts, 60,000 nested elements (duty officer)" "422" "$resp"
