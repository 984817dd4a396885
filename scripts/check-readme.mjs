// Runs README.md's examples as a newcomer would, and fails on the first one that does not do what the README says.
//
// - ```sh blocks run in order in one bash session (variables carry over, as in one terminal), from the repository root.
//   Every curl is checked: the status a command's comment names first (`# 201`, `# 409: …`), a refused connection
//   for `# refused …`, or else any 2xx; anything else fails the check and names the README line. `buf` is the pinned
//   one (tools/buf).
// - A block after `<!-- readme-check: server -->` starts a server: it runs in the background (after the previous
//   server is stopped, as a reader would), the check waits until it listens on every endpoint. The development server gets a temporary data
//   file (so a developer's own data is never touched); other server blocks run as written, and a data file they name
//   that exists already is left alone (the block is skipped, with a line saying so).
// - ```js blocks run with Node in tests/sdk (where the pinned `telnyx` package is installed).
// - A block after `<!-- readme-check: skip (reason) -->` is not run (it needs a tool or service CI does not have).
//
// Usage: node scripts/check-readme.mjs   (scripts/check-readme.sh installs what it needs first)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
const temp = mkdtempSync(join(tmpdir(), 'readme-check-'));
const servers = [];
const created = [];

const fail = (message) => {
  console.error(`README check failed: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
};

/** The fenced blocks: language, first line number (1-based), text, and the marker comment before it, if any. */
function blocks() {
  const found = [];
  for (let i = 0; i < readme.length; i++) {
    const open = readme[i].match(/^(\s*)```(\w+)\s*$/);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    for (; j < readme.length && !/^\s*```\s*$/.test(readme[j]); j++) body.push(readme[j].slice(indent));
    let k = i - 1;
    while (k >= 0 && readme[k].trim() === '') k--;
    const marker = k >= 0 ? readme[k].match(/<!--\s*readme-check:\s*(\w+)(?:\s*\((.*)\))?\s*-->/) : null;
    found.push({ language: open[2], line: i + 2, text: body.join('\n'), marker: marker?.[1], reason: marker?.[2] });
    i = j;
  }
  return found;
}

/**
 * Splits shell text into logical commands (a newline outside quotes and not escaped ends one), each with its
 * first line number and its trailing comment.
 */
function commands(text, firstLine) {
  const result = [];
  let current = '', comment = '', line = firstLine, start = firstLine, quote = null, inComment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inComment) {
      if (c === '\n') { inComment = false; } else { comment += c; continue; }
    }
    if (c === '\n') {
      line++;
      if (quote === null && !current.endsWith('\\')) {
        if (current.trim() !== '' || comment.trim() !== '') result.push({ text: current.trim(), comment: comment.trim(), line: start });
        current = ''; comment = ''; start = line;
        continue;
      }
      current += c;
      continue;
    }
    if (quote === null && c === '#' && (current === '' || /\s$/.test(current))) { inComment = true; continue; }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (quote === c && !(c === '"' && text[i - 1] === '\\')) quote = null;
    current += c;
  }
  if (current.trim() !== '') result.push({ text: current.trim(), comment: comment.trim(), line: start });
  return result.filter((command) => command.text !== '');
}

const listening = (output) => [...output.matchAll(/Now listening on: (\S+)/g)].map((m) => m[1]);

async function portInUse(port) {
  return await new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(true)).once('listening', () => probe.close(() => resolve(false)));
    probe.listen(port, '127.0.0.1');
  });
}

/** The server's endpoints and their ports: appsettings.json's Rest and Grpc, as the block overrides or adds to them. */
function endpoints(text) {
  const ports = new Map([['Rest', 5080], ['Grpc', 5081]]);
  for (const m of text.matchAll(/Kestrel__Endpoints__(\w+)__Url=\S*?:(\d+)/g)) ports.set(m[1], Number(m[2]));
  return ports;
}

async function stopServers() {
  for (const server of servers.splice(0)) {
    try { process.kill(-server.pid, 'SIGTERM'); } catch { continue; }
    const deadline = Date.now() + 30_000;
    while (server.exitCode === null && server.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* stopped */ }
  }
}

async function startServer(block, development) {
  // One server at a time, as a reader following the README would have (the next one takes the same ports and file).
  await stopServers();
  const ports = endpoints(block.text);
  for (const port of ports.values()) {
    if (await portInUse(port)) fail(`line ${block.line}: port ${port} is in use; stop what listens there (a development server?) and run the check again`);
  }
  const dataFile = block.text.match(/Storage__LiteDb__Path="?\$PWD\/([^"\s]+)"?/)?.[1];
  if (dataFile) {
    if (existsSync(join(root, dataFile))) {
      console.log(`== README line ${block.line}: skipped, ${dataFile} exists (the check never touches data it did not create)`);
      return;
    }
    created.push(join(root, dataFile), join(root, dataFile.replace(/\.db$/, '-log.db')));
  }
  console.log(`== README line ${block.line}: starting a server (${development ? 'development, temporary data file' : 'as written'})`);
  const env = { ...process.env };
  if (development) env.Storage__LiteDb__Path = join(temp, 'development.db');
  const state = join(temp, 'state.sh');
  const script = `${existsSync(state) ? `source ${state}\n` : ''}${block.text}`;
  const server = spawn('bash', ['-c', script], { cwd: root, env, detached: true });
  let output = '';
  server.stdout.on('data', (d) => { output += d; });
  server.stderr.on('data', (d) => { output += d; });
  servers.push(server);
  const deadline = Date.now() + 600_000; // the first `dotnet run` restores and builds first
  while (listening(output).length < ports.size) {
    if (server.exitCode !== null) fail(`line ${block.line}: the server exited (${server.exitCode}):\n${output}`);
    if (Date.now() > deadline) fail(`line ${block.line}: the server did not start listening in 10 minutes:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`   listening on ${listening(output).join(', ')}`);
}

// Bash preamble: curl checked against the status the README's comment names (or any 2xx), body passed through.
const preamble = [
  "set -euo pipefail",
  "curl() {",
  "  local body status code=0",
  "  body=\"$(mktemp)\"",
  "  status=\"$(command curl \"$@\" -o \"$body\" -w '%{http_code}')\" || code=$?",
  "  if (( code != 0 )); then",
  "    rm -f \"$body\"",
  "    if [[ \"$__expect\" == refused ]]; then echo \"   README line $__line: refused (curl exit $code), as documented\" >&2; return 0; fi",
  "    echo \"README line $__line: curl failed (exit $code)\" >&2; return 1",
  "  fi",
  "  cat \"$body\"; echo; rm -f \"$body\"",
  "  if [[ -n \"$__expect\" && \"$status\" != \"$__expect\" ]] || [[ -z \"$__expect\" && \"$status\" != 2?? ]]; then",
  "    echo \"README line $__line: HTTP $status, the README says ${__expect:-2xx}\" >&2; return 1",
  "  fi",
  "  echo \"   README line $__line: HTTP $status\" >&2",
  "}",
].join('\n');

function runShell(block) {
  const script = [preamble];
  for (const command of commands(block.text, block.line)) {
    // `# refused …`: the connection must be refused (a curl error, no HTTP answer); else the first status named, or 2xx.
    const expect = /^refused\b/.test(command.comment) ? 'refused' : command.comment.match(/^(?:[^\d]*?\s)?([1-5]\d\d)\b/)?.[1] ?? '';
    script.push(`__line=${command.line}; __expect='${expect}'`, command.text);
  }
  return script.join('\n');
}

const variables = new Set();
try {
  for (const block of blocks()) {
    if (block.marker === 'skip') {
      console.log(`== README line ${block.line}: skipped (${block.reason ?? 'marked'})`);
      continue;
    }
    if (block.marker === 'server') {
      await startServer(block, !block.text.includes('ASPNETCORE_ENVIRONMENT='));
      continue;
    }
    if (block.language === 'sh') {
      // As in one terminal: the variables earlier blocks set (K, B, M, …) are there for the later ones.
      const state = join(temp, 'state.sh');
      for (const command of commands(block.text, block.line)) {
        for (const m of command.text.matchAll(/(?:^|;\s*)([A-Za-z_]\w*)=/g)) variables.add(m[1]);
      }
      const script = `${existsSync(state) ? `source ${state}\n` : ''}${runShell(block)}\n` +
        (variables.size > 0 ? `declare -p ${[...variables].join(' ')} 2>/dev/null > ${state} || true` : '');
      console.log(`== README line ${block.line}: sh`);
      const env = { ...process.env, PATH: `${join(root, 'tools', 'buf', 'node_modules', '.bin')}:${process.env.PATH}` }; // the pinned buf CLI
      const run = spawnSync('bash', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 120_000 });
      process.stdout.write(run.stdout.split('\n').map((l) => `   ${l}`).join('\n') + '\n');
      if (run.status !== 0) fail(`the block at line ${block.line} failed (exit ${run.status ?? run.signal})`);
    } else if (block.language === 'js') {
      const file = join(root, 'tests', 'sdk', `.readme-check-${process.pid}.mjs`);
      writeFileSync(file, block.text);
      console.log(`== README line ${block.line}: js (node, with tests/sdk's telnyx)`);
      try {
        const run = spawnSync('node', [file], { cwd: dirname(file), stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 120_000 });
        if (run.status !== 0) fail(`the block at line ${block.line} failed (exit ${run.status ?? run.signal}):\n${run.stdout}`);
      } finally {
        rmSync(file, { force: true });
      }
    }
  }
  console.log('README check: every example ran as documented');
} catch (error) {
  if (!process.exitCode) {
    console.error(error);
    process.exitCode = 1;
  }
} finally {
  await stopServers();
  for (const file of created) rmSync(file, { force: true });
  rmSync(temp, { recursive: true, force: true });
}
