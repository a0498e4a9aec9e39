// Extract alert areas from CAP 1.2 XML as GeoJSON. CAP polygons are whitespace-separated
// "lat,lon" pairs (WGS 84); circles are "lat,lon radius" with the radius in kilometres
// (CAP 1.2, OASIS 2010, section 3.3.2.1, <area> sub-elements <polygon> and <circle>).

const EARTH_RADIUS_KM = 6371.0088;
const CIRCLE_VERTICES = 64;

function parsePair(text) {
  const [lat, lon] = text.split(',').map(Number);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  return [lon, lat];
}

function polygonRing(text) {
  const ring = text.trim().split(/\s+/).map(parsePair).filter(Boolean);
  if (ring.length < 4) return null;
  return ring;
}

/** A geodesic circle as a closed ring of `CIRCLE_VERTICES` vertices. */
export function circleRing(lat_deg, lon_deg, radius_km) {
  const lat1 = (lat_deg * Math.PI) / 180;
  const lon1 = (lon_deg * Math.PI) / 180;
  const d = radius_km / EARTH_RADIUS_KM;
  const ring = [];
  for (let i = 0; i <= CIRCLE_VERTICES; i++) {
    const bearing = (2 * Math.PI * (i % CIRCLE_VERTICES)) / CIRCLE_VERTICES;
    const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
    const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
    ring.push([(lon2 * 180) / Math.PI, (lat2 * 180) / Math.PI]);
  }
  return ring;
}

function parseCircle(text) {
  const [centre, radius] = text.trim().split(/\s+/);
  const c = centre ? parsePair(centre) : null;
  const r = Number(radius);
  if (!c || !Number.isFinite(r) || r <= 0) return null;
  return circleRing(c[1], c[0], r);
}

/**
 * GeoJSON features for every <area> of one <info> block of a CAP message: the block in
 * `language` when there is one (its area descriptions are in that language), else the first.
 * @param {string} xml CAP XML
 * @param {Record<string, any>} properties copied onto each feature
 * @param {string} [language] the reader's language code (en, ru, zh, ur)
 */
export function capAreas(xml, properties = {}, language = '') {
  if (!xml) return [];
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return [];
  const infos = Array.from(doc.getElementsByTagNameNS('*', 'info'));
  const langOf = (i) => (i.getElementsByTagNameNS('*', 'language')[0]?.textContent || 'en-US').trim().toLowerCase();
  const info = infos.find((i) => language && langOf(i).split('-')[0] === language) || infos[0];
  if (!info) return [];
  const features = [];
  for (const area of info.getElementsByTagNameNS('*', 'area')) {
    const desc = area.getElementsByTagNameNS('*', 'areaDesc')[0]?.textContent || '';
    const rings = [];
    for (const p of area.getElementsByTagNameNS('*', 'polygon')) {
      const ring = polygonRing(p.textContent || '');
      if (ring) rings.push([ring]);
    }
    for (const c of area.getElementsByTagNameNS('*', 'circle')) {
      const ring = parseCircle(c.textContent || '');
      if (ring) rings.push([ring]);
    }
    if (rings.length) {
      features.push({
        type: 'Feature',
        properties: { ...properties, area_desc: desc },
        geometry: { type: 'MultiPolygon', coordinates: rings },
      });
    }
  }
  return features;
}

/** Bounding box [[west, south], [east, north]] of a FeatureCollection, or null. */
export function bbox(collection) {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      west = Math.min(west, c[0]);
      east = Math.max(east, c[0]);
      south = Math.min(south, c[1]);
      north = Math.max(north, c[1]);
    } else {
      for (const x of c) visit(x);
    }
  };
  for (const f of collection.features || []) if (f.geometry) visit(f.geometry.coordinates);
  return Number.isFinite(west) ? [[west, south], [east, north]] : null;
}
