// The full surface of the AI Missions API through the official Telnyx TypeScript SDK: each of the spec's
// 41 operations, in a user's order — create → list → update → runs → plan → events → agents →
// attachments → clone → delete — asserting the returned objects. Runs against a server that holds no
// other data for this key. Environment: see client.mjs. Prints ONE JSON object to stdout (with a
// `summary` line); any failed assertion: stderr, exit 1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectApiError, makeClient, report } from './client.mjs';

const client = makeClient();
const sdkVersion = JSON.parse(readFileSync(new URL('./node_modules/telnyx/package.json', import.meta.url))).version;
const m = client.ai.missions;
const done = [];
const op = async (name, call) => {
  const result = await call();
  if (!done.includes(name)) done.push(name);
  return result;
};
const isTime = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && v.endsWith('Z');
const isUuid = (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(v);

await report(async () => {
  // Missions.
  const { data: mission } = await op('create', () =>
    m.create({ name: 'Full surface', description: 'd', model: 'gpt-4o', instructions: 'i', metadata: { team: 'qa' } }),
  );
  assert.ok(isUuid(mission.mission_id));
  assert.equal(mission.execution_mode, 'external');
  assert.ok(isTime(mission.created_at) && mission.created_at === mission.updated_at);
  const mid = mission.mission_id;
  const listed = [];
  for await (const x of await op('list', () => m.list({ 'page[size]': 1 }))) listed.push(x.mission_id);
  assert.deepEqual(listed, [mid]);
  const { data: updated } = await op('updateMission', () => m.updateMission(mid, { description: 'updated', execution_mode: 'managed' }));
  assert.equal(updated.description, 'updated');
  assert.equal(updated.execution_mode, 'managed');
  assert.equal(updated.name, 'Full surface');

  // Runs.
  const { data: run } = await op('runs.create', () => m.runs.create(mid, { input: { q: 1 }, metadata: { by: 'sdk' } }));
  assert.equal(run.status, 'pending');
  assert.ok(isTime(run.started_at));
  const rid = run.run_id;
  const ids = { mission_id: mid };
  const { data: running } = await op('runs.update', () => m.runs.update(rid, { ...ids, status: 'running' }));
  assert.equal(running.status, 'running');
  const { data: paused } = await op('runs.pauseRun', () => m.runs.pauseRun(rid, ids));
  assert.equal(paused.status, 'paused');
  const { data: resumed } = await op('runs.resumeRun', () => m.runs.resumeRun(rid, ids));
  assert.equal(resumed.status, 'running');
  const { data: got } = await op('runs.retrieve', () => m.runs.retrieve(rid, ids));
  assert.deepEqual(got, resumed);
  const ofMission = [];
  for await (const r of await op('runs.list', () => m.runs.list(mid, { status: 'running' }))) ofMission.push(r.run_id);
  assert.deepEqual(ofMission, [rid]);
  const recent = [];
  for await (const r of await op('runs.listRuns', () => m.runs.listRuns())) recent.push(r.run_id);
  assert.deepEqual(recent, [rid]);

  // Plan.
  const { data: plan } = await op('runs.plan.create', () =>
    m.runs.plan.create(rid, { ...ids, steps: [{ step_id: 's1', description: 'first', sequence: 0 }] }),
  );
  assert.equal(plan[0].sequence, 0);
  assert.equal(plan[0].status, 'pending');
  const { data: added } = await op('runs.plan.addStepsToPlan', () =>
    m.runs.plan.addStepsToPlan(rid, { ...ids, steps: [{ step_id: 's2', description: 'second', sequence: 1, parent_step_id: 's1' }] }),
  );
  assert.equal(added[0].parent_step_id, 's1');
  const { data: step } = await op('runs.plan.updateStep', () => m.runs.plan.updateStep('s1', { ...ids, run_id: rid, status: 'completed' }));
  assert.equal(step.status, 'completed');
  assert.ok(isTime(step.completed_at));
  const { data: stepDetails } = await op('runs.plan.getStepDetails', () => m.runs.plan.getStepDetails('s2', { ...ids, run_id: rid }));
  assert.equal(stepDetails.description, 'second');
  const { data: wholePlan } = await op('runs.plan.retrieve', () => m.runs.plan.retrieve(rid, ids));
  assert.deepEqual(wholePlan.map((s) => s.step_id), ['s1', 's2']);

  // Events.
  const { data: event } = await op('runs.events.log', () =>
    m.runs.events.log(rid, { ...ids, type: 'tool_call', summary: 'lookup', step_id: 's1', idempotency_key: 'k1', payload: { tool: 'crm' } }),
  );
  assert.equal(event.type, 'tool_call');
  assert.ok(isTime(event.timestamp));
  assert.equal('mission_id' in event, false);
  const { data: eventDetails } = await op('runs.events.getEventDetails', () => m.runs.events.getEventDetails(event.event_id, { ...ids, run_id: rid }));
  assert.deepEqual(eventDetails, event);
  const trail = [];
  for await (const e of await op('runs.events.list', () => m.runs.events.list(rid, { ...ids, type: 'tool_call' }))) trail.push(e.event_id);
  assert.deepEqual(trail, [event.event_id]);
  const feed = [];
  for await (const e of await op('listEvents', () => m.listEvents({ 'page[size]': 10 }))) feed.push(e.event_id);
  assert.deepEqual(feed, [event.event_id]);

  // Telnyx agents.
  const { data: link } = await op('runs.telnyxAgents.link', () => m.runs.telnyxAgents.link(rid, { ...ids, telnyx_agent_id: 'agent-1' }));
  assert.equal(link.telnyx_agent_id, 'agent-1');
  const { data: links } = await op('runs.telnyxAgents.list', () => m.runs.telnyxAgents.list(rid, ids));
  assert.deepEqual(links.map((l) => l.telnyx_agent_id), ['agent-1']);
  assert.equal(await op('runs.telnyxAgents.unlink', () => m.runs.telnyxAgents.unlink('agent-1', { ...ids, run_id: rid })) ?? null, null); // 204: no body

  // Cancel last: a cancelled run is final.
  const { data: cancelled } = await op('runs.cancelRun', () => m.runs.cancelRun(rid, ids));
  assert.equal(cancelled.status, 'cancelled');
  assert.ok(isTime(cancelled.finished_at));

  // Attachments: the SDK sends no body on create/update; a body goes through request options.
  const kinds = [
    ['tools', 'tool_id', m.tools, ['listTools', 'createTool', 'getTool', 'updateTool', 'deleteTool']],
    ['knowledgeBases', 'knowledge_base_id', m.knowledgeBases, ['listKnowledgeBases', 'createKnowledgeBase', 'getKnowledgeBase', 'updateKnowledgeBase', 'deleteKnowledgeBase']],
    ['mcpServers', 'mcp_server_id', m.mcpServers, ['listMcpServers', 'createMcpServer', 'getMcpServer', 'updateMcpServer', 'deleteMcpServer']],
  ];
  const keep = {};
  for (const [kind, idKey, api, [list, create, get, update, del]] of kinds) {
    const bare = await op(`${kind}.${create}`, () => api[create](mid));
    assert.ok(isUuid(bare.data[idKey]));
    const named = await api[create](mid, { body: { [idKey]: `${kind}-1`, name: 'one' } });
    assert.equal(named.data[idKey], `${kind}-1`);
    const items = await op(`${kind}.${list}`, () => api[list](mid));
    assert.deepEqual(items.data.map((i) => i[idKey]), [bare.data[idKey], `${kind}-1`]);
    const item = await op(`${kind}.${get}`, () => api[get](`${kind}-1`, ids));
    assert.equal(item.data.name, 'one');
    const replaced = await op(`${kind}.${update}`, () => api[update](`${kind}-1`, ids, { body: { name: 'two' } }));
    assert.equal(replaced.data.name, 'two');
    assert.equal(replaced.data.created_at, item.data.created_at);
    assert.equal((await op(`${kind}.${del}`, () => api[del](bare.data[idKey], ids))) ?? null, null);
    keep[kind] = `${kind}-1`;
  }
  const { data: details } = await op('retrieve', () => m.retrieve(mid));
  assert.deepEqual(details.tools.map((t) => t.tool_id), [keep.tools]);
  assert.deepEqual(details.knowledge_bases.map((t) => t.knowledge_base_id), [keep.knowledgeBases]);
  assert.deepEqual(details.mcp_servers.map((t) => t.mcp_server_id), [keep.mcpServers]);

  // Clone, then delete the original with everything it holds.
  const { data: clone } = await op('cloneMission', () => m.cloneMission(mid));
  assert.notEqual(clone.mission_id, mid);
  assert.equal(clone.description, 'updated');
  const { data: cloneDetails } = await m.retrieve(clone.mission_id);
  assert.equal(cloneDetails.tools.length, 1);
  assert.equal((await op('deleteMission', () => m.deleteMission(mid))) ?? null, null);
  const gone = await expectApiError(() => m.runs.retrieve(rid, ids));
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.error, { detail: 'Mission not found' });

  assert.equal(done.length, 41, `exercised ${done.length} operations: ${done.join(', ')}`);
  return { operations: done, summary: `SDK full surface: ${done.length}/41 operations passed (npm telnyx ${sdkVersion})` };
});
