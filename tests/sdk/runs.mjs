// Drives runs through the official Telnyx TypeScript SDK against a running server that holds no
// other data for this key: runs.create (no arguments and with input), runs.list (auto-paged),
// listRuns with a status filter, retrieve, update, pauseRun, resumeRun, cancelRun, and the
// forbidden steps, sent by a client with the SDK's default retries to show 409 is not retried.
// Environment: see client.mjs. Prints ONE JSON object to stdout; anything unexpected: stderr, exit 1.
import { expectApiError, makeClient, makeCountingClient, report } from './client.mjs';

const client = makeClient();
const runs = client.ai.missions.runs;

await report(async () => {
  const { data: mission } = await client.ai.missions.create({ name: 'sdk runs' });
  const { data: other } = await client.ai.missions.create({ name: 'sdk runs, other mission' });
  const mission_id = mission.mission_id;

  // Start: no arguments (the SDK sends {}), then with input and metadata.
  const bare = await runs.create(mission_id);
  const started = await runs.create(mission_id, {
    input: { objective: "Summarize yesterday's failed call attempts" },
    metadata: { requested_by: 'sdk' },
  });
  const run_id = started.data.run_id;

  // The lifecycle: pending -> running -> paused -> running -> succeeded.
  const steps = [];
  steps.push((await runs.update(run_id, { mission_id, status: 'running' })).data);
  steps.push((await runs.pauseRun(run_id, { mission_id })).data);
  steps.push((await runs.resumeRun(run_id, { mission_id })).data);
  steps.push(
    (await runs.update(run_id, {
      mission_id,
      status: 'succeeded',
      result_summary: 'Processed 24 customer records successfully.',
      result_payload: { processed: 24 },
    })).data,
  );
  const retrieved = await runs.retrieve(run_id, { mission_id });

  // Forbidden steps, with retries on: each must be exactly one request.
  const { client: counting, counter } = makeCountingClient();
  const forbidden = {
    cancelFinished: await expectApiError(() => counting.ai.missions.runs.cancelRun(run_id, { mission_id })),
    pausePending: await expectApiError(() => counting.ai.missions.runs.pauseRun(bare.data.run_id, { mission_id })),
    resumePending: await expectApiError(() => counting.ai.missions.runs.resumeRun(bare.data.run_id, { mission_id })),
    backToRunning: await expectApiError(() => counting.ai.missions.runs.update(run_id, { mission_id, status: 'running' })),
  };
  const forbiddenRequests = counter.requests;
  const cancelled = await runs.cancelRun(bare.data.run_id, { mission_id });

  // Five more runs, then the auto-pager at page[size]=2 over the mission's seven.
  const created = [bare.data.run_id, run_id];
  for (let i = 0; i < 5; i++) created.push((await runs.create(mission_id, { metadata: { i } })).data.run_id);
  const listed = [];
  for await (const run of runs.list(mission_id, { 'page[size]': 2 })) listed.push(run.run_id);
  const succeeded = [];
  for await (const run of runs.listRuns({ status: 'succeeded' })) succeeded.push(run.run_id);
  const cancelledList = (await runs.list(mission_id, { status: 'cancelled' })).data.map((r) => r.run_id);

  const wrongMission = await expectApiError(() => runs.retrieve(run_id, { mission_id: other.mission_id }));
  const badStatus = await expectApiError(() => runs.listRuns({ status: 'finished' }));

  return {
    bare: bare.data,
    started: started.data,
    steps,
    retrieved: retrieved.data,
    forbidden,
    forbiddenRequests,
    cancelled: cancelled.data,
    created,
    listed,
    succeeded,
    cancelledList,
    wrongMission,
    badStatus,
  };
});
