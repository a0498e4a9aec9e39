// Requests for assistance and offers (EDXL-RM lifecycle: request, offer, accept, deployment
// status, release). Updates live over SSE.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { exerciseBadge, statusPill, errorBox, errorText, field, visibilitySelect, fmtTime } from '../common.js';

const RESOURCE_TYPES = ['usar_team', 'medical_team', 'field_hospital', 'helicopter', 'shelter_tents', 'water_purification', 'food', 'blankets', 'power_generators', 'other'];
const DEPLOY_STATUSES = ['mobilising', 'en_route', 'on_site', 'demobilising', 'returned'];
const BOARD_EVENTS = ['request.created', 'request.closed', 'offer.created', 'offer.accepted', 'offer.declined', 'offer.withdrawn', 'offer.status', 'offer.released'];

function numberInput(name, attrs = {}) {
  return h('input', { type: 'number', name, inputmode: 'numeric', ...attrs });
}

export async function renderBoard(main, { toast }) {
  const me = session.user();
  const isDuty = session.hasRole('duty_officer');
  const list = h('div', { id: 'board-requests' });
  const liveNote = h('p', { class: 'muted', id: 'board-live', 'aria-live': 'polite' });
  const knownOffers = new Set();
  let firstLoad = true;

  async function act(path, body, okKey, vars = {}) {
    try {
      await post(path, body);
      toast(t(okKey, vars));
      await refresh();
      return true;
    } catch (err) {
      toast(errorText(err), 'error');
      return false;
    }
  }

  // --- new request form -------------------------------------------------------------------
  const title = h('input', { type: 'text', name: 'title', required: true, maxlength: 200 });
  const type = h('select', { name: 'resource_type' }, RESOURCE_TYPES.map((r) => h('option', { value: r }, t(`resource.${r}`))));
  const quantity = numberInput('quantity', { min: 1, step: 1, value: 1, required: true });
  const unit = h('input', { type: 'text', name: 'unit', value: t('board.defaultUnit'), required: true, maxlength: 50 });
  const description = h('textarea', { name: 'description', rows: 3 });
  const visibility = visibilitySelect(['regional', 'own_org'], 'regional');
  const formError = errorBox();
  const submit = h('button', { class: 'btn', type: 'submit', id: 'request-submit' }, t('board.request.submit'));
  const requestForm = h('form', {
    class: 'panel', id: 'request-form', 'aria-labelledby': 'request-form-h',
    onSubmit: async (ev) => {
      ev.preventDefault();
      formError.clear();
      const qty = Number(quantity.value);
      if (!title.value.trim()) return formError.show(t('board.request.titleRequired'));
      if (!Number.isInteger(qty) || qty <= 0) return formError.show(t('board.quantityPositive'));
      submit.disabled = true;
      try {
        const body = { title: title.value.trim(), resource_type: type.value, quantity: qty, unit: unit.value.trim(), visibility: visibility.value };
        if (description.value.trim()) body.description = description.value.trim();
        const created = await post('/api/requests', body);
        toast(t('board.request.created', { id: created.id }));
        title.value = '';
        description.value = '';
        await refresh();
      } catch (err) {
        formError.show(err);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', { id: 'request-form-h' }, t('board.request.title')),
  field('request-title', 'board.request.name', title),
  h('div', { class: 'form-row' }, field('request-type', 'board.request.type', type), field('request-quantity', 'board.quantity', quantity), field('request-unit', 'board.unit', unit)),
  field('request-description', 'board.description', description),
  field('request-visibility', 'common.visibility', visibility),
  formError,
  h('div', { class: 'actions' }, submit));

  // --- cards ------------------------------------------------------------------------------
  function offerForm(request) {
    const qty = numberInput('quantity', { min: 1, step: 1, value: 1, id: `offer-qty-${request.id}` });
    const eta = numberInput('eta_hours', { min: 0, step: 1, id: `offer-eta-${request.id}` });
    const desc = h('input', { type: 'text', name: 'description', id: `offer-desc-${request.id}` });
    const err = errorBox();
    const button = h('button', { class: 'btn', type: 'submit', 'data-action': 'offer' }, t('board.offer.submit'));
    return h('form', {
      class: 'offer-form', 'data-request-id': request.id,
      onSubmit: async (ev) => {
        ev.preventDefault();
        err.clear();
        const q = Number(qty.value);
        if (!Number.isInteger(q) || q <= 0) return err.show(t('board.quantityPositive'));
        const body = { quantity: q };
        if (eta.value !== '') body.eta_hours = Number(eta.value);
        if (desc.value.trim()) body.description = desc.value.trim();
        button.disabled = true;
        try {
          await post(`/api/requests/${request.id}/offers`, body);
          toast(t('board.offer.made', { id: request.id }));
          await refresh();
        } catch (e) {
          err.show(e);
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h4', {}, t('board.offer.title')),
    h('div', { class: 'form-row' },
      h('div', {}, h('label', { for: qty.id }, t('board.quantity')), qty),
      h('div', {}, h('label', { for: eta.id }, t('board.offer.eta')), eta)),
    h('label', { for: desc.id }, t('board.description')), desc,
    err, h('div', { class: 'actions' }, button));
  }

  function offerRow(request, offer) {
    const requesterSide = isDuty && request.org === me.org;
    const offererSide = isDuty && offer.org === me.org;
    const actions = [];
    if (requesterSide && offer.status === 'offered') {
      actions.push(
        h('button', { class: 'btn btn-ok', type: 'button', 'data-action': 'accept', onClick: () => act(`/api/offers/${offer.id}/accept`, {}, 'board.offer.accepted', { id: offer.id }) }, t('board.offer.accept')),
        h('button', { class: 'btn btn-danger', type: 'button', 'data-action': 'decline', onClick: () => act(`/api/offers/${offer.id}/decline`, {}, 'board.offer.declined', { id: offer.id }) }, t('board.offer.decline')));
    }
    if (requesterSide && offer.status === 'accepted') {
      actions.push(h('button', { class: 'btn btn-secondary', type: 'button', 'data-action': 'release', onClick: () => act(`/api/offers/${offer.id}/release`, {}, 'board.offer.releasedMsg', { id: offer.id }) }, t('board.offer.release')));
    }
    if (offererSide && offer.status === 'offered') {
      actions.push(h('button', { class: 'btn btn-secondary', type: 'button', 'data-action': 'withdraw', onClick: () => act(`/api/offers/${offer.id}/withdraw`, {}, 'board.offer.withdrawnMsg', { id: offer.id }) }, t('board.offer.withdraw')));
    }
    if (offererSide && offer.status === 'accepted') {
      const sel = h('select', { id: `deploy-${offer.id}`, 'aria-label': t('board.offer.deployStatus') },
        DEPLOY_STATUSES.map((s) => h('option', { value: s, selected: s === offer.deploy_status }, t(`deploy.${s}`))));
      actions.push(sel, h('button', { class: 'btn', type: 'button', 'data-action': 'status', onClick: () => act(`/api/offers/${offer.id}/status`, { deploy_status: sel.value }, 'board.offer.statusSet', { id: offer.id }) }, t('board.offer.setStatus')));
    }
    const isNew = !firstLoad && !knownOffers.has(offer.id);
    knownOffers.add(offer.id);
    return h('li', { class: `card${isNew ? ' flash' : ''}`, 'data-offer-id': offer.id, 'data-offer-org': offer.org, 'data-status': offer.status },
      h('strong', {}, t('board.offer.from', { org: session.orgName(offer.org) })), ' ', statusPill('offer.status', offer.status), ' ',
      offer.deploy_status ? h('span', { class: 'status status-deployed' }, t(`deploy.${offer.deploy_status}`)) : null, ' ', exerciseBadge(offer),
      h('p', { class: 'meta' },
        `${t('board.quantity')}: ${offer.quantity}`,
        offer.eta_hours !== null && offer.eta_hours !== undefined ? ` · ${t('board.offer.eta')}: ${offer.eta_hours} h` : '',
        ` · ${offer.created_by} · ${fmtTime(offer.created_at)}`),
      offer.description ? h('p', {}, offer.description) : null,
      offer.deploy_note ? h('p', { class: 'muted' }, offer.deploy_note) : null,
      actions.length ? h('div', { class: 'actions' }, actions) : null);
  }

  function requestCard(r) {
    const mine = r.org === me.org;
    const offers = r.offers || [];
    const hasMyOffer = offers.some((o) => o.org === me.org && o.status === 'offered');
    return h('article', { class: `panel${exerciseBadge(r) ? ' exercise-record' : ''}`, 'data-request-id': r.id, 'aria-labelledby': `req-${r.id}-h` },
      h('h3', { id: `req-${r.id}-h` }, `#${r.id} ${r.title} `, statusPill('request.status', r.status), ' ', exerciseBadge(r)),
      h('p', { class: 'meta' },
        `${session.orgName(r.org)} · ${t(`resource.${r.resource_type}`) === `resource.${r.resource_type}` ? r.resource_type : t(`resource.${r.resource_type}`)} · ${r.quantity} ${r.unit} · ${t(`visibility.${r.visibility}`)} · ${fmtTime(r.created_at)}`),
      r.description ? h('p', {}, r.description) : null,
      h('h4', {}, t('board.offers', { n: offers.length })),
      h('ul', { class: 'offers', style: 'list-style:none;padding:0' }, offers.map((o) => offerRow(r, o))),
      !mine && isDuty && r.status === 'open' && !hasMyOffer ? offerForm(r) : null,
      mine && isDuty && r.status === 'open'
        ? h('div', { class: 'actions' }, h('button', { class: 'btn btn-secondary', type: 'button', 'data-action': 'close', onClick: () => act(`/api/requests/${r.id}/close`, {}, 'board.request.closedMsg', { id: r.id }) }, t('board.request.close')))
        : null);
  }

  async function refresh() {
    // Keep what the user is typing: do not rebuild while a board input has focus and text.
    const active = document.activeElement;
    if (active && list.contains(active) && (active.value || '') !== '' && active.type !== 'button' && active.tagName !== 'BUTTON' && active.tagName !== 'SELECT') {
      pendingRefresh = true;
      return;
    }
    try {
      const items = (await get('/api/requests')).items || [];
      list.replaceChildren(...items.map(requestCard));
      if (!items.length) list.append(h('p', { class: 'muted' }, t('board.none')));
      firstLoad = false;
    } catch (err) {
      mount(list, h('p', { class: 'field-error' }, errorText(err)));
    }
  }
  let pendingRefresh = false;
  list.addEventListener('focusout', () => {
    if (pendingRefresh) {
      pendingRefresh = false;
      setTimeout(refresh, 0);
    }
  });

  mount(main,
    h('h1', {}, t('board.title')), liveNote,
    h('div', { class: 'board' },
      isDuty ? requestForm : null,
      h('section', { 'aria-labelledby': 'board-list-h' }, h('h2', { id: 'board-list-h' }, t('board.list')), list)));

  const unsubs = BOARD_EVENTS.map((kind) => sse.subscribe(kind, (e) => {
    liveNote.textContent = t('board.liveUpdate', { kind: t(`kind.${kind}`), org: (e.org || '').toUpperCase() });
    refresh();
  }));
  await refresh();
  return () => unsubs.forEach((u) => u());
}
