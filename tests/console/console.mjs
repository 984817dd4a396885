// The run console in a real browser: headless Chromium (Debian's), driven by puppeteer-core.
// Environment: MISSIONS_URL (the server's REST origin), MISSIONS_API_KEY, CONSOLE_SCREENSHOTS (folder), CHROMIUM.
// The browser reaches the server through a small proxy of this script, which can cut every open connection (a
// dropped watch stream); the API calls that drive the run go straight to the server. Webhooks are sent to a receiver
// of this script on loopback (the server is started with Webhooks:AllowHttp and AllowPrivateNetworks, a one-wait retry
// schedule and a long attempt timeout). Prints one JSON summary; exits 1 with the reason on the first failed expectation.
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const server = new URL(process.env.MISSIONS_URL);
const key = process.env.MISSIONS_API_KEY;
const shots = process.env.CONSOLE_SCREENSHOTS ?? path.resolve('screenshots');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const LIVE_MS = 1000; // "within a second"
const summary = { steps: [], latenciesMs: [], axe: {}, screenshots: [] };

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function step(name) {
  summary.steps.push(name);
}

// --- The API, straight to the server ---------------------------------------------------------------------------

async function api(method, route, body) {
  return rest(method, `/v2/ai/missions${route}`, body);
}

async function rest(method, route, body, { whole = false } = {}) {
  const response = await fetch(new URL(route, server), {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.ok, `${method} ${route} answered ${response.status}: ${text}`);
  return !text ? null : whole ? JSON.parse(text) : JSON.parse(text).data;
}

async function eventually(what, check, timeoutMs = 20_000) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last === true) return;
    expect(performance.now() < until, `${what}: not so after ${timeoutMs} ms (${JSON.stringify(last)})`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

// --- A webhook receiver: /ok answers 204, /broken 500, /slow 503 the first time an event comes and then never answers
// (its delivery stays pending, attempt in flight, for the server's Webhooks:Timeout) -----------------------------------

function startReceiver() {
  const received = [];
  const held = new Set();
  const seen = new Set();
  const receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', chunk => { body += chunk; });
    request.on('end', () => {
      const event = JSON.parse(body).data;
      received.push({ path: request.url, type: event.event_type, signed: Boolean(request.headers['telnyx-signature-ed25519']) });
      if (request.url === '/ok') response.writeHead(204).end();
      else if (request.url === '/broken') response.writeHead(500, { 'Content-Type': 'text/plain' }).end('receiver is broken');
      else if (request.url === '/slow' && !seen.has(event.id)) {
        seen.add(event.id);
        response.writeHead(503, { 'Content-Type': 'text/plain' }).end('try later');
      } else held.add(response);
    });
  });
  return new Promise(resolve => receiver.listen(0, '127.0.0.1', () => resolve({
    origin: `http://127.0.0.1:${receiver.address().port}`,
    received,
    close() {
      for (const response of held) response.destroy();
      receiver.closeAllConnections();
      receiver.close();
    },
  })));
}

// --- A proxy between the browser and the server that can drop every connection -----------------------------------

function startProxy() {
  const open = new Set();
  const proxy = net.createServer(client => {
    const upstream = net.connect(Number(server.port), server.hostname);
    open.add(client);
    open.add(upstream);
    const close = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  return new Promise(resolve => proxy.listen(0, '127.0.0.1', () => resolve({
    origin: `http://127.0.0.1:${proxy.address().port}`,
    cut() {
      const count = open.size;
      for (const socket of open) socket.destroy();
      open.clear();
      return count;
    },
    close: () => proxy.close(),
  })));
}

// --- The browser ---------------------------------------------------------------------------------------------------

const proxy = await startProxy();
const receiver = await startReceiver();
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const consoleErrors = [];
let phase = 'start';
// Network log lines Chromium writes for answers the test provokes on purpose: a wrong key (401), a refused
// transition (409), and the connections the proxy drops. Anything else logged as an error fails the test.
const expected = {
  'wrong key': /status of 401/,
  'refused transition': /status of 409/,
  'dropped connection': /net::ERR_|Failed to fetch/,
};

try {
  const page = await browser.newPage();
  page.on('console', message => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!(expected[phase]?.test(text))) consoleErrors.push(`[${phase}] ${text}`);
  });
  page.on('pageerror', error => consoleErrors.push(`[${phase}] page error: ${error.message}`));
  page.on('dialog', async dialog => {
    consoleErrors.push(`[${phase}] a dialog opened: ${dialog.message()}`);
    await dialog.dismiss();
  });
  await page.setViewport({ width: 1280, height: 900 });

  // A value the page failed to render shows up as these words (none of the test's data holds them).
  const noStrayWords = async view => {
    const text = await page.$eval('main', node => node.innerText);
    expect(!/\b(null|undefined|NaN|\[object Object\])\b/.test(text), `${view} shows a stray null/undefined: ${text}`);
  };
  const byText = async (selector, text) => {
    try {
      await page.waitForFunction(
        (s, t) => [...document.querySelectorAll(s)].some(node => node.textContent.includes(t)), { timeout: 10_000 }, selector, text);
    } catch (failure) {
      const shown = await page.$$eval(selector, nodes => nodes.map(node => node.textContent)).catch(() => []);
      throw new Error(`no ${selector} holds "${text}" (they hold ${JSON.stringify(shown)}): ${failure.message}`);
    }
  };
  // A click on what the live page may render again between finding the element and clicking it (the run view redraws
  // its buttons as the watch stream updates the run): a detached node was not clicked, so it is found and clicked again.
  const click = async selector => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await page.click(selector);
      } catch (failure) {
        if (attempt === 20 || !/detached/i.test(failure.message)) throw failure;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    }
  };
  // Serious and critical violations fail every view; with `strict`, any violation does.
  const axe = async (view, { strict = false } = {}) => {
    await page.evaluate(axeSource); // evaluated by the test, not injected as a script: the page's CSP stays in force
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const serious = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
    const failing = strict ? result.violations : serious;
    summary.axe[view] = { violations: result.violations.length, seriousOrCritical: serious.length };
    expect(failing.length === 0, `axe on ${view}: ${failing.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`).join('; ')}`);
  };
  const webhooksShown = () => page.waitForSelector('#webhooks[aria-busy="false"]', { timeout: 10_000 });
  const screenshot = async name => {
    for (const width of [1280, 390]) {
      await page.setViewport({ width, height: width === 1280 ? 900 : 844 });
      const file = path.join(shots, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      summary.screenshots.push(file);
    }
    await page.setViewport({ width: 1280, height: 900 });
  };
  mkdirSync(shots, { recursive: true });

  // The page and its headers.
  const response = await page.goto(`${proxy.origin}/console`, { waitUntil: 'networkidle0' });
  const csp = response.headers()['content-security-policy'] ?? '';
  expect(csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
  expect(response.headers()['x-content-type-options'] === 'nosniff', 'nosniff missing');
  await page.waitForSelector('#api-key');
  await axe('sign-in', { strict: true });
  step('the console loads with its CSP; sign-in form');

  // A wrong key says so; the right one signs in. The key is in sessionStorage, never in the URL.
  phase = 'wrong key';
  await page.type('#api-key', 'not-a-valid-key');
  await page.click('button[type=submit]');
  await byText('[role=alert]', 'not accepted');
  phase = 'sign in';
  await page.type('#api-key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('#missions-title');
  expect(!page.url().includes(key), 'the key is in the URL');
  expect(await page.evaluate(() => sessionStorage.getItem('missions-console-key')) === key, 'the key is not in sessionStorage');
  step('a wrong key is refused in the page; the right one signs in (sessionStorage, not the URL)');

  // A mission made through the API, and one whose name is markup: both shown as text.
  const stamp = Date.now().toString(36);
  const mission = await api('POST', '', {
    name: `Triage inbound calls ${stamp}`, description: 'Route each call to the right queue', model: 'gpt-4o',
    instructions: 'Look the caller up in the CRM first.', metadata: { team: 'support' },
  });
  const xssName = '<img src=x onerror=alert(1)>';
  const xssMission = await api('POST', '', { name: xssName });
  await api('POST', `/${mission.mission_id}/tools`, { tool_id: 'crm-lookup', description: 'Find a caller' });
  await api('POST', `/${mission.mission_id}/knowledge-bases`, { knowledge_base_id: 'kb-faq' });
  await api('POST', `/${mission.mission_id}/mcp-servers`, { mcp_server_id: 'crm-mcp', url: 'https://mcp.example.com' });
  await page.goto(`${proxy.origin}/console#/?page=1`, { waitUntil: 'networkidle0' });
  await byText('td a', `Triage inbound calls ${stamp}`);
  await byText('td a', xssName);
  expect(await page.$$eval('main img', images => images.length) === 0, 'a mission name became an element');
  step('missions made through the API are listed; a name that is markup shows as text');

  // The mission: definition, tools, knowledge bases, MCP servers, runs.
  const run = await api('POST', `/${mission.mission_id}/runs`, { input: { caller: '+13125550100' } });
  await api('PATCH', `/${mission.mission_id}/runs/${run.run_id}`, { status: 'running' });
  await api('POST', `/${mission.mission_id}/runs/${run.run_id}/plan`, {
    steps: [
      { step_id: 'lookup', description: 'Look the caller up', sequence: 1 },
      { step_id: 'lookup-crm', description: 'Query the CRM', sequence: 2, parent_step_id: 'lookup' },
      { step_id: 'route', description: 'Route the call', sequence: 3 },
    ],
  });
  await api('POST', `/${mission.mission_id}/runs/${run.run_id}/telnyx-agents`, { telnyx_agent_id: 'agent-frontdesk' });
  await page.click(`a[href="#/missions/${mission.mission_id}"]`);
  await byText('li span.mono', 'crm-lookup');
  await byText('li span.mono', 'kb-faq');
  await byText('li span.mono', 'crm-mcp');
  await page.waitForSelector(`a[href="#/missions/${mission.mission_id}/runs/${run.run_id}"]`);
  await webhooksShown();
  await byText('#webhooks #no-webhooks', 'No webhooks send this mission\'s runs');
  await axe('mission', { strict: true });
  await noStrayWords('mission');
  await page.select('#status-filter', 'succeeded');
  await byText('main p', 'No succeeded runs');
  await page.select('#status-filter', 'running');
  await page.waitForSelector(`a[href="#/missions/${mission.mission_id}/runs/${run.run_id}"]`);
  step('the mission shows its definition, tools, knowledge bases, MCP servers and runs (status filter); no webhooks yet');

  // The run, live.
  await page.click(`a[href="#/missions/${mission.mission_id}/runs/${run.run_id}"]`);
  await byText('#live-state', 'Live');
  await byText('#plan li[data-step="lookup"] li[data-step="lookup-crm"]', 'Query the CRM'); // the tree: a child under its parent
  await byText('#agents', 'agent-frontdesk');
  const logged = [];
  const logAndSee = async (body) => {
    const started = performance.now();
    const event = await api('POST', `/${mission.mission_id}/runs/${run.run_id}/events`, body);
    logged.push(event.event_id);
    await page.waitForSelector(`#timeline li[data-event="${event.event_id}"]`, { timeout: LIVE_MS });
    summary.latenciesMs.push(Math.round(performance.now() - started));
    return event;
  };
  await logAndSee({ type: 'step_started', summary: 'Looking the caller up', step_id: 'lookup', agent_id: 'triage-agent' });
  await logAndSee({ type: 'tool_call', summary: 'CRM lookup', step_id: 'lookup-crm', payload: { phone: '+13125550100' } });
  await logAndSee({ type: 'tool_result', summary: '<b>found</b> a customer', step_id: 'lookup-crm', payload: { customer: 'C-42' } });
  expect(await page.$$eval('#timeline b', nodes => nodes.length) === 0, 'an event summary became markup');
  let started = performance.now();
  await api('PATCH', `/${mission.mission_id}/runs/${run.run_id}/plan/steps/lookup`, { status: 'in_progress' });
  await byText('#plan li[data-step="lookup"] .badge', 'in_progress');
  summary.latenciesMs.push(Math.round(performance.now() - started));
  expect(summary.latenciesMs.every(ms => ms <= LIVE_MS), `an update took more than a second: ${summary.latenciesMs}`);
  await click(`#timeline li[data-event="${logged[1]}"] button`);
  await byText(`#timeline li[data-event="${logged[1]}"] pre`, '+13125550100');

  // The timeline: one bar row per step with its status, ordered by start, a child under its parent; event marks are the
  // run's events; a step started through the API appears and grows without a reload.
  const runPath = `/${mission.mission_id}/runs/${run.run_id}`;
  const timelineRows = () => page.$$eval('#run-chart .tl-row[data-step]', rows => rows.map(row => ({
    step: row.dataset.step, status: row.dataset.status, depth: Number(row.dataset.depth),
    bar: row.querySelector('rect.tl-bar') ? Number(row.querySelector('rect.tl-bar').getAttribute('width')) : null,
  })));
  const planNow = async () => (await api('GET', `${runPath}/plan`));
  const expectRowsMatchPlan = async () => {
    const plan = await planNow();
    const rows = await timelineRows();
    const byId = new Map(plan.map(s => [s.step_id, s]));
    return (rows.length === plan.length && rows.every(r => byId.get(r.step)?.status === r.status)) || { rows, plan: plan.map(s => [s.step_id, s.status]) };
  };
  await eventually('the timeline has a row per step with its status', expectRowsMatchPlan, 5_000);
  let rows = await timelineRows();
  expect(JSON.stringify(rows.map(r => [r.step, r.depth])) === JSON.stringify([['lookup', 0], ['lookup-crm', 1], ['route', 0]]),
    `timeline rows (started first, a child under its parent): ${JSON.stringify(rows)}`);
  expect(rows.find(r => r.step === 'lookup').bar > 0 && rows.find(r => r.step === 'route').bar === null,
    `a started step has a bar, one not started has none: ${JSON.stringify(rows)}`);
  await api('PATCH', `${runPath}/plan/steps/route`, { status: 'in_progress' });
  await eventually('the step started through the API has a bar', async () => {
    const row = (await timelineRows()).find(r => r.step === 'route');
    return (row?.status === 'in_progress' && row.bar > 0) || row;
  }, 5_000);
  const before = (await timelineRows()).find(r => r.step === 'route').bar;
  await eventually('the in-progress bar grows with the clock', async () => {
    const row = (await timelineRows()).find(r => r.step === 'route');
    return row.bar > before || row;
  }, 5_000);
  await api('PATCH', `${runPath}/plan/steps/route`, { status: 'completed' });
  await eventually('the timeline follows the plan', expectRowsMatchPlan, 5_000);
  rows = await timelineRows();
  expect(JSON.stringify(rows.map(r => r.step)) === JSON.stringify(['lookup', 'lookup-crm', 'route']), `rows after route started: ${JSON.stringify(rows)}`);
  const apiEvents = await api('GET', `${runPath}/events?page[size]=100`);
  const marks = await page.$$eval('#run-chart rect.tl-mark', nodes => nodes.map(n => ({ id: n.dataset.event, type: n.dataset.type })));
  expect(JSON.stringify(marks.map(m => m.id).sort()) === JSON.stringify(apiEvents.map(e => e.event_id).sort())
    && marks.every(m => apiEvents.find(e => e.event_id === m.id).type === m.type), `event marks ${JSON.stringify(marks)} are not the run's events`);
  await page.$eval(`#run-chart rect.tl-mark[data-event="${logged[1]}"]`, mark => mark.focus()); // an SVG element: focused in the page
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-event')) === logged[1], 'the event mark did not take the focus');
  await byText('#timeline-detail', 'tool_call: CRM lookup');
  step('the timeline: a bar per step with its status, ordered by start, a child under its parent; a step started through the API grows without a reload; a mark per event, its type and summary on focus');

  // The event filter narrows the list (and the marks) by type and by text in the summary.
  const visibleEvents = () => page.$$eval('#timeline li[data-event]:not([hidden])', items => items.map(item => item.dataset.event));
  const visibleMarks = () => page.$$eval('#run-chart rect.tl-mark:not([hidden])', items => items.map(item => item.dataset.event));
  await page.select('#event-type-filter', 'tool_call');
  const toolCalls = apiEvents.filter(e => e.type === 'tool_call').map(e => e.event_id);
  expect(JSON.stringify(await visibleEvents()) === JSON.stringify(toolCalls) && JSON.stringify((await visibleMarks()).sort()) === JSON.stringify([...toolCalls].sort()),
    `type filter: shows ${await visibleEvents()}, the API's tool calls are ${toolCalls}`);
  await byText('#event-count', `${toolCalls.length} of ${apiEvents.length} events match`);
  await page.select('#event-type-filter', '');
  await page.type('#event-text-filter', 'CUSTOMER');
  const customer = apiEvents.filter(e => e.summary.toLowerCase().includes('customer')).map(e => e.event_id);
  expect(customer.length > 0 && JSON.stringify(await visibleEvents()) === JSON.stringify(customer), `text filter: shows ${await visibleEvents()}, expected ${customer}`);
  await axe('run-timeline', { strict: true });
  await screenshot('run-timeline');
  await page.click('#event-text-filter', { count: 3 });
  await page.keyboard.press('Backspace');
  await eventually('the filter cleared shows every event', async () => (await visibleEvents()).length === apiEvents.length || await visibleEvents(), 5_000);
  step('the event filter narrows the list and the marks by type and by summary text');
  await axe('run', { strict: true });
  await noStrayWords('run');
  step('three events and a step change appear without a reload, each within a second; payload on demand');

  // Actions: pause from the button; a refused transition is explained in the page.
  await click('button[data-action="pause"]');
  await byText('#run-status', 'paused');
  expect((await api('GET', `/${mission.mission_id}/runs/${run.run_id}`)).status === 'paused', 'the run is not paused');
  phase = 'refused transition';
  await click('button[data-action="pause"]');
  await byText('#action-message [role=alert]', '409');
  phase = 'run';
  await click('button[data-action="resume"]');
  await byText('#run-status', 'running');
  step('pause and resume from the buttons; a refused pause (409) is explained in the page');

  // The connection drops: events logged meanwhile arrive once the page resumes from its cursor; none repeats.
  phase = 'dropped connection';
  const cut = proxy.cut();
  expect(cut > 0, 'no connection to cut');
  const during = [];
  for (const text of ['while disconnected 1', 'while disconnected 2']) {
    during.push((await api('POST', `/${mission.mission_id}/runs/${run.run_id}/events`, { type: 'message', summary: text })).event_id);
  }
  for (const id of during) await page.waitForSelector(`#timeline li[data-event="${id}"]`, { timeout: 10_000 });
  await byText('#live-state', 'Live');
  phase = 'run';
  const shown = await page.$$eval('#timeline li[data-event]', items => items.map(item => item.dataset.event));
  const all = [...logged, ...during];
  expect(shown.length === all.length && new Set(shown).size === shown.length && all.every(id => shown.includes(id)),
    `after the drop the timeline holds ${shown.length} events (${new Set(shown).size} distinct), expected ${all.length}`);
  step(`a dropped connection (${cut} sockets cut) resumes from the cursor: nothing lost, nothing repeated`);

  // A burst the watcher cannot keep up with (this server buffers 2 live updates per watcher): the server ends the
  // stream with a `resume` line, and the page continues from its cursor.
  phase = 'resume line';
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    api('POST', `/${mission.mission_id}/runs/${run.run_id}/events`, { type: 'message', summary: `burst ${i}` })));
  for (const event of burst) await page.waitForSelector(`#timeline li[data-event="${event.event_id}"]`, { timeout: 10_000 });
  const metrics = await (await fetch(new URL('/metrics', server))).text();
  expect(/missions_watch_resumes_total\{[^}]*reason="behind"[^}]*\} [1-9]/.test(metrics), 'the server sent no resume line');
  const afterBurst = await page.$$eval('#timeline li[data-event]', items => items.map(item => item.dataset.event));
  expect(afterBurst.length === all.length + burst.length && new Set(afterBurst).size === afterBurst.length,
    `after the resume line the timeline holds ${afterBurst.length} events (${new Set(afterBurst).size} distinct), expected ${all.length + burst.length}`);
  await byText('#live-state', 'Live');
  phase = 'run';
  step('a burst past the watcher\'s buffer: the server\'s resume line is followed from the cursor, every event once');

  await screenshot('run-live');

  // The run ends: the page says so.
  await api('PATCH', `/${mission.mission_id}/runs/${run.run_id}`, { status: 'succeeded', result_summary: 'Routed to billing' });
  await byText('#live-state', 'Run ended');
  await byText('#run-header', 'Routed to billing');
  step('the end of the run is shown');

  // Webhooks: four that send this mission's runs (one disabled) and one for another mission only; a second run sends
  // them deliveries, which the receiver answers as it is told. Once they are where the test wants them (checked
  // through the API), the mission's page shows each endpoint of this mission with its latest deliveries.
  phase = 'webhooks';
  const hooks = '/v2/ai/mission-webhooks';
  const ok = await rest('POST', hooks, { url: `${receiver.origin}/ok`, mission_id: mission.mission_id, description: 'CRM sync' });
  const broken = await rest('POST', hooks, { url: `${receiver.origin}/broken`, event_types: ['mission_run.succeeded', 'mission_run.failed'] });
  const slow = await rest('POST', hooks, { url: `${receiver.origin}/slow`, mission_id: mission.mission_id, event_types: ['mission_run.created'] });
  const off = await rest('POST', hooks, { url: `${receiver.origin}/off`, mission_id: mission.mission_id, enabled: false });
  const elsewhere = await rest('POST', hooks, { url: `${receiver.origin}/elsewhere`, mission_id: xssMission.mission_id });
  const second = await api('POST', `/${mission.mission_id}/runs`, { input: { caller: '+13125550101' } });
  await api('PATCH', `/${mission.mission_id}/runs/${second.run_id}`, { status: 'running' });
  for (let i = 1; i <= 12; i++) {
    await api('POST', `/${mission.mission_id}/runs/${second.run_id}/events`, { type: 'message', summary: `webhook event ${i}` });
  }
  await api('PATCH', `/${mission.mission_id}/runs/${second.run_id}`, { status: 'succeeded', result_summary: 'Done' });
  const deliveries = (webhook, size = 100) => rest('GET', `${hooks}/${webhook.webhook_id}/deliveries?page[size]=${size}`, undefined, { whole: true });
  // created, running, 12 events, succeeded (a status change and the outcome): 16, every one answered 204.
  await eventually('the /ok endpoint has its 16 deliveries delivered', async () => {
    const list = await deliveries(ok);
    return (list.meta.total_results === 16 && list.data.every(d => d.status === 'succeeded')) || list.data.map(d => d.status);
  });
  await eventually('the /broken endpoint\'s delivery failed after its two attempts', async () => {
    const list = await deliveries(broken);
    return (list.data.length === 1 && list.data[0].status === 'failed' && list.data[0].attempts === 2) || list.data;
  });
  await eventually('the /slow endpoint\'s delivery is pending, its second attempt in flight', async () => {
    const list = await deliveries(slow);
    const d = list.data[0];
    return (list.data.length === 1 && d.status === 'pending' && d.attempts === 2 && d.last_status_code === 503 && Boolean(d.next_attempt_at)
      && receiver.received.filter(r => r.path === '/slow').length === 2) || list.data;
  });
  expect((await deliveries(off)).data.length === 0 && (await deliveries(elsewhere)).data.length === 0, 'a disabled or other mission\'s endpoint has deliveries');
  expect(receiver.received.every(r => r.signed), 'a webhook came unsigned');

  // The mission's page, reached by its link from the run: it reads the webhooks as it loads.
  await page.click(`a[href="#/missions/${mission.mission_id}"]`);
  await webhooksShown();
  const shownHooks = await page.$$eval('#webhooks li[data-webhook]', items => items.map(item => item.dataset.webhook));
  expect(shownHooks.length === 4 && [ok, broken, slow, off].every(w => shownHooks.includes(w.webhook_id)) && !shownHooks.includes(elsewhere.webhook_id),
    `the mission's page shows webhooks ${shownHooks}, expected ${[ok, broken, slow, off].map(w => w.webhook_id)} and not ${elsewhere.webhook_id}`);
  const card = webhook => `#webhooks li[data-webhook="${webhook.webhook_id}"]`;
  await byText(`${card(ok)} h3`, `${receiver.origin}/ok`);
  await byText(card(ok), 'CRM sync');
  await byText(`${card(ok)} .event-types`, 'All events');
  await byText(`${card(ok)} .webhook-state`, 'Enabled');
  await byText(card(ok), 'The 10 newest of 16 deliveries.');
  await byText(`${card(broken)} .event-types`, 'mission_run.succeeded, mission_run.failed');
  await byText(card(broken), 'All missions');
  await byText(`${card(off)} .webhook-state`, 'Disabled');
  await byText(card(off), 'No deliveries yet.');
  // Each endpoint's deliveries as the API lists them: the 10 newest, in order, with their statuses and results.
  for (const webhook of [ok, broken, slow]) {
    const expected = (await deliveries(webhook, 10)).data;
    const shownDeliveries = await page.$$eval(`${card(webhook)} li[data-delivery]`, items => items.map(item => ({
      id: item.dataset.delivery,
      status: item.querySelector('.badge').textContent,
      type: item.querySelector('.event-type').textContent,
      result: item.querySelector('.result')?.textContent ?? null,
      next: item.querySelector('.meta').textContent.includes('next attempt'),
    })));
    const wanted = expected.map(d => ({
      id: d.delivery_id, status: d.status, type: d.event_type,
      result: d.last_status_code !== undefined ? `HTTP ${d.last_status_code}` : d.last_error ?? null, next: d.status === 'pending',
    }));
    expect(JSON.stringify(shownDeliveries) === JSON.stringify(wanted),
      `${webhook.url}: the page shows ${JSON.stringify(shownDeliveries)}, the API lists ${JSON.stringify(wanted)}`);
  }
  expect((await page.$$eval(`${card(ok)} li[data-delivery]`, items => items.map(i => i.textContent))).every(t => t.includes('succeeded') && t.includes('HTTP 204')),
    'a delivery to /ok is not shown succeeded with HTTP 204');
  await byText(`${card(broken)} li[data-delivery]`, 'failed');
  await byText(`${card(broken)} li[data-delivery] .result`, 'HTTP 500');
  await byText(`${card(slow)} li[data-delivery]`, 'next attempt');
  await page.waitForSelector(`${card(ok)} li[data-delivery] a[href="#/missions/${mission.mission_id}/runs/${second.run_id}"]`);
  await axe('mission-webhooks', { strict: true });
  await noStrayWords('mission-webhooks');
  await screenshot('mission-webhooks');
  step('the mission\'s page lists the webhooks that send its runs (not another mission\'s), each with its latest deliveries: succeeded, failed, pending with its next attempt');
  phase = 'run';

  // The mission's overview: runs in several statuses; the page's figures are the stats operation's.
  phase = 'overview';
  const newRun = async () => (await api('POST', `/${mission.mission_id}/runs`, {})).run_id;
  const failedRun = await newRun();
  await api('PATCH', `/${mission.mission_id}/runs/${failedRun}`, { status: 'running' });
  await api('PATCH', `/${mission.mission_id}/runs/${failedRun}`, { status: 'failed', error: 'caller hung up' });
  await api('PATCH', `/${mission.mission_id}/runs/${await newRun()}`, { status: 'cancelled' });
  await newRun(); // pending
  const stats = await api('GET', `/${mission.mission_id}/stats?window=200`);
  expect(Number(stats.total_runs) === 5 && stats.window_runs === 5, `stats: ${JSON.stringify(stats)}`);
  await page.reload({ waitUntil: 'networkidle0' }); // the mission's page again, read afresh
  await page.waitForSelector('#overview[aria-busy="false"]', { timeout: 10_000 });
  const shownStats = await page.evaluate(() => {
    const value = id => document.getElementById(id)?.dataset.value ?? null;
    return {
      total: value('stat-total'), success: value('stat-success'), p50: value('stat-p50'), p95: value('stat-p95'),
      counts: Object.fromEntries([...document.querySelectorAll('#stat-counts li')].map(li => [li.dataset.status, Number(li.querySelector('.count').textContent)])),
      bars: document.querySelectorAll('#stat-chart rect').length,
      rows: document.querySelectorAll('.stats-table tbody tr').length,
      text: document.getElementById('stat-success')?.textContent,
    };
  });
  const number = value => (value === null || value === '' ? null : Number(value));
  const apiCounts = Object.fromEntries(stats.status_counts.map(c => [c.status, Number(c.count)]));
  expect(number(shownStats.total) === Number(stats.total_runs)
    && number(shownStats.success) === (stats.success_rate ?? null)
    && number(shownStats.p50) === (stats.duration_p50_seconds ?? null)
    && number(shownStats.p95) === (stats.duration_p95_seconds ?? null)
    && JSON.stringify(shownStats.counts) === JSON.stringify(apiCounts)
    && shownStats.rows === stats.buckets.length
    && shownStats.bars === stats.buckets.reduce((n, b) => n + b.status_counts.filter(c => Number(c.count) > 0).length, 0)
    && shownStats.text === `${(stats.success_rate * 100).toFixed(1)}%`,
  `the overview shows ${JSON.stringify(shownStats)}, the API says ${JSON.stringify(stats)}`);
  expect(JSON.stringify(apiCounts) === JSON.stringify({ pending: 1, succeeded: 2, failed: 1, cancelled: 1 }), `status counts ${JSON.stringify(apiCounts)}`);
  await axe('mission-overview', { strict: true });
  await noStrayWords('mission-overview');
  await screenshot('mission-overview');
  step('the mission overview: runs, success rate, duration p50/p95, runs per status and per hour are what the stats operation returns');
  phase = 'run';

  // Home again: recent runs and events; screenshots of the list.
  await page.goto(`${proxy.origin}/console#/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#runs-title');
  await byText('.timeline .summary', 'webhook event 12');
  await axe('missions', { strict: true });
  await noStrayWords('missions');
  await screenshot('missions');
  step('the organization\'s recent runs and events');

  expect(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
  summary.ok = true;
  console.log(JSON.stringify(summary, null, 2));
} catch (failure) {
  summary.ok = false;
  summary.failure = failure.stack ?? String(failure);
  summary.consoleErrors = consoleErrors;
  console.log(JSON.stringify(summary, null, 2));
  process.exitCode = 1;
} finally {
  await browser.close();
  proxy.close();
  receiver.close();
}
