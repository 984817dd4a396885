// Drives client.ai.missions.create of the official Telnyx TypeScript SDK (npm `telnyx`, pinned in
// package.json) against a running server; run by an xunit test as a child process.
// Environment: see client.mjs. Prints ONE JSON object to stdout; anything unexpected: stderr, exit 1.
import { expectApiError, makeClient, report } from './client.mjs';

const client = makeClient();

await report(async () => {
  // a. Every documented field, plus deeply nested metadata, which must round-trip unchanged.
  const full = await client.ai.missions.create({
    name: 'sdk-full',
    description: 'Created by the Telnyx TypeScript SDK harness',
    model: 'gpt-4o',
    instructions: 'Be helpful.',
    execution_mode: 'managed',
    metadata: { nested: { a: [1, 'two', null] } },
  });

  // b. Only the required field.
  const minimal = await client.ai.missions.create({ name: 'minimal' });

  // c. An invalid body: the types say `name` is a string, so this cast gets past TypeScript.
  //    The SDK does no client-side validation and sends it as-is.
  const invalid = await expectApiError(() => client.ai.missions.create({ name: 123 }));

  // d. A key the server does not know.
  const { name, status } = await expectApiError(() => makeClient('wrong-key').ai.missions.create({ name: 'unauthorized' }));

  return { full, minimal, invalid, unauthorized: { name, status } };
});
