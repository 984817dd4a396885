// Drives the official Telnyx TypeScript SDK (npm `telnyx`, pinned in package.json)
// against a running Missions server, for an xunit test that runs this as a child process.
//
//   MISSIONS_BASE_URL  e.g. http://127.0.0.1:5080/v2 — must include /v2: the SDK's default is
//                      https://api.telnyx.com/v2 and it appends paths such as /ai/missions.
//   MISSIONS_API_KEY   a key the server accepts (local-dev-key in Development).
//
// Prints ONE JSON object to stdout and exits 0; anything unexpected goes to stderr, exit 1.
import Telnyx from 'telnyx';

const baseURL = process.env.MISSIONS_BASE_URL;
const apiKey = process.env.MISSIONS_API_KEY;
if (!baseURL || !apiKey) {
  console.error('MISSIONS_BASE_URL and MISSIONS_API_KEY must be set');
  process.exit(1);
}

// No retries and a short timeout so a broken server fails fast. The explicit nulls and
// logLevel keep stray TELNYX_* variables from changing behaviour: with TELNYX_CLIENT_ID and
// TELNYX_CLIENT_SECRET set, the SDK would fetch an OAuth token from api.telnyx.com, and
// TELNYX_LOG=debug would write to stdout.
const makeClient = (key) =>
  new Telnyx({
    apiKey: key,
    baseURL,
    clientID: null,
    clientSecret: null,
    publicKey: null,
    maxRetries: 0,
    timeout: 10_000,
    logLevel: 'warn',
  });
const client = makeClient(apiKey);

// Runs a call that should fail and returns the SDK error's class name, HTTP status and
// parsed JSON body. An error without an HTTP status (e.g. connection refused) is unexpected,
// so it is rethrown; a call that succeeds is unexpected too.
async function expectApiError(call) {
  try {
    const result = await call();
    throw new Error(`expected an API error, got ${JSON.stringify(result)}`);
  } catch (err) {
    if (!(err instanceof Telnyx.APIError) || err.status === undefined) throw err;
    return { name: err.constructor.name, status: err.status, error: err.error ?? null };
  }
}

try {
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
  const unauthorized = await expectApiError(() =>
    makeClient('wrong-key').ai.missions.create({ name: 'unauthorized' }),
  );
  delete unauthorized.error; // the brief asks for name and status only

  process.stdout.write(JSON.stringify({ full, minimal, invalid, unauthorized }) + '\n');
} catch (err) {
  console.error(err);
  process.exit(1);
}
