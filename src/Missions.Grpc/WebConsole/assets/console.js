// Missions console: a client of the REST API, in the browser. Every value from the API is rendered as text
// (textContent, never markup). The key lives in sessionStorage and travels only in the Authorization header.

const KEY = 'missions-console-key';
const API = '/v2/ai/missions';
const WEBHOOKS_API = '/v2/ai/mission-webhooks';
const DELIVERIES_SHOWN = 10; // per endpoint, newest first
const WEBHOOK_PAGES = 10; // of 100 endpoints: far past the default quota (Quotas:MaxWebhooksPerOrganization, 100)
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const RUN_STATUSES = ['pending', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];
const main = document.getElementById('main');
const announce = document.getElementById('announce');
let view = { stop() {} }; // the current view's clean-up (closes a watch stream)

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// --- DOM helpers: elements from tag, attributes and children; strings become text nodes ---------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(...children) {
  main.replaceChildren();
  append(main, children);
}

function say(text) {
  announce.textContent = text;
}

function badge(status) {
  return el('span', { class: `badge s-${status}` }, status ?? '—');
}

function time(value) {
  if (!value) return '—';
  const date = new Date(value);
  return el('time', { datetime: value, title: value }, date.toLocaleString());
}

function duration(from, to) {
  if (!from) return '';
  const ms = (to ? new Date(to) : new Date()) - new Date(from);
  if (ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

function notice(text, error = false) {
  return el('div', { class: error ? 'notice error' : 'notice', role: error ? 'alert' : 'status' }, text);
}

// --- The API ------------------------------------------------------------------------------------------------------

function key() {
  return sessionStorage.getItem(KEY);
}

async function call(path, { method = 'GET', body, signal } = {}) {
  const headers = { Authorization: `Bearer ${key()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch {
    throw new ApiError(0, signal?.aborted ? 'Cancelled.' : 'The server cannot be reached.');
  }
  if (response.status === 401) {
    signOut('That API key was not accepted (401). Sign in with a valid key.');
    throw new ApiError(401, 'Not signed in');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    if (response.ok) throw new ApiError(response.status, 'The server answered something that is not JSON.');
  }
  if (!response.ok) throw new ApiError(response.status, detailOf(data, response.status));
  return data;
}

function detailOf(body, status) {
  const detail = body?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map(d => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ');
  return `The server answered ${status}.`;
}

function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

// --- Sign in ------------------------------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(KEY);
  view.stop();
  document.getElementById('sign-out').hidden = true;
  renderSignIn(message);
}

function renderSignIn(message) {
  const input = el('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = message ? notice(message, true) : null;
  const form = el('form', {
    onsubmit: async event => {
      event.preventDefault();
      const candidate = input.value.trim();
      if (!candidate) return;
      sessionStorage.setItem(KEY, candidate);
      try {
        await call(`${API}${query({ 'page[size]': 1 })}`); // a 401 signs out again, with the reason
        signedIn();
        route();
      } catch (failure) {
        if (failure.status !== 401) signOut(failure.message);
      }
    },
  },
  el('label', { for: 'api-key' }, 'API key'),
  input,
  el('p', { class: 'muted' }, 'Kept in this tab only (sessionStorage) and sent as the Authorization header.'),
  el('button', { type: 'submit' }, 'Sign in'));
  show(el('section', { class: 'signin', 'aria-labelledby': 'signin-title' },
    el('h1', { id: 'signin-title' }, 'Sign in'), error, form));
  document.title = 'Sign in · Missions console';
  input.focus();
}

function signedIn() {
  document.getElementById('sign-out').hidden = false;
}

// --- Routing ------------------------------------------------------------------------------------------------------

async function route() {
  view.stop();
  view = { stop() {} };
  if (!key()) {
    renderSignIn();
    return;
  }
  signedIn();
  const [routePath, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = routePath.split('/').filter(Boolean).map(decodeURIComponent);
  const parameters = new URLSearchParams(search);
  try {
    if (parts[0] === 'missions' && parts[2] === 'runs' && parts[3]) await renderRun(parts[1], parts[3]);
    else if (parts[0] === 'missions' && parts[1]) await renderMission(parts[1], parameters);
    else await renderHome(Number(parameters.get('page') ?? 1));
  } catch (failure) {
    if (failure.status === 401) return;
    show(el('h1', {}, failure.status === 404 ? 'Not found' : 'Something went wrong'), notice(failure.message, true),
      el('p', {}, el('a', { href: '#/' }, 'Back to missions')));
  }
  main.focus({ preventScroll: true });
}

function link(href, text) {
  return el('a', { href }, text);
}

function missionHref(missionId) {
  return `#/missions/${encodeURIComponent(missionId)}`;
}

function runHref(missionId, runId) {
  return `${missionHref(missionId)}/runs/${encodeURIComponent(runId)}`;
}

// --- Home: missions, recent runs, recent events ------------------------------------------------------------------

async function renderHome(page) {
  page = Number.isInteger(page) && page > 0 ? page : 1;
  const [missions, runs, events] = await Promise.all([
    call(`${API}${query({ 'page[number]': page, 'page[size]': 20 })}`),
    call(`${API}/runs${query({ 'page[size]': 10 })}`),
    call(`${API}/events${query({ 'page[size]': 10 })}`),
  ]);
  document.title = 'Missions · Missions console';
  const missionRows = missions.data.map(m => el('tr', {},
    el('td', {}, link(missionHref(m.mission_id), m.name)),
    el('td', { class: 'wide' }, m.execution_mode),
    el('td', {}, time(m.created_at))));
  const missionsTable = missions.data.length === 0
    ? el('p', { class: 'muted' }, page > 1 ? 'No missions on this page.' : 'No missions yet. Create one with the API (POST /v2/ai/missions).')
    : el('table', {}, el('caption', { class: 'visually-hidden' }, 'Missions, newest first'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col', class: 'wide' }, 'Mode'), el('th', { scope: 'col' }, 'Created'))),
      el('tbody', {}, missionRows));
  const pages = missions.meta?.total_pages ?? 1;
  const pager = pages > 1 ? el('nav', { class: 'pager', 'aria-label': 'Missions pages' },
    page > 1 ? link(`#/?page=${page - 1}`, '← Newer') : null,
    el('span', { class: 'muted' }, `Page ${page} of ${pages} · ${missions.meta.total_results} missions`),
    page < pages ? link(`#/?page=${page + 1}`, 'Older →') : null) : null;

  const runItems = runs.data.length === 0 ? el('p', { class: 'muted' }, 'No runs yet.')
    : el('table', {}, el('caption', { class: 'visually-hidden' }, 'Recent runs'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Run'), el('th', { scope: 'col' }, 'Status'), el('th', { scope: 'col' }, 'Started'))),
      el('tbody', {}, runs.data.map(r => el('tr', {},
        el('td', {}, link(runHref(r.mission_id, r.run_id), shortId(r.run_id))),
        el('td', {}, badge(r.status)),
        el('td', {}, time(r.started_at))))));
  const runMissions = new Map(runs.data.map(r => [r.run_id, r.mission_id]));
  const eventItems = events.data.length === 0 ? el('p', { class: 'muted' }, 'No events yet.')
    : el('ol', { class: 'timeline' }, events.data.map(e => el('li', {},
      el('div', { class: 'head' }, el('span', { class: 'badge' }, e.type), el('span', { class: 'summary' }, e.summary)),
      el('div', { class: 'meta' }, time(e.timestamp), ' · run ',
        runMissions.has(e.run_id) ? link(runHref(runMissions.get(e.run_id), e.run_id), shortId(e.run_id)) : el('span', { class: 'mono' }, shortId(e.run_id))))));

  show(el('h1', {}, 'Missions'),
    el('div', { class: 'grid two' },
      el('section', { 'aria-labelledby': 'missions-title' }, el('h2', { id: 'missions-title', class: 'visually-hidden' }, 'All missions'), missionsTable, pager),
      el('div', {},
        el('section', { 'aria-labelledby': 'runs-title' }, el('h2', { id: 'runs-title' }, 'Recent runs'), runItems),
        el('section', { 'aria-labelledby': 'events-title' }, el('h2', { id: 'events-title' }, 'Recent events'), eventItems))));
}

function shortId(id) {
  return id && id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

// --- A mission ----------------------------------------------------------------------------------------------------

async function renderMission(missionId, parameters) {
  const status = RUN_STATUSES.includes(parameters.get('status')) ? parameters.get('status') : '';
  const base = `${API}/${encodeURIComponent(missionId)}`;
  const [mission, tools, knowledgeBases, mcpServers, runs] = await Promise.all([
    call(base),
    call(`${base}/tools`),
    call(`${base}/knowledge-bases`),
    call(`${base}/mcp-servers`),
    call(`${base}/runs${query({ status, 'page[size]': 50 })}`),
  ]);
  const m = mission.data;
  document.title = `${m.name} · Missions console`;
  const filter = el('select', {
    id: 'status-filter',
    onchange: event => { location.hash = `${missionHref(missionId)}${event.target.value ? `?status=${event.target.value}` : ''}`; },
  }, el('option', { value: '' }, 'All statuses'), RUN_STATUSES.map(s => el('option', { value: s, selected: s === status }, s)));
  const runsList = runs.data.length === 0
    ? el('p', { class: 'muted' }, status ? `No ${status} runs.` : 'No runs yet. Start one with POST …/runs.')
    : el('table', {}, el('caption', { class: 'visually-hidden' }, 'Runs of this mission, newest first'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Run'), el('th', { scope: 'col' }, 'Status'), el('th', { scope: 'col' }, 'Started'), el('th', { scope: 'col', class: 'wide' }, 'Finished'))),
      el('tbody', {}, runs.data.map(r => el('tr', {},
        el('td', {}, link(runHref(missionId, r.run_id), shortId(r.run_id))),
        el('td', {}, badge(r.status)),
        el('td', {}, time(r.started_at)),
        el('td', { class: 'wide' }, time(r.finished_at))))));

  const webhooks = el('section', { id: 'webhooks', 'aria-labelledby': 'webhooks-title', 'aria-busy': 'true' },
    el('h2', { id: 'webhooks-title' }, 'Webhooks'),
    el('div', { class: 'webhooks-body' }, el('p', { class: 'muted' }, 'Loading webhooks…')));

  show(el('p', {}, link('#/', '← Missions')),
    el('h1', {}, m.name),
    el('p', { class: 'muted mono' }, m.mission_id),
    el('div', { class: 'grid two' },
      el('section', { 'aria-labelledby': 'definition-title' },
        el('h2', { id: 'definition-title' }, 'Definition'),
        el('dl', { class: 'facts' },
          el('dt', {}, 'Mode'), el('dd', {}, m.execution_mode),
          el('dt', {}, 'Model'), el('dd', {}, m.model ?? '—'),
          el('dt', {}, 'Description'), el('dd', {}, m.description ?? '—'),
          el('dt', {}, 'Created'), el('dd', {}, time(m.created_at)),
          el('dt', {}, 'Updated'), el('dd', {}, time(m.updated_at))),
        m.instructions ? [el('h3', {}, 'Instructions'), el('pre', {}, m.instructions)] : null,
        m.metadata ? [el('h3', {}, 'Metadata'), el('pre', {}, json(m.metadata))] : null,
        attachments('Tools', tools.data, 'tool_id'),
        attachments('Knowledge bases', knowledgeBases.data, 'knowledge_base_id'),
        attachments('MCP servers', mcpServers.data, 'mcp_server_id')),
      el('section', { 'aria-labelledby': 'mission-runs-title' },
        el('h2', { id: 'mission-runs-title' }, 'Runs'),
        el('div', { class: 'toolbar' }, el('label', { for: 'status-filter' }, 'Status'), filter),
        runsList,
        runs.meta?.total_results > runs.data.length
          ? el('p', { class: 'muted' }, `Showing the ${runs.data.length} newest of ${runs.meta.total_results} runs.`) : null)),
    webhooks);

  // The webhooks are read once per showing of the page (the status filter shows it again), after the rest: a failure
  // here is said in their section and leaves the page usable. Leaving the page cancels what is still being read.
  const abort = new AbortController();
  view = { stop: () => abort.abort() };
  loadWebhooks(webhooks, missionId, new Set(runs.data.map(r => r.run_id)), abort.signal).catch(failure => {
    if (abort.signal.aborted) return;
    webhooks.querySelector('.webhooks-body').replaceChildren(notice(`The webhooks could not be shown: ${failure.message}`, true));
    webhooks.setAttribute('aria-busy', 'false');
  });
}

// --- A mission's webhooks: the endpoints that send its runs' changes, each with its latest deliveries ---------------

async function loadWebhooks(section, missionId, missionRuns, signal) {
  const body = section.querySelector('.webhooks-body');
  const done = () => section.setAttribute('aria-busy', 'false');
  let endpoints = [];
  let more = false;
  try {
    for (let page = 1; page <= WEBHOOK_PAGES; page++) {
      const answer = await call(`${WEBHOOKS_API}${query({ 'page[number]': page, 'page[size]': 100 })}`, { signal });
      endpoints.push(...answer.data);
      const pages = answer.meta?.total_pages ?? 1;
      if (page >= pages) break;
      more = page === WEBHOOK_PAGES;
    }
  } catch (failure) {
    if (signal.aborted || failure.status === 401) return;
    body.replaceChildren(notice(`The webhooks could not be read: ${failure.message}`, true));
    done();
    return;
  }
  const mine = missionId.toLowerCase();
  endpoints = endpoints.filter(w => !w.mission_id || w.mission_id.toLowerCase() === mine);
  if (endpoints.length === 0) {
    body.replaceChildren(el('p', { class: 'muted', id: 'no-webhooks' }, 'No webhooks send this mission\'s runs.',
      ' Create one with the API (POST /v2/ai/mission-webhooks).'));
    done();
    return;
  }
  const lists = endpoints.map(w => el('div', { class: 'deliveries' }, el('p', { class: 'muted' }, 'Loading deliveries…')));
  body.replaceChildren();
  append(body, [
    el('ul', { class: 'webhooks' }, endpoints.map((w, i) => webhookItem(w, lists[i]))),
    more ? el('p', { class: 'muted' }, `Only the first ${WEBHOOK_PAGES * 100} of the organization's webhooks were read.`) : null]);
  // A few reads at a time, not one per endpoint at once.
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(4, endpoints.length) }, async () => {
    while (next < endpoints.length && !signal.aborted) {
      const i = next++;
      const shown = await deliveriesOf(endpoints[i], missionId, missionRuns, signal);
      lists[i].replaceChildren();
      append(lists[i], [shown]);
    }
  }));
  if (!signal.aborted) done();
}

function webhookItem(w, deliveries) {
  const types = w.event_types ?? [];
  return el('li', { class: 'webhook', 'data-webhook': w.webhook_id },
    el('h3', { class: 'mono' }, w.url),
    w.description ? el('p', { class: 'muted' }, w.description) : null,
    el('dl', { class: 'facts' },
      el('dt', {}, 'Events'), el('dd', { class: 'event-types' }, types.length === 0 ? 'All events' : types.join(', ')),
      el('dt', {}, 'Missions'), el('dd', {}, w.mission_id ? 'This mission only' : 'All missions'),
      el('dt', {}, 'State'), el('dd', { class: 'webhook-state' }, w.enabled
        ? el('span', { class: 'badge s-enabled' }, 'Enabled')
        : el('span', { class: 'badge s-disabled' }, 'Disabled'))),
    el('h4', {}, 'Latest deliveries'),
    deliveries);
}

async function deliveriesOf(w, missionId, missionRuns, signal) {
  let answer;
  try {
    answer = await call(`${WEBHOOKS_API}/${encodeURIComponent(w.webhook_id)}/deliveries${query({ 'page[size]': DELIVERIES_SHOWN })}`, { signal });
  } catch (failure) {
    if (signal.aborted || failure.status === 401) return [];
    return notice(failure.status === 404 ? 'This webhook was just deleted.' : `Its deliveries could not be read: ${failure.message}`, true);
  }
  if (answer.data.length === 0) return el('p', { class: 'muted' }, 'No deliveries yet.');
  const total = answer.meta?.total_results ?? answer.data.length;
  return [
    el('ol', { class: 'timeline', 'aria-label': `Latest deliveries to ${w.url}, newest first` }, answer.data.map(d => {
      const attempts = d.attempts ?? 0;
      // An endpoint without a mission filter also sends other missions' runs: only this mission's runs are linked.
      const run = !d.run_id ? null : w.mission_id || missionRuns.has(d.run_id)
        ? link(runHref(missionId, d.run_id), shortId(d.run_id)) : el('span', { class: 'mono' }, shortId(d.run_id));
      return el('li', { 'data-delivery': d.delivery_id },
        el('div', { class: 'head' }, badge(d.status), el('span', { class: 'mono event-type' }, d.event_type)),
        el('div', { class: 'meta' }, time(d.occurred_at),
          ' · ', el('span', { class: 'nowrap' }, attempts === 0 ? 'not tried yet' : `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`),
          d.last_status_code !== undefined && d.last_status_code !== null ? [' · ', el('span', { class: 'result nowrap' }, `HTTP ${d.last_status_code}`)]
            : d.last_error ? [' · ', el('span', { class: 'result error-text' }, d.last_error)] : null,
          d.status === 'pending' && d.next_attempt_at ? [' · next attempt ', time(d.next_attempt_at)] : null,
          run ? [' · run ', run] : null));
    })),
    total > answer.data.length ? el('p', { class: 'muted' }, `The ${answer.data.length} newest of ${total} deliveries.`) : null,
  ];
}

function attachments(title, items, idField) {
  return [el('h3', {}, title), !items || items.length === 0 ? el('p', { class: 'muted' }, 'None.')
    : el('ul', {}, items.map(item => {
      const { [idField]: id, ...rest } = item;
      return el('li', {}, el('span', { class: 'mono' }, id ?? '—'),
        Object.keys(rest).length ? el('details', {}, el('summary', {}, 'Details'), el('pre', {}, json(rest))) : null);
    }))];
}

// --- A run, live --------------------------------------------------------------------------------------------------

async function renderRun(missionId, runId) {
  const runPath = `${API}/${encodeURIComponent(missionId)}/runs/${encodeURIComponent(runId)}`;
  const [run, plan, agents] = await Promise.all([call(runPath), call(`${runPath}/plan`), call(`${runPath}/telnyx-agents`)]);
  const state = { run: run.data, steps: new Map(plan.data.map(s => [s.step_id, s])), seen: new Set(), events: 0 };

  const live = el('span', { class: 'live off', id: 'live-state' }, 'Connecting…');
  const header = el('div', { id: 'run-header' });
  const actionMessage = el('div', { id: 'action-message' });
  const tree = el('div', { id: 'plan' });
  const timeline = el('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Events, oldest first' });
  const noEvents = el('p', { class: 'muted', id: 'no-events' }, 'No events yet.');
  const agentList = el('div', { id: 'agents' });

  const act = action => el('button', {
    type: 'button',
    class: action === 'cancel' ? 'danger' : 'secondary',
    'data-action': action,
    onclick: async event => {
      const button = event.currentTarget;
      button.disabled = true;
      actionMessage.replaceChildren();
      try {
        const answer = await call(`${runPath}/${action}`, { method: 'POST' });
        updateRun(answer.data);
        actionMessage.replaceChildren(notice(`Run ${answer.data.status}.`));
      } catch (failure) {
        if (failure.status === 401) return;
        const why = failure.status === 409
          ? `Cannot ${action} this run: ${failure.message} (409 Conflict — the run is ${state.run.status}).`
          : `${action} failed: ${failure.message}`;
        actionMessage.replaceChildren(notice(why, true));
      } finally {
        button.disabled = false;
      }
    },
  }, action[0].toUpperCase() + action.slice(1));

  function renderHeader() {
    const r = state.run;
    header.replaceChildren();
    append(header, [
      el('div', { class: 'toolbar' }, el('span', {}, 'Status '), el('span', { id: 'run-status' }, badge(r.status)), live),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Started'), el('dd', {}, time(r.started_at)),
        el('dt', {}, 'Updated'), el('dd', {}, time(r.updated_at)),
        el('dt', {}, 'Finished'), el('dd', {}, time(r.finished_at)),
        el('dt', {}, r.finished_at ? 'Took' : 'Running for'), el('dd', {}, duration(r.started_at, r.finished_at) || '—'),
        r.result_summary ? [el('dt', {}, 'Result'), el('dd', {}, r.result_summary)] : null,
        r.error ? [el('dt', {}, 'Error'), el('dd', { class: 'error-text' }, r.error)] : null),
      r.result_payload ? el('details', {}, el('summary', {}, 'Result payload'), el('pre', {}, json(r.result_payload))) : null,
      r.input ? el('details', {}, el('summary', {}, 'Input'), el('pre', {}, json(r.input))) : null,
      el('div', { class: 'toolbar', role: 'group', 'aria-label': 'Run actions' }, act('pause'), act('resume'), act('cancel'))]);
  }

  function updateRun(next) {
    const changed = next.status !== state.run.status;
    state.run = next;
    renderHeader();
    if (changed) say(`Run ${next.status}`);
  }

  function renderPlan() {
    const steps = [...state.steps.values()].sort((a, b) => a.sequence - b.sequence);
    if (steps.length === 0) {
      tree.replaceChildren(el('p', { class: 'muted' }, 'No plan yet.'));
      return;
    }
    const children = new Map();
    for (const step of steps) {
      const parent = step.parent_step_id && state.steps.has(step.parent_step_id) ? step.parent_step_id : '';
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(step);
    }
    const branch = (parent, seen) => el('ul', { class: 'tree' }, (children.get(parent) ?? []).filter(s => !seen.has(s.step_id)).map(step => {
      seen.add(step.step_id);
      return el('li', { 'data-step': step.step_id },
        el('div', { class: 'step' },
          el('span', { class: 'desc' }, step.description),
          el('span', { class: 'mono muted' }, step.step_id),
          badge(step.status),
          el('span', { class: 'muted' }, duration(step.started_at, step.completed_at))),
        children.has(step.step_id) ? branch(step.step_id, seen) : null);
    }));
    tree.replaceChildren(branch('', new Set()));
  }

  function addEvent(e) {
    if (state.seen.has(e.event_id)) return; // a resumed stream never shows an event twice
    state.seen.add(e.event_id);
    state.events++;
    noEvents.hidden = true;
    const payload = e.payload === undefined ? null : el('pre', { hidden: true }, json(e.payload));
    timeline.append(el('li', { 'data-event': e.event_id },
      el('div', { class: 'head' }, el('span', { class: 'badge' }, e.type), el('span', { class: 'summary' }, e.summary)),
      el('div', { class: 'meta' }, time(e.timestamp),
        e.step_id ? ` · step ${e.step_id}` : '', e.agent_id ? ` · agent ${e.agent_id}` : ''),
      payload ? el('button', {
        type: 'button', class: 'secondary', 'aria-expanded': 'false',
        onclick: event => {
          payload.hidden = !payload.hidden;
          event.currentTarget.setAttribute('aria-expanded', String(!payload.hidden));
          event.currentTarget.textContent = payload.hidden ? 'Show payload' : 'Hide payload';
        },
      }, 'Show payload') : null,
      payload));
  }

  function renderAgents(list) {
    agentList.replaceChildren(list.length === 0 ? el('p', { class: 'muted' }, 'No Telnyx agents linked.')
      : el('ul', {}, list.map(a => el('li', {}, el('span', { class: 'mono' }, a.telnyx_agent_id), ' · linked ', time(a.created_at)))));
  }

  function setLive(kind, text) {
    live.className = `live ${kind}`;
    live.textContent = text;
  }

  renderHeader();
  renderPlan();
  renderAgents(agents.data);
  document.title = `Run ${shortId(runId)} · Missions console`;
  show(el('p', {}, link(missionHref(missionId), '← Mission')),
    el('h1', {}, 'Run ', el('span', { class: 'mono' }, runId)),
    header, actionMessage,
    el('div', { class: 'grid two' },
      el('section', { 'aria-labelledby': 'events-title' }, el('h2', { id: 'events-title' }, 'Events'), noEvents, timeline),
      el('div', {},
        el('section', { 'aria-labelledby': 'plan-title' }, el('h2', { id: 'plan-title' }, 'Plan'), tree),
        el('section', { 'aria-labelledby': 'agents-title' }, el('h2', { id: 'agents-title' }, 'Telnyx agents'), agentList))));

  // The watch stream: stored events after the cursor, the run as it is, then every change as it commits. A dropped
  // connection or a `resume` line continues from the last event seen; steps are not replayed, so the plan is read again.
  const abort = new AbortController();
  view = { stop: () => abort.abort() };
  (async () => {
    let cursor = null;
    let delay = 250;
    let first = true;
    while (!abort.signal.aborted) {
      let ended = false;
      try {
        if (!first) {
          const [again, linked] = await Promise.all([call(`${runPath}/plan`), call(`${runPath}/telnyx-agents`)]);
          state.steps = new Map(again.data.map(s => [s.step_id, s]));
          renderPlan();
          renderAgents(linked.data);
        }
        first = false;
        const response = await fetch(`${runPath}/watch${query({ after_event_id: cursor ?? '' })}`, {
          headers: { Authorization: `Bearer ${key()}` }, signal: abort.signal,
        });
        if (response.status === 401) { signOut('That API key is no longer accepted (401).'); return; }
        if (response.status === 404) { setLive('ended', 'Run not found'); return; }
        if (!response.ok) throw new ApiError(response.status, `watch answered ${response.status}`);
        setLive('on', 'Live');
        delay = 250;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line) continue;
            const message = JSON.parse(line);
            if (message.event) {
              addEvent(message.event);
              cursor = message.event.event_id;
            } else if (message.run) {
              updateRun(message.run);
              ended = TERMINAL.has(message.run.status);
            } else if (message.step) {
              state.steps.set(message.step.step_id, message.step);
              renderPlan();
            } else if (message.removed) {
              setLive('ended', 'The mission was deleted');
              return;
            } else if (message.resume) {
              cursor = message.resume.after_event_id || cursor;
            }
          }
        }
      } catch (failure) {
        if (abort.signal.aborted) return;
        if (failure.status === 401) return;
      }
      if (ended || TERMINAL.has(state.run.status)) {
        setLive('ended', 'Run ended');
        return;
      }
      setLive('off', 'Reconnecting…');
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  })();
}

// --- Start ---------------------------------------------------------------------------------------------------------

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);
route();
