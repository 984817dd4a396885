// Records a whole run through the official Telnyx TypeScript SDK, as an executing agent would: the plan
// (create, add steps, retrieve, step details, step updates), events (log, an idempotent retry, list with
// the auto-pager and filters, details, the organization feed), linked Telnyx agents (link, list, unlink)
// and the run's status, ending it `succeeded`. The run is given (MISSION_ID, RUN_ID) so that another
// client can watch it from the start. Environment: see client.mjs. Prints ONE JSON object to stdout.
import { expectApiError, makeClient, makeCountingClient, report } from './client.mjs';

const client = makeClient();
const runs = client.ai.missions.runs;
const mission_id = process.env.MISSION_ID;
const run_id = process.env.RUN_ID;
if (!mission_id || !run_id) {
  console.error('MISSION_ID and RUN_ID must be set');
  process.exit(1);
}

await report(async () => {
  await runs.update(run_id, { mission_id, status: 'running' });

  const plan = await runs.plan.create(run_id, {
    mission_id,
    steps: [
      { step_id: 'collect', description: 'Collect failed calls', sequence: 0 },
      { step_id: 'classify', description: 'Classify failures', sequence: 1, metadata: { model: 'small' } },
    ],
  });
  const added = await runs.plan.addStepsToPlan(run_id, {
    mission_id,
    steps: [{ step_id: 'classify.retry', description: 'Retry unclear ones', sequence: 1, parent_step_id: 'classify' }],
  });
  const secondPlan = await expectApiError(() =>
    runs.plan.create(run_id, { mission_id, steps: [{ step_id: 'x', description: 'x', sequence: 9 }] }),
  );
  const duplicateStep = await expectApiError(() =>
    runs.plan.addStepsToPlan(run_id, { mission_id, steps: [{ step_id: 'collect', description: 'again', sequence: 5 }] }),
  );
  const badParent = await expectApiError(() =>
    runs.plan.addStepsToPlan(run_id, {
      mission_id,
      steps: [
        { step_id: 'ok', description: 'fine', sequence: 7 },
        { step_id: 'orphan', description: 'no parent', sequence: 8, parent_step_id: 'ghost' },
      ],
    }),
  );

  const stepUpdates = [];
  const events = [];
  for (const step_id of ['collect', 'classify', 'classify.retry']) {
    stepUpdates.push((await runs.plan.updateStep(step_id, { mission_id, run_id, status: 'in_progress' })).data);
    events.push((await runs.events.log(run_id, { mission_id, type: 'step_started', summary: `${step_id} started`, step_id, agent_id: 'agent-1' })).data);
    events.push((await runs.events.log(run_id, { mission_id, type: 'tool_call', summary: `${step_id} tool`, step_id, payload: { tool: 'crm', n: 1 } })).data);
    stepUpdates.push((await runs.plan.updateStep(step_id, { mission_id, run_id, status: 'completed', metadata: { done: true } })).data);
    events.push((await runs.events.log(run_id, { mission_id, type: 'step_completed', summary: `${step_id} done`, step_id, agent_id: 'agent-1' })).data);
  }

  // An idempotent retry through a client with the SDK's default retries: one request each, one event.
  const { client: counting, counter } = makeCountingClient();
  const keyed = { mission_id, type: 'message', summary: 'report sent', idempotency_key: 'report-1' };
  const original = (await counting.ai.missions.runs.events.log(run_id, keyed)).data;
  const replay = (await counting.ai.missions.runs.events.log(run_id, keyed)).data;
  const reused = await expectApiError(() =>
    counting.ai.missions.runs.events.log(run_id, { ...keyed, summary: 'another report' }),
  );
  const keyedRequests = counter.requests;
  events.push(original);

  const listed = [];
  for await (const e of runs.events.list(run_id, { mission_id, 'page[size]': 4 })) listed.push(e.event_id);
  const toolCalls = (await runs.events.list(run_id, { mission_id, type: 'tool_call' })).data.map((e) => e.summary);
  const ofClassify = (await runs.events.list(run_id, { mission_id, step_id: 'classify', agent_id: 'agent-1' })).data.map((e) => e.summary);
  const details = (await runs.events.getEventDetails(events[0].event_id, { mission_id, run_id })).data;
  const feed = [];
  for await (const e of client.ai.missions.listEvents({ type: 'step_completed' })) feed.push(e.summary);

  const linked = (await runs.telnyxAgents.link(run_id, { mission_id, telnyx_agent_id: 'agent-1' })).data;
  await runs.telnyxAgents.link(run_id, { mission_id, telnyx_agent_id: 'agent-2' });
  const duplicateLink = await expectApiError(() => runs.telnyxAgents.link(run_id, { mission_id, telnyx_agent_id: 'agent-1' }));
  const unlinked = await runs.telnyxAgents.unlink('agent-2', { mission_id, run_id });
  const agents = (await runs.telnyxAgents.list(run_id, { mission_id })).data.map((a) => a.telnyx_agent_id);
  const unlinkAgain = await expectApiError(() => runs.telnyxAgents.unlink('agent-2', { mission_id, run_id }));

  const finalPlan = (await runs.plan.retrieve(run_id, { mission_id })).data;
  const step = (await runs.plan.getStepDetails('classify.retry', { mission_id, run_id })).data;
  const finished = (await runs.update(run_id, { mission_id, status: 'succeeded', result_summary: 'all classified' })).data;

  return {
    plan: plan.data,
    added: added.data,
    secondPlan,
    duplicateStep,
    badParent,
    stepUpdates,
    events: events.map((e) => e.event_id),
    original,
    replay,
    reused,
    keyedRequests,
    listed,
    toolCalls,
    ofClassify,
    details,
    feed,
    linked,
    duplicateLink,
    unlinked: unlinked ?? null,
    agents,
    unlinkAgain,
    finalPlan,
    step,
    finished,
  };
});
