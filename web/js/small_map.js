// A small MapLibre map of the region for a panel inside a screen (the watch's area of interest,
// the composer's alert areas): the country outlines under the panel's own sources and layers,
// zoom buttons, a scale bar and the attribution. The map screen (views/map.js) has its own.

/** The region's extent, west-south and east-north (lon, lat). */
export const REGION_BOUNDS = [[44, 22], [125, 56]];
/** An empty GeoJSON source, to fill later. */
export const EMPTY = { type: 'FeatureCollection', features: [] };

/**
 * A map in `container` with the countries below `sources` and `layers` (the panel's own).
 * Returns `{ map, loaded }` (`loaded` resolves once the style has loaded); throws when
 * MapLibre is missing or WebGL is not available.
 */
export function smallMap(container, sources, layers) {
  if (typeof maplibregl === 'undefined') throw new Error('maplibre-gl not loaded');
  const style = {
    version: 8,
    sources: { countries: { type: 'geojson', data: '/api/region/countries.geojson' }, ...sources },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#0e2233' } },
      { id: 'countries-fill', type: 'fill', source: 'countries', paint: { 'fill-color': '#2b3440', 'fill-opacity': 1 } },
      { id: 'countries-line', type: 'line', source: 'countries', paint: { 'line-color': '#8a94a0', 'line-width': 0.8 } },
      ...layers,
    ],
  };
  const map = new maplibregl.Map({ container, style, bounds: REGION_BOUNDS, attributionControl: false, maxPitch: 0, dragRotate: false });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: 'Natural Earth · Forewarn' }), 'bottom-right');
  const loaded = new Promise((resolve) => map.once('load', () => resolve(true)));
  return { map, loaded };
}
