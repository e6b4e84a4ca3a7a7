// The cross-runtime conformance scenario (tests/conformance/scenario.json, its format in the
// README beside it) through the public Client and Webhook, against an emulator started with
// the scenario's settings. Web APIs only, so Node, Deno and workerd run this same file.
// Returns the number of checks made; throws on the first step whose outcome differs.

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const camelKeys = (o) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camel(k), v]));

/** JSON with sorted keys: equal values, equal texts. */
const canonical = (v) =>
  JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/** Whether `actual` holds everything of `want` (for a list: some element holds each of `want`'s). */
function contains(actual, want) {
  if (Array.isArray(want)) return Array.isArray(actual) && want.every((w) => actual.some((a) => contains(a, w)));
  if (want !== null && typeof want === "object") {
    return actual !== null && typeof actual === "object" && Object.entries(want).every(([k, v]) => contains(actual[k], v));
  }
  return actual === want;
}

/**
 * workerd's one deviation: its fetch reports a refused connection as "Network connection
 * lost." — the same words as a connection that broke after the request went out — so the
 * binding cannot prove nothing was sent and must call it a reset (a write is never retried
 * after one). Where the scenario expects `connect`, workerd gives `reset`, and nothing else.
 */
const workerdReset = (env, key, value, e) =>
  env.runtime === "workerd" && key === "transport_kind" && value === "connect" && e.transportKind === "reset";

/**
 * Runs the scenario.
 * @param {typeof import("wxkf")} wxkf the package's exports in this runtime
 * @param {{ name: string, method: string, args: string[], keywords: string[], bytes: string[] }[]} operations core's table
 * @param {object} scenario the parsed scenario.json
 * @param {{ baseUrl: string, runtime: string }} env the emulator (started with the scenario's settings)
 */
export async function conformance(wxkf, operations, scenario, env) {
  const { Client, Webhook, WxkfError } = wxkf;
  let checks = 0;
  const fail = (step, why) => {
    throw new Error(`[${env.runtime}] conformance step "${step.name}": ${why}`);
  };
  const noSecrets = (step, text) => {
    checks += 1;
    for (const secret of scenario.secrets) if (text.includes(secret)) fail(step, `a secret shows: ${text}`);
  };
  const clientOf = (over = {}) => {
    const credentials = { ...scenario.client.credentials, ...over.credentials };
    const options = { base_url: env.baseUrl, ...scenario.client.options, ...over.options };
    return new Client({ ...camelKeys(credentials), ...camelKeys(options) });
  };
  let client = clientOf();
  const webhook = new Webhook(camelKeys(scenario.webhook));

  for (const step of scenario.steps) {
    if (step.admin) {
      const { method, path, body } = step.admin;
      const r = await fetch(`${env.baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (r.status < 200 || r.status > 299) fail(step, `admin answered ${r.status}: ${await r.text()}`);
      continue;
    }
    if (step.client) {
      client = clientOf(step.client);
      continue;
    }
    let outcome;
    try {
      if (step.call) {
        const op = operations.find((o) => o.name === step.call);
        if (!op) fail(step, `no operation ${step.call}`);
        const value = (name) => (op.bytes.includes(name) ? Uint8Array.from(atob(step.args[name]), (c) => c.charCodeAt(0)) : step.args[name]);
        const keywords = Object.fromEntries(op.keywords.filter((k) => k in step.args).map((k) => [camel(k), step.args[k]]));
        outcome = { ok: await client[op.method](...op.args.map(value), keywords) };
      } else if (step.push) {
        outcome = { ok: webhook.open(step.push.query, step.push.body, { now: step.push.now }) };
      } else {
        fail(step, "neither call, push, admin nor client");
      }
    } catch (e) {
      if (!(e instanceof WxkfError)) fail(step, `not a WxkfError: ${e?.stack ?? e}`);
      outcome = { err: e };
    }
    const want = step.expect;
    if (outcome.err) {
      const e = outcome.err;
      noSecrets(step, `${e.message} ${String(e)} ${JSON.stringify(e)}`);
      if (!want.error) fail(step, `unexpected ${e.name}: ${e.message}`);
      for (const [key, value] of Object.entries(want.error)) {
        checks += 1;
        if (e[camel(key)] === value || workerdReset(env, key, value, e)) continue;
        fail(step, `${camel(key)} is ${JSON.stringify(e[camel(key)])}, not ${JSON.stringify(value)} (${e.message})`);
      }
      continue;
    }
    const text = JSON.stringify(outcome.ok) ?? "undefined";
    noSecrets(step, text);
    checks += 1;
    if (want.error) fail(step, `expected ${JSON.stringify(want.error)}, got ${text}`);
    if ("result" in want && canonical(outcome.ok) !== canonical(want.result)) fail(step, `result ${text} != ${JSON.stringify(want.result)}`);
    if ("result_contains" in want && !contains(outcome.ok, want.result_contains)) {
      fail(step, `result ${text} does not contain ${JSON.stringify(want.result_contains)}`);
    }
  }
  return checks;
}
