// A webhook receiver written as a Telnyx customer writes one: the official SDK's verifier,
// `new Telnyx({ publicKey })` and `client.webhooks.unwrap(rawBody, { headers })`, with the key from
// GET /v2/ai/mission-webhooks/public-key. It registers itself as an endpoint, drives a run through its
// statuses with the SDK (plan, step updates, events, pause, resume, success) and reports what arrived and
// verified. Then it shows the SDK refusing a tampered body and a stale timestamp (WEBHOOK_STALE_CASE:
// a body signed by the server's key ten minutes ago, made by the test).
import http from 'node:http';
import Telnyx from 'telnyx';
import { apiKey, baseURL, makeClient } from './client.mjs';

const api = async (method, path, body) => {
  const response = await fetch(`${baseURL}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: response.status === 204 ? null : await response.json() };
};

const { json: key } = await api('GET', '/ai/mission-webhooks/public-key');
const verifier = new Telnyx({ apiKey: 'unused', publicKey: key.data.public_key, clientID: null, clientSecret: null, logLevel: 'warn' });

const received = [];
const refusals = [];
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const event = await verifier.webhooks.unwrap(body, { headers: request.headers });
      received.push({ body, headers: request.headers, event });
      response.writeHead(200).end('ok');
    } catch (error) {
      refusals.push(`${error.name}: ${error.message}`);
      response.writeHead(400).end(`${error.name}: ${error.message}`);
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/telnyx-webhooks`;

const { status: created, json: webhook } = await api('POST', '/ai/mission-webhooks', { url, description: 'sdk receiver' });

const client = makeClient();
const runs = client.ai.missions.runs;
const { data: mission } = await client.ai.missions.create({ name: 'sdk webhooks' });
const { mission_id } = mission;
const { data: run } = await runs.create(mission_id);
const { run_id } = run;
await runs.update(run_id, { mission_id, status: 'running' });
await runs.plan.create(run_id, { mission_id, steps: [{ step_id: 'fetch', description: 'fetch the data', sequence: 0 }] });
await runs.plan.updateStep('fetch', { mission_id, run_id, status: 'in_progress' });
await runs.events.log(run_id, { mission_id, type: 'tool_call', summary: 'crm lookup', step_id: 'fetch' });
await runs.pauseRun(run_id, { mission_id });
await runs.resumeRun(run_id, { mission_id });
await runs.plan.updateStep('fetch', { mission_id, run_id, status: 'completed' });
await runs.update(run_id, { mission_id, status: 'succeeded', result_summary: 'done' });

// created, 5 status changes (running, paused, running, succeeded) + paused + succeeded, 3 plan updates, 1 event
const expected = 1 + 4 + 2 + 3 + 1;
const deadline = Date.now() + 30_000;
while (received.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 300)); // anything beyond the expected arrives too

// A body changed after signing, and a stale timestamp, sent to the same receiver.
const send = (body, headers) => fetch(url, { method: 'POST', headers, body }).then((r) => r.status);
const sample = received[0];
const forward = Object.fromEntries(
  Object.entries(sample.headers).filter(([name]) => name.startsWith('telnyx-') || name === 'content-type'));
const tampered = await send(sample.body.replace('"attempt":1', '"attempt":2'), forward);
const stale = JSON.parse(process.env.WEBHOOK_STALE_CASE);
const staleStatus = await send(stale.body, stale.headers);

server.close();
console.log(JSON.stringify({
  created,
  webhookId: webhook.data.webhook_id,
  runId: run_id,
  publicKey: key.data.public_key,
  events: received.map(({ event }) => ({
    id: event.data.id,
    event_type: event.data.event_type,
    change_number: event.data.change_number,
    record_type: event.data.record_type,
    payload: event.data.payload,
    attempt: event.meta.attempt,
    delivered_to: event.meta.delivered_to,
  })),
  tampered: { status: tampered, refusal: refusals[0] ?? null },
  stale: { status: staleStatus, refusal: refusals[1] ?? null },
  receiverUrl: url,
}));
