// A CAP 1.2 message as an editable document: the composer's form reads and writes the fields a
// person edits (urgency, severity, certainty, and per language the event, headline,
// description, instruction and area descriptions) in the parsed XML, so that everything else
// the message carries (areas' geometry, parameters, codes, references) stays as it was.
// Element names and their order are those of the CAP 1.2 schema (OASIS, 2010, section 3.2).

export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';

/** The order of an `<info>` block's elements (CAP 1.2 schema, `info` sequence). */
const INFO_ORDER = ['language', 'category', 'event', 'responseType', 'urgency', 'severity', 'certainty',
  'audience', 'eventCode', 'effective', 'onset', 'expires', 'senderName', 'headline', 'description',
  'instruction', 'web', 'contact', 'parameter', 'resource', 'area'];

/** The code values of the three assessment fields (CAP 1.2, section 3.2.2). */
export const CODES = Object.freeze({
  urgency: ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'],
  severity: ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'],
  certainty: ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'],
});

/** Text fields of one language a person writes; empty optional ones are left out. */
export const TEXT_FIELDS = Object.freeze([
  { name: 'event', required: true, multiline: false },
  { name: 'headline', required: false, multiline: false },
  { name: 'description', required: false, multiline: true },
  { name: 'instruction', required: false, multiline: true },
]);

/** Languages written right to left (the UI's and the published page's rule). */
export function isRtl(language) {
  return /^(ur|ar|fa|ps|he|ug)(-|$)/i.test(language || '');
}

/** Parses CAP XML; `{ doc }` when it is well-formed with an `<alert>` root, else `{ error }`. */
export function parseCap(xml) {
  if (!xml || !xml.trim()) return { error: 'empty' };
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return { error: 'unparsable' };
  if (doc.documentElement.localName !== 'alert') return { error: 'unparsable' };
  return { doc };
}

export function serializeCap(doc) {
  // The serializer writes the declaration and the root on one line; keep them apart as written.
  return new XMLSerializer().serializeToString(doc).replace(/^(<\?xml[^>]*\?>)(?=<)/, '$1\n');
}

function children(el, name) {
  return Array.from(el.children).filter((c) => c.localName === name);
}

/** The text of `el`'s first child element `name` ('' when absent). */
export function childText(el, name) {
  return children(el, name)[0]?.textContent ?? '';
}

/** The `<info>` blocks of the message, in order. */
export function infos(doc) {
  return children(doc.documentElement, 'info');
}

/** The `<area>` blocks of one `<info>`. */
export function areas(info) {
  return children(info, 'area');
}

/** The language of an `<info>` ('en-US' when absent, as CAP 1.2 defines). */
export function infoLanguage(info) {
  return childText(info, 'language').trim() || 'en-US';
}

/**
 * Sets `info`'s child `name` to `value`: the element is created in schema order when missing,
 * and removed when the value is empty and the field is optional.
 */
export function setInfoField(info, name, value, required = false) {
  const existing = children(info, name)[0];
  if (!value && !required) {
    if (existing) {
      const before = existing.previousSibling;
      if (before && before.nodeType === 3 && !before.textContent.trim()) before.remove();
      existing.remove();
    }
    return;
  }
  if (existing) {
    existing.textContent = value;
    return;
  }
  const el = info.ownerDocument.createElementNS(info.namespaceURI || CAP_NS, name);
  el.textContent = value;
  const rank = INFO_ORDER.indexOf(name);
  const next = Array.from(info.children).find((c) => INFO_ORDER.indexOf(c.localName) > rank);
  // Indent like the element it is placed before (or the block's first child).
  const model = next || info.firstElementChild;
  const indent = model?.previousSibling?.nodeType === 3 ? model.previousSibling.textContent : null;
  if (next) {
    info.insertBefore(el, next);
    if (indent) info.insertBefore(info.ownerDocument.createTextNode(indent), next);
  } else {
    if (indent) info.appendChild(info.ownerDocument.createTextNode(indent));
    info.appendChild(el);
  }
}

/** Sets one assessment field in every `<info>` (a message has one assessment). */
export function setAssessment(doc, name, value) {
  for (const info of infos(doc)) setInfoField(info, name, value, true);
}

/** The assessment shared by the message's languages (the first `<info>`'s). */
export function assessment(doc) {
  const first = infos(doc)[0];
  return Object.fromEntries(Object.keys(CODES).map((k) => [k, first ? childText(first, k).trim() : '']));
}

/** The fields of one language, as the form shows them. */
export function infoTexts(info) {
  return {
    language: infoLanguage(info),
    ...Object.fromEntries(TEXT_FIELDS.map((f) => [f.name, childText(info, f.name)])),
    areas: areas(info).map((a) => childText(a, 'areaDesc')),
  };
}

/** Sets the description of `info`'s area number `index`. */
export function setAreaDesc(info, index, value) {
  const a = areas(info)[index];
  if (!a) return;
  const d = children(a, 'areaDesc')[0];
  if (d) d.textContent = value;
}

/**
 * What differs between two messages, field by field and language by language:
 * `[{ language, field, before, after }]` (a language only in one of them counts as added or
 * removed).
 */
export function diffCap(beforeDoc, afterDoc) {
  const out = [];
  const msg = (doc, name) => childText(doc.documentElement, name).trim();
  for (const name of ['msgType', 'status', 'scope', 'note']) {
    const [b, a] = [msg(beforeDoc, name), msg(afterDoc, name)];
    if (a !== b) out.push({ language: '', field: name, before: b, after: a });
  }
  const byLang = (doc) => new Map(infos(doc).map((i) => [infoLanguage(i), i]));
  const before = byLang(beforeDoc);
  const after = byLang(afterDoc);
  for (const [lang, ai] of after) {
    const bi = before.get(lang);
    if (!bi) {
      out.push({ language: lang, field: 'language', before: '', after: lang });
      continue;
    }
    for (const name of [...Object.keys(CODES), ...TEXT_FIELDS.map((f) => f.name)]) {
      const [b, a] = [childText(bi, name).trim(), childText(ai, name).trim()];
      if (a !== b) out.push({ language: lang, field: name, before: b, after: a });
    }
    const [ba, aa] = [infoTexts(bi).areas.join(' | '), infoTexts(ai).areas.join(' | ')];
    if (ba !== aa) out.push({ language: lang, field: 'areaDesc', before: ba, after: aa });
  }
  for (const lang of before.keys()) {
    if (!after.has(lang)) out.push({ language: lang, field: 'language', before: lang, after: '' });
  }
  return out;
}

/** The order of an `<area>`'s elements (CAP 1.2 schema, `area` sequence). */
const AREA_ORDER = ['areaDesc', 'polygon', 'circle', 'geocode', 'altitude', 'ceiling'];

/** Removes `el` with the indentation before it. */
function removeIndented(el) {
  const before = el.previousSibling;
  if (before && before.nodeType === 3 && !before.textContent.trim()) before.remove();
  el.remove();
}

/**
 * Sets the `<area>` blocks of every `<info>`: `make(info)` gives that block's new areas,
 * `[{ desc, polygons: ["lat,lon lat,lon ..."] }]`. They replace the block's areas (with
 * their geocodes, circles and altitudes), or with `keep` follow them.
 */
export function setAreas(doc, make, keep = false) {
  for (const info of infos(doc)) {
    if (!keep) for (const a of areas(info)) removeIndented(a);
    const ns = info.namespaceURI || CAP_NS;
    const first = info.firstElementChild;
    const indent = first?.previousSibling?.nodeType === 3 && !first.previousSibling.textContent.trim() ? first.previousSibling.textContent : null;
    const inner = indent !== null ? `${indent}  ` : null;
    const text = (s) => info.ownerDocument.createTextNode(s);
    // Areas are the last elements of an info block: after its last element.
    let after = info.lastElementChild;
    for (const spec of make(info)) {
      const area = info.ownerDocument.createElementNS(ns, 'area');
      const add = (name, value) => {
        const el = info.ownerDocument.createElementNS(ns, name);
        el.textContent = value;
        if (inner !== null) area.append(text(inner));
        area.append(el);
      };
      add(AREA_ORDER[0], spec.desc);
      for (const p of spec.polygons) add(AREA_ORDER[1], p);
      if (indent !== null) area.append(text(indent));
      const ref = after ? after.nextSibling : info.firstChild;
      if (indent !== null) info.insertBefore(text(indent), ref);
      info.insertBefore(area, ref);
      after = area;
    }
  }
}
