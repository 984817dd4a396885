// Every attachment operation of the official Telnyx TypeScript SDK against a running server: for tools,
// knowledge bases and MCP servers, create with no body (as the SDK sends it) and with a body passed through
// request options, list, get, update (replace), delete, and get after delete; then mission retrieve and clone.
// Environment: see client.mjs. Prints ONE JSON object to stdout; anything unexpected: stderr, exit 1.
import { expectApiError, makeClient, report } from './client.mjs';

const client = makeClient();
const missions = client.ai.missions;

const kinds = {
  tools: {
    create: (m, o) => missions.tools.createTool(m, o),
    list: (m) => missions.tools.listTools(m),
    get: (id, m) => missions.tools.getTool(id, { mission_id: m }),
    update: (id, m, o) => missions.tools.updateTool(id, { mission_id: m }, o),
    remove: (id, m) => missions.tools.deleteTool(id, { mission_id: m }),
  },
  knowledgeBases: {
    create: (m, o) => missions.knowledgeBases.createKnowledgeBase(m, o),
    list: (m) => missions.knowledgeBases.listKnowledgeBases(m),
    get: (id, m) => missions.knowledgeBases.getKnowledgeBase(id, { mission_id: m }),
    update: (id, m, o) => missions.knowledgeBases.updateKnowledgeBase(id, { mission_id: m }, o),
    remove: (id, m) => missions.knowledgeBases.deleteKnowledgeBase(id, { mission_id: m }),
  },
  mcpServers: {
    create: (m, o) => missions.mcpServers.createMcpServer(m, o),
    list: (m) => missions.mcpServers.listMcpServers(m),
    get: (id, m) => missions.mcpServers.getMcpServer(id, { mission_id: m }),
    update: (id, m, o) => missions.mcpServers.updateMcpServer(id, { mission_id: m }, o),
    remove: (id, m) => missions.mcpServers.deleteMcpServer(id, { mission_id: m }),
  },
};

await report(async () => {
  const { data: mission } = await missions.create({ name: 'sdk attachments' });
  const m = mission.mission_id;
  const results = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const bare = await kind.create(m); // the SDK sends no body and no content type
    const defined = await kind.create(m, { body: { name: `${name} one`, config: { level: 1 } } });
    const idKey = Object.keys(bare.data).find((k) => k.endsWith('_id') && k !== 'mission_id');
    const id = defined.data[idKey];
    const listed = await kind.list(m);
    const got = await kind.get(id, m);
    const updatedNoBody = await kind.update(bare.data[idKey], m); // no body: replaced by {}
    const updated = await kind.update(id, m, { body: { name: `${name} two` } });
    const removed = await kind.remove(id, m);
    const afterDelete = await expectApiError(() => kind.get(id, m));
    results[name] = { idKey, bare: bare.data, defined: defined.data, listed, got: got.data, updatedNoBody: updatedNoBody.data, updated: updated.data, removed: removed ?? null, afterDelete };
  }
  const retrieved = await missions.retrieve(m);
  const cloned = await missions.cloneMission(m);
  const clonedRetrieved = await missions.retrieve(cloned.data.mission_id);
  return { missionId: m, results, retrieved: retrieved.data, cloned: clonedRetrieved.data };
});
