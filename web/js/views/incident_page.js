// The incident page of a completed earthquake run (#/incident/{id}): the server renders it
// (GET /api/incidents/{id}/report.html, the same page `forewarn quake` writes as
// summary.html, so the alert bands and intensity words are defined once, in the engine) and
// this screen frames it with the actions around it: compare with another run, print, map,
// draft an alert. A flood run gets its flood page from the same address (life loss without
// and with a warning, the settlements in the order the water reaches them), and an exercise
// incident (earthquake or flood) the scenario's page: the places its hazard reaches, the
// people there and when.
import { h, mount } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get } from '../api.js';
import * as session from '../session.js';
import { exerciseBadge, errorText } from '../common.js';

/** Languages the server writes the page in; others get English. */
const PAGE_LANGS = ['en', 'ru', 'zh', 'ur'];

function reportUrl(id, previous) {
  const lang = PAGE_LANGS.includes(currentLang()) ? currentLang() : 'en';
  const q = new URLSearchParams({ lang });
  if (previous !== '') q.set('previous', previous);
  return `/api/incidents/${id}/report.html?${q}`;
}

/** Fit the frame to its page so that the screen scrolls as one document. */
function fitFrame(frame) {
  try {
    const doc = frame.contentDocument;
    if (doc && doc.documentElement) frame.style.height = `${doc.documentElement.scrollHeight + 4}px`;
  } catch (err) {
    console.warn(err);
  }
}

/**
 * What the page shows: an earthquake run's (`quake`), a flood run's (`flood`) or an exercise
 * scenario's (`exercise`; earthquake or flood).
 */
function pageKind(incident) {
  if (incident.exercise_id != null) return 'exercise';
  return incident.flood != null ? 'flood' : 'quake';
}

/**
 * The run's data to save: its people per intensity and country for a spreadsheet, and its
 * intensity contours and settlements for QGIS. A flood run offers its flooded area and the
 * settlements the water reaches; an exercise's incident holds the scenario's figures, not a
 * run's table: it offers its affected area and settlements only.
 */
function dataLinks(incident) {
  const kind = pageKind(incident);
  if (kind === 'quake' && !incident.quake) return null;
  const id = incident.id;
  const link = (href, file, key, linkId) => h('a', { href, download: file, id: linkId }, t(key));
  const settlements = link(`/api/incidents/${id}/layers/settlements`, `incident-${id}-settlements.geojson`, 'incidentPage.settlementsGeojson', 'incident-settlements-geojson');
  const links = kind !== 'quake' ? [
    link(`/api/incidents/${id}/layers/${kind === 'flood' ? 'flood_extent' : 'mmi_contours'}`, `incident-${id}-area.geojson`, 'incidentPage.footprintGeojson', 'incident-footprint-geojson'),
    settlements,
  ] : [
    link(`/api/incidents/${id}/exposure.csv`, `incident-${id}-exposure.csv`, 'incidentPage.exposureCsv', 'incident-exposure-csv'),
    link(`/api/incidents/${id}/layers/mmi_contours`, `incident-${id}-mmi-contours.geojson`, 'incidentPage.contoursGeojson', 'incident-contours-geojson'),
    settlements,
  ];
  return h('p', { class: 'incident-data no-print', id: 'incident-data' },
    h('span', { class: 'inline-label' }, t('incidentPage.data'), ' '),
    links.flatMap((a, i) => (i ? [' · ', a] : [a])));
}

export async function renderIncidentPage(main, { params, toast }) {
  const id = Number(params[0]);
  if (!Number.isInteger(id) || id <= 0) {
    mount(main, h('div', { class: 'panel', role: 'alert' }, t('incidentPage.notFound')));
    return null;
  }
  let incident;
  try {
    incident = await get(`/api/incidents/${id}`);
  } catch (err) {
    mount(main, h('div', { class: 'panel', role: 'alert' }, errorText(err)));
    return null;
  }
  const heading = h('h1', { id: 'incident-page-title' }, incident.title, ' ', exerciseBadge(incident));
  if (incident.status !== 'complete' && incident.status !== 'closed') {
    mount(main, heading, h('p', { class: 'panel', id: 'incident-page-pending' }, t('incidentPage.notReady')));
    return null;
  }
  // Earlier completed runs to compare with ('' = the server's choice of the same event): an
  // earthquake run's page says what changed; a flood's and an exercise scenario's do not.
  const comparable = pageKind(incident) === 'quake';
  let earlier = [];
  if (comparable) {
    try {
      earlier = ((await get('/api/incidents')).items || [])
        .filter((i) => i.id < id && (i.status === 'complete' || i.status === 'closed'));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  const compare = h('select', { id: 'incident-compare' },
    h('option', { value: '' }, t('incidentPage.compareAuto')),
    h('option', { value: '0' }, t('incidentPage.compareNone')),
    earlier.map((i) => h('option', { value: String(i.id) }, `#${i.id} ${i.title}`)));
  const frame = h('iframe', {
    id: 'incident-report',
    class: 'report-frame',
    title: t('incidentPage.frameTitle', { title: incident.title }),
    sandbox: 'allow-same-origin allow-modals',
    src: reportUrl(id, ''),
  });
  frame.addEventListener('load', () => fitFrame(frame));
  const onResize = () => fitFrame(frame);
  window.addEventListener('resize', onResize);
  compare.addEventListener('change', () => {
    frame.src = reportUrl(id, compare.value);
  });
  const canDraft = session.hasRole('duty_officer') && session.user()?.org === incident.org;
  mount(main,
    h('div', { class: 'incident-page-bar no-print' },
      heading,
      h('div', { class: 'actions' },
        comparable ? [h('label', { for: 'incident-compare', class: 'inline-label' }, t('incidentPage.compare')), compare] : null,
        h('button', {
          class: 'btn', type: 'button', id: 'incident-print',
          onClick: () => frame.contentWindow?.print(),
        }, t('incidentPage.print')),
        h('a', { class: 'btn btn-secondary', href: reportUrl(id, compare.value), target: '_blank', rel: 'noopener', id: 'incident-open' }, t('incidentPage.open')),
        h('a', { class: 'btn btn-secondary', href: `#/map/incident/${id}` }, t('incidents.showOnMap')),
        canDraft ? h('a', { class: 'btn btn-secondary', href: `#/compose/incident/${id}` }, t('incidents.draftAlert')) : null,
        h('a', { class: 'btn btn-secondary', href: '#/incidents' }, t('incidentPage.back')))),
    dataLinks(incident),
    frame);
  // The page opens at its top, wherever the previous screen was scrolled to.
  main.scrollTop = 0;
  return () => window.removeEventListener('resize', onResize);
}
