// The SDK's own retries under Idempotency-Key, through a proxy that drops the connection after the server answered
// the first attempt of every keyed write (the write committed; the client never saw it). Each call sends its own key;
// the SDK retries the dropped call with the same headers and must get the first attempt's answer back.
import { randomUUID } from 'node:crypto';
import { makeCountingClient, report } from './client.mjs';

await report(async () => {
  const { client, counter } = makeCountingClient();
  const keyed = () => ({ headers: { 'Idempotency-Key': randomUUID() } });
  const m = client.ai.missions;

  const { data: mission } = await m.create({ name: 'Survives a dropped answer' }, keyed());
  const mid = mission.mission_id;
  const { data: run } = await m.runs.create(mid, { input: { attempt: 1 } }, keyed());
  const rid = run.run_id;
  const { data: plan } = await m.runs.plan.create(
    rid, { mission_id: mid, steps: [{ step_id: 's1', description: 'first', sequence: 0 }] }, keyed());
  const { data: tool } = await m.tools.createTool(mid, keyed()); // the SDK sends no body for tools

  return {
    requests: counter.requests,
    mission_id: mid,
    run_id: rid,
    plan_steps: plan.map((s) => s.step_id),
    tool_id: tool.tool_id,
  };
});
