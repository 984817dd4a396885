// Drives the mission resource through the official Telnyx TypeScript SDK against a running server
// that holds no other missions for this key: create, auto-paged list, retrieve, updateMission,
// cloneMission, deleteMission, and a retrieve of the deleted mission.
// Environment: see client.mjs. Prints ONE JSON object to stdout; anything unexpected: stderr, exit 1.
import { expectApiError, makeClient, report } from './client.mjs';

const client = makeClient();

await report(async () => {
  // 25 missions, created one after another so their order is known.
  const created = [];
  for (let i = 0; i < 25; i++) {
    const { data } = await client.ai.missions.create({ name: `paged-${i}`, metadata: { i } });
    created.push(data.mission_id);
  }

  // The SDK's auto-pager: page[size]=10 means three requests (10, 10, 5).
  const listed = [];
  for await (const mission of client.ai.missions.list({ 'page[size]': 10 })) {
    listed.push(mission.mission_id);
  }

  const first = created[0];
  const retrieved = await client.ai.missions.retrieve(first);
  const updated = await client.ai.missions.updateMission(first, { description: 'updated by the SDK', metadata: { v: 2 } });
  const cloned = await client.ai.missions.cloneMission(first);
  const deleted = await client.ai.missions.deleteMission(first);
  const afterDelete = await expectApiError(() => client.ai.missions.retrieve(first));

  return { created, listed, retrieved, updated, cloned, deleted: deleted ?? null, afterDelete };
});
