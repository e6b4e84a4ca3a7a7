// The end-to-end scenario against the real emulator in Node, Deno and workerd.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as wxkf from "wxkf";
import { scenario } from "./scenario.mjs";
import { conformance } from "./conformance.mjs";
import { OPERATIONS } from "../pkg/lib/generated.js";
import { APPID, SECRET, startConformance, startEmulator, startTransferringEmulator } from "./emulator.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// The account's webhook transfers every user message: a user who writes in joins the queue.
async function withEmulator(f) {
  const emu = await startTransferringEmulator();
  try {
    return await f(emu.baseUrl);
  } finally {
    await emu.stop();
  }
}

/** Runs `f(baseUrl, conformance)` with the e2e emulator and the conformance scenario's own. */
async function withEmulators(f) {
  const { scenario: doc, emulator } = await startConformance();
  try {
    return await withEmulator((baseUrl) => f(baseUrl, { scenario: doc, baseUrl: emulator.baseUrl }));
  } finally {
    await emulator.stop();
  }
}

/** The conformance run must have checked something of every step with an expectation. */
const CONFORMANCE_MIN = (doc) => doc.steps.filter((s) => s.expect).length;

test("Node: every operation, errors, token refresh, records, aborts; the conformance scenario", async () => {
  await withEmulators(async (baseUrl, conf) => {
    const checks = await scenario(wxkf, { baseUrl, appId: APPID, appSecret: SECRET, runtime: "node" });
    assert.ok(checks > 100, `only ${checks} checks`);
    console.log(`node: ${checks} checks passed`);
    const steps = await conformance(wxkf, OPERATIONS, conf.scenario, { baseUrl: conf.baseUrl, runtime: "node" });
    assert.ok(steps >= CONFORMANCE_MIN(conf.scenario), `only ${steps} conformance checks`);
    console.log(`node: conformance, ${steps} checks passed`);
  });
});

test("Deno: the same scenario and the conformance scenario through the package's deno entry", async () => {
  await withEmulators(async (baseUrl, conf) => {
    const out = await new Promise((resolve, reject) => {
      execFile(
        here("node_modules/.bin/deno"),
        ["run", "--quiet", "--allow-net", "--allow-read", "--allow-env", here("deno_e2e.mjs"), baseUrl, APPID, SECRET, conf.baseUrl],
        { cwd: here("."), env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, timeout: 120_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const m = /deno: (\d+) checks passed/.exec(out);
    assert.ok(m && Number(m[1]) > 100, out);
    const c = /deno: conformance, (\d+) checks passed/.exec(out);
    assert.ok(c && Number(c[1]) >= CONFORMANCE_MIN(conf.scenario), out);
    console.log(out.trim());
  });
});

test("workerd: the same scenario and the conformance scenario in a worker (miniflare), through the workerd entry", async () => {
  const pkg = JSON.parse(readFileSync(here("node_modules/wxkf/package.json"), "utf8"));
  assert.equal(pkg.exports["."].workerd, "./workerd.js", "the workerd condition names the entry the worker imports");
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: here("workerd/worker.mjs"),
    modulesRoot: here("."),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-01-01",
  });
  try {
    await withEmulators(async (baseUrl, conf) => {
      const q = new URLSearchParams({ base: baseUrl, appid: APPID, secret: SECRET, conformance: conf.baseUrl });
      const res = await mf.dispatchFetch(`http://worker.local/?${q}`, { method: "POST", body: JSON.stringify(conf.scenario) });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(body.checks > 100, JSON.stringify(body));
      assert.ok(body.conformance >= CONFORMANCE_MIN(conf.scenario), JSON.stringify(body));
      console.log(`workerd: ${body.checks} checks passed; conformance, ${body.conformance} checks passed`);
    });
  } finally {
    await mf.dispose();
  }
});

test("Node: 100 concurrent calls on a cold cache make one token fetch (Promise.all)", async () => {
  await withEmulator(async (baseUrl) => {
    const client = new wxkf.Client({ appId: APPID, appSecret: SECRET, baseUrl });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.getKfList()));
    assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
    const fetches = (await (await fetch(`${baseUrl}/__admin/token-fetches`)).json()).token_fetches;
    assert.equal(fetches.length, 1, JSON.stringify(fetches));
    assert.equal(client.tokenFetches, 1);
  });
});

test("the package README's emulator snippet runs as written and prints what it says", async () => {
  const readme = readFileSync(here("../pkg/README.md"), "utf8");
  let code = readme.split("### Run the examples against the emulator")[1].split("```js\n")[1].split("```")[0];
  const emu = await startEmulator([], { appid: "wxemulator0000001", secret: "emulator_secret" });
  try {
    assert.ok(code.includes("http://127.0.0.1:8080"), code);
    code = `import { Client } from "wxkf";\n${code.replaceAll("http://127.0.0.1:8080", emu.baseUrl)}`;
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", code], { cwd: here(".") }, (e, stdout, stderr) =>
        e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
    );
    assert.equal(out.trim(), "您好 👋"); // the record just sent: the range ends a second past now
  } finally {
    await emu.stop();
  }
});
