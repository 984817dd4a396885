// Missions console: a client of the REST API, in the browser. Every value from the API is rendered as text
// (textContent, never markup). The key lives in sessionStorage and travels only in the Authorization header.

const KEY = 'missions-console-key';
const API = '/v2/ai/missions';
const WEBHOOKS_API = '/v2/ai/mission-webhooks';
const DELIVERIES_SHOWN = 10; // per endpoint, newest first
const WEBHOOK_PAGES = 10; // of 100 endpoints: far past the default quota (Quotas:MaxWebhooksPerOrganization, 100)
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const RUN_STATUSES = ['pending', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];
const EVENT_TYPES = ['status_change', 'step_started', 'step_completed', 'step_failed', 'tool_call', 'tool_result', 'message', 'error', 'custom'];
const STATS_WINDOW = 200; // the newest runs the mission overview covers
const SVG = 'http://www.w3.org/2000/svg';
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

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.setAttribute('class', value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
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

function seconds(value) {
  if (value === undefined || value === null) return '—';
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  const s = Math.round(value);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function percent(value) {
  return value === undefined || value === null ? '—' : `${(value * 100).toFixed(1)}%`;
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

  const overview = el('section', { id: 'overview', 'aria-labelledby': 'overview-title', 'aria-busy': 'true' },
    el('h2', { id: 'overview-title' }, 'Overview'),
    el('div', { class: 'overview-body' }, el('p', { class: 'muted' }, 'Loading the runs\' outcomes…')));

  const webhooks = el('section', { id: 'webhooks', 'aria-labelledby': 'webhooks-title', 'aria-busy': 'true' },
    el('h2', { id: 'webhooks-title' }, 'Webhooks'),
    el('div', { class: 'webhooks-body' }, el('p', { class: 'muted' }, 'Loading webhooks…')));

  show(el('p', {}, link('#/', '← Missions')),
    el('h1', {}, m.name),
    el('p', { class: 'muted mono' }, m.mission_id),
    overview,
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
  call(`${base}/stats${query({ window: STATS_WINDOW })}`, { signal: abort.signal }).then(stats => {
    if (abort.signal.aborted) return;
    overview.querySelector('.overview-body').replaceChildren(...renderOverview(stats.data));
    overview.setAttribute('aria-busy', 'false');
  }, failure => {
    if (abort.signal.aborted || failure.status === 401) return;
    overview.querySelector('.overview-body').replaceChildren(notice(`The runs' outcomes could not be read: ${failure.message}`, true));
    overview.setAttribute('aria-busy', 'false');
  });
  loadWebhooks(webhooks, missionId, new Set(runs.data.map(r => r.run_id)), abort.signal).catch(failure => {
    if (abort.signal.aborted) return;
    webhooks.querySelector('.webhooks-body').replaceChildren(notice(`The webhooks could not be shown: ${failure.message}`, true));
    webhooks.setAttribute('aria-busy', 'false');
  });
}

// --- A mission's overview: outcomes and durations of its newest runs, runs per status over time ---------------------

function renderOverview(stats) {
  const counts = new Map((stats.status_counts ?? []).map(c => [c.status, Number(c.count)]));
  const facts = el('dl', { class: 'facts stats' },
    el('dt', {}, 'Runs'), el('dd', { id: 'stat-total', 'data-value': stats.total_runs ?? 0 }, String(stats.total_runs ?? 0)),
    el('dt', {}, 'Success rate'), el('dd', { id: 'stat-success', 'data-value': stats.success_rate ?? '' }, percent(stats.success_rate)),
    el('dt', {}, 'Duration p50'), el('dd', { id: 'stat-p50', 'data-value': stats.duration_p50_seconds ?? '' }, seconds(stats.duration_p50_seconds)),
    el('dt', {}, 'Duration p95'), el('dd', { id: 'stat-p95', 'data-value': stats.duration_p95_seconds ?? '' }, seconds(stats.duration_p95_seconds)));
  const inWindow = Number(stats.window_runs ?? 0);
  const scope = inWindow === 0 ? 'No runs yet.'
    : `Rate and durations over the ${inWindow} newest ${inWindow === 1 ? 'run' : 'runs'}` +
      (Number(stats.total_runs ?? 0) > inWindow ? ` of ${stats.total_runs}` : '') + ' (finished ones).';
  const legend = el('ul', { class: 'legend', id: 'stat-counts', 'aria-label': 'Runs per status, newest runs' },
    RUN_STATUSES.filter(status => counts.has(status)).map(status =>
      el('li', { 'data-status': status }, badge(status), ' ', el('span', { class: 'count' }, String(counts.get(status))))));
  const buckets = stats.buckets ?? [];
  if (buckets.length === 0) return [facts, el('p', { class: 'muted', id: 'stat-scope' }, scope)];
  const per = stats.bucket === 'day' ? 'day' : 'hour';
  const totals = buckets.map(b => (b.status_counts ?? []).reduce((sum, c) => sum + Number(c.count), 0));
  const highest = Math.max(1, ...totals);
  const width = 20;
  const slots = Math.max(buckets.length, 12); // a few buckets are drawn as bars, not as a wall
  const chart = svg('svg', {
    class: 'stats-chart', id: 'stat-chart', viewBox: `0 0 ${slots * width} 100`, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': `Runs per ${per} by status, from ${new Date(buckets[0].start).toLocaleString()} to ` +
      `${new Date(buckets.at(-1).start).toLocaleString()}; the table below holds the numbers`,
  }, buckets.map((b, i) => {
    let y = 100;
    const byStatus = new Map((b.status_counts ?? []).map(c => [c.status, Number(c.count)]));
    return RUN_STATUSES.filter(status => byStatus.has(status)).map(status => {
      const h = (byStatus.get(status) / highest) * 96;
      y -= h;
      return svg('rect', { class: `s-${status}`, x: i * width + 2, y, width: width - 4, height: h, 'data-status': status });
    });
  }));
  const table = el('details', { class: 'stats-table' }, el('summary', {}, `Runs per ${per}, as a table`),
    el('table', {}, el('caption', { class: 'visually-hidden' }, `Runs per ${per} by status`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, per === 'day' ? 'Day' : 'Hour'),
        RUN_STATUSES.map(status => el('th', { scope: 'col' }, status)))),
      el('tbody', {}, buckets.map(b => {
        const byStatus = new Map((b.status_counts ?? []).map(c => [c.status, Number(c.count)]));
        return el('tr', { 'data-bucket': b.start }, el('th', { scope: 'row' }, time(b.start)),
          RUN_STATUSES.map(status => el('td', {}, String(byStatus.get(status) ?? 0))));
      }))));
  return [facts, el('p', { class: 'muted', id: 'stat-scope' }, scope), legend,
    el('figure', { class: 'chart' }, chart,
      el('div', { class: 'axis' }, time(buckets[0].start), slots > buckets.length ? null : time(buckets.at(-1).start)),
      el('figcaption', { class: 'muted' }, `Runs started per ${per}, by status.`)),
    table];
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
  const state = { run: run.data, steps: new Map(plan.data.map(s => [s.step_id, s])), seen: new Set(), events: [] };

  const live = el('span', { class: 'live off', id: 'live-state' }, 'Connecting…');
  const header = el('div', { id: 'run-header' });
  const actionMessage = el('div', { id: 'action-message' });
  const tree = el('div', { id: 'plan' });
  const timeline = el('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Events, oldest first' });
  const noEvents = el('p', { class: 'muted', id: 'no-events' }, 'No events yet.');
  const agentList = el('div', { id: 'agents' });
  const chart = el('div', { class: 'tl', id: 'run-chart' });
  const axis = el('div', { class: 'axis', id: 'run-axis' });
  const detail = el('p', { class: 'muted', id: 'timeline-detail', 'aria-live': 'polite' }, 'Hover or focus an event mark to see its type and summary.');
  const typeFilter = el('select', { id: 'event-type-filter', onchange: () => applyFilter() },
    el('option', { value: '' }, 'All types'), EVENT_TYPES.map(type => el('option', { value: type }, type)));
  const textFilter = el('input', { id: 'event-text-filter', type: 'search', autocomplete: 'off', oninput: () => applyFilter() });
  const shownCount = el('p', { class: 'muted', id: 'event-count', 'aria-live': 'polite' });

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
    drawTimeline();
    if (changed) say(`Run ${next.status}`);
  }

  function renderPlan() {
    const steps = [...state.steps.values()].sort((a, b) => a.sequence - b.sequence);
    if (steps.length === 0) {
      tree.replaceChildren(el('p', { class: 'muted' }, 'No plan yet.'));
      drawTimeline();
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
    drawTimeline();
  }

  // The event filter: by type and by text in the summary, on the list and on the timeline's marks alike.
  function matches(e) {
    const text = textFilter.value.trim().toLowerCase();
    return (!typeFilter.value || e.type === typeFilter.value) && (!text || e.summary.toLowerCase().includes(text));
  }

  function applyFilter() {
    let shown = 0;
    for (const e of state.events) {
      const visible = matches(e);
      if (visible) shown++;
      for (const node of main.querySelectorAll(`[data-event="${CSS.escape(e.event_id)}"]`)) node.toggleAttribute('hidden', !visible);
    }
    shownCount.textContent = state.events.length === 0 ? ''
      : shown === state.events.length ? `${shown} ${shown === 1 ? 'event' : 'events'}` : `${shown} of ${state.events.length} events match`;
  }

  // The timeline: the plan's steps as bars from start to completion (growing while in progress), children under their
  // parent, ordered by start; the run's events as marks on the same axis.
  function drawTimeline() {
    const focused = chart.contains(document.activeElement) ? document.activeElement.getAttribute('data-event') : null;
    const now = Date.now();
    const at = value => (value ? Date.parse(value) : NaN);
    const steps = [...state.steps.values()];
    const moments = [at(state.run.started_at), ...steps.map(x => at(x.started_at)), ...state.events.map(e => at(e.timestamp))].filter(Number.isFinite);
    const from = moments.length ? Math.min(...moments) : now;
    const ends = [state.run.finished_at ? at(state.run.finished_at) : now, ...steps.map(x => at(x.completed_at)), ...state.events.map(e => at(e.timestamp))]
      .filter(Number.isFinite);
    const to = Math.max(from + 1000, ...ends);
    const x = moment => ((moment - from) / (to - from)) * 1000;
    const rows = [];
    for (const { step, depth } of stepOrder(steps)) {
      const start = at(step.started_at);
      const end = Number.isFinite(at(step.completed_at)) ? at(step.completed_at) : step.status === 'in_progress' ? now : start;
      const label = Number.isFinite(start)
        ? `${step.status}, ${duration(step.started_at, step.completed_at ?? (step.status === 'in_progress' ? null : step.started_at)) || '0s'}`
        : `${step.status}, not started`;
      rows.push(el('div', { class: `tl-row depth-${Math.min(depth, 4)}`, role: 'listitem', 'data-step': step.step_id, 'data-status': step.status, 'data-depth': depth },
        el('span', { class: 'tl-label' }, el('span', { class: 'desc' }, step.description), ' ', el('span', { class: `tl-state s-${step.status}` }, label)),
        svg('svg', { class: 'tl-track', viewBox: '0 0 1000 20', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
          Number.isFinite(start) ? svg('rect', { class: `tl-bar s-${step.status}`, x: x(start), y: 3, width: Math.max(x(end) - x(start), 3), height: 14 }) : null)));
    }
    const marks = svg('svg', { class: 'tl-track', viewBox: '0 0 1000 20', preserveAspectRatio: 'none', role: 'group', 'aria-label': 'Events on the timeline' },
      state.events.map(e => {
        const text = `${e.type}: ${e.summary}`;
        const show = () => { detail.textContent = `${text} · ${new Date(e.timestamp).toLocaleString()}`; };
        return svg('rect', {
          class: 'tl-mark', 'data-event': e.event_id, 'data-type': e.type, tabindex: 0, role: 'img', 'aria-label': `${text}, at ${new Date(e.timestamp).toLocaleTimeString()}`,
          x: Math.min(x(at(e.timestamp)), 996), y: 1, width: 4, height: 18, onfocus: show, onmouseenter: show,
        }, svg('title', {}, text));
      }));
    chart.replaceChildren(el('div', { class: 'tl-rows', role: 'list', 'aria-label': 'Plan steps over time, ordered by start' },
      rows.length ? rows : el('p', { class: 'muted', role: 'listitem' }, 'No plan yet.')),
    el('div', { class: 'tl-row tl-events' }, el('span', { class: 'tl-label' }, 'Events'), marks));
    axis.replaceChildren(el('span', {}, time(new Date(from).toISOString())),
      el('span', {}, state.run.finished_at ? time(state.run.finished_at) : 'now'));
    applyFilter();
    if (focused) chart.querySelector(`[data-event="${CSS.escape(focused)}"]`)?.focus(); // a redraw keeps the keyboard's place
  }

  function addEvent(e) {
    if (state.seen.has(e.event_id)) return; // a resumed stream never shows an event twice
    state.seen.add(e.event_id);
    state.events.push(e);
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
    drawTimeline();
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
    el('section', { id: 'run-timeline', 'aria-labelledby': 'run-timeline-title' },
      el('h2', { id: 'run-timeline-title' }, 'Timeline'), chart, axis, detail),
    el('div', { class: 'grid two' },
      el('section', { 'aria-labelledby': 'events-title' }, el('h2', { id: 'events-title' }, 'Events'),
        el('div', { class: 'toolbar', role: 'search', 'aria-label': 'Filter events' },
          el('label', { for: 'event-type-filter' }, 'Type'), typeFilter,
          el('label', { for: 'event-text-filter' }, 'Summary'), textFilter),
        shownCount, noEvents, timeline),
      el('div', {},
        el('section', { 'aria-labelledby': 'plan-title' }, el('h2', { id: 'plan-title' }, 'Plan'), tree),
        el('section', { 'aria-labelledby': 'agents-title' }, el('h2', { id: 'agents-title' }, 'Telnyx agents'), agentList))));

  // The watch stream: stored events after the cursor, the run as it is, then every change as it commits. A dropped
  // connection or a `resume` line continues from the last event seen; steps are not replayed, so the plan is read again.
  const abort = new AbortController();
  // In-progress bars grow with the clock (not while a mark is being hovered: the redraw would move it under the pointer).
  const clock = setInterval(() => {
    if (!TERMINAL.has(state.run.status) && [...state.steps.values()].some(step => step.status === 'in_progress') && !chart.matches(':hover')) drawTimeline();
  }, 1000);
  view = { stop: () => { abort.abort(); clearInterval(clock); } };
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

/** The plan's steps in timeline order: each parent's children under it, siblings by start (not started last, by sequence). */
function stepOrder(steps) {
  const known = new Set(steps.map(step => step.step_id));
  const children = new Map();
  for (const step of steps) {
    const parent = step.parent_step_id && known.has(step.parent_step_id) && step.parent_step_id !== step.step_id ? step.parent_step_id : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(step);
  }
  const start = step => (step.started_at ? Date.parse(step.started_at) : Infinity);
  for (const list of children.values()) list.sort((a, b) => (start(a) - start(b)) || (a.sequence - b.sequence));
  const order = [];
  const seen = new Set();
  const visit = (parent, depth) => {
    for (const step of children.get(parent) ?? []) {
      if (seen.has(step.step_id)) continue;
      seen.add(step.step_id);
      order.push({ step, depth });
      visit(step.step_id, depth + 1);
    }
  };
  visit('', 0);
  for (const step of steps) if (!seen.has(step.step_id)) order.push({ step, depth: 0 }); // a cycle of parents
  return order;
}

// --- Start ---------------------------------------------------------------------------------------------------------

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);
route();
