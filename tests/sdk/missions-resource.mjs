// Drives the mission resource through the official Telnyx TypeScript SDK against a running server
// that holds no other missions for this key: create, auto-paged list, retrieve, updateMission,
// cloneMission, deleteMission, and a retrieve of the deleted mission.
//
//   MISSIONS_BASE_URL  e.g. http://127.0.0.1:5080/v2 (must include /v2)
//   MISSIONS_API_KEY   a key the server accepts
//
// Prints ONE JSON object to stdout and exits 0; anything unexpected goes to stderr, exit 1.
import Telnyx from 'telnyx';

const baseURL = process.env.MISSIONS_BASE_URL;
const apiKey = process.env.MISSIONS_API_KEY;
if (!baseURL || !apiKey) {
  console.error('MISSIONS_BASE_URL and MISSIONS_API_KEY must be set');
  process.exit(1);
}
// No retries, short timeout, and no stray TELNYX_* behaviour (see create-mission.mjs).
const client = new Telnyx({
  apiKey,
  baseURL,
  clientID: null,
  clientSecret: null,
  publicKey: null,
  maxRetries: 0,
  timeout: 10_000,
  logLevel: 'warn',
});

try {
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

  let afterDelete;
  try {
    await client.ai.missions.retrieve(first);
    afterDelete = { name: 'no error' };
  } catch (err) {
    if (!(err instanceof Telnyx.APIError) || err.status === undefined) throw err;
    afterDelete = { name: err.constructor.name, status: err.status, error: err.error ?? null };
  }

  process.stdout.write(
    JSON.stringify({ created, listed, retrieved, updated, cloned, deleted: deleted ?? null, afterDelete }) + '\n',
  );
} catch (err) {
  console.error(err);
  process.exit(1);
}
