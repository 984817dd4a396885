// The SDK client every harness uses, from MISSIONS_BASE_URL (must include /v2, e.g.
// http://127.0.0.1:5080/v2: the SDK appends paths such as /ai/missions) and MISSIONS_API_KEY.
import Telnyx from 'telnyx';

export const baseURL = process.env.MISSIONS_BASE_URL;
export const apiKey = process.env.MISSIONS_API_KEY;
if (!baseURL || !apiKey) {
  console.error('MISSIONS_BASE_URL and MISSIONS_API_KEY must be set');
  process.exit(1);
}

// No retries and a short timeout so a broken server fails fast. The explicit nulls and
// logLevel keep stray TELNYX_* variables from changing behaviour: with TELNYX_CLIENT_ID and
// TELNYX_CLIENT_SECRET set, the SDK would fetch an OAuth token from api.telnyx.com, and
// TELNYX_LOG=debug would write to stdout.
// `options` override any of these (e.g. maxRetries, or a counting fetch).
export const makeClient = (key = apiKey, options = {}) =>
  new Telnyx({
    apiKey: key,
    baseURL,
    clientID: null,
    clientSecret: null,
    publicKey: null,
    maxRetries: 0,
    timeout: 10_000,
    logLevel: 'warn',
    ...options,
  });

// A client with the SDK's default retry policy whose `requests` counts the HTTP requests it
// really sent: proves which answers the SDK does not retry.
export function makeCountingClient(key = apiKey) {
  const counter = { requests: 0 };
  const client = makeClient(key, {
    maxRetries: 2,
    fetch: (...args) => {
      counter.requests++;
      return fetch(...args);
    },
  });
  return { client, counter };
}

// Runs a call that should fail and returns the SDK error's class name, HTTP status and parsed
// JSON body. An error without an HTTP status (e.g. connection refused) is unexpected, so it is
// rethrown; a call that succeeds is unexpected too.
export async function expectApiError(call) {
  try {
    const result = await call();
    throw new Error(`expected an API error, got ${JSON.stringify(result)}`);
  } catch (err) {
    if (!(err instanceof Telnyx.APIError) || err.status === undefined) throw err;
    return { name: err.constructor.name, status: err.status, error: err.error ?? null };
  }
}

// Prints the harness's one JSON result, or the unexpected error (exit 1).
export async function report(run) {
  try {
    process.stdout.write(JSON.stringify(await run()) + '\n');
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
