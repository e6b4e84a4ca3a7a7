// Starts the real emulator binary for a test and stops it afterwards (Node only).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";
import { Webhook } from "wxkf";

export const APPID = "wxjs0000000000001";
export const SECRET = "js-secret-do-not-leak-4711";

/** `GET` (no `body`) or `POST` (JSON `body`) of the emulator's `/__admin/{path}`; its JSON, or a throw unless 200. */
export async function admin(base, path, body) {
  const r = await fetch(`${base}/__admin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`admin ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** The emulator binary: `$WXKF_EMULATOR`, else `$CARGO_TARGET_DIR/debug/wxkf-emulator`. */
export function emulatorPath() {
  if (process.env.WXKF_EMULATOR) return process.env.WXKF_EMULATOR;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache/wxkf/target-wasm");
  return join(target, "debug/wxkf-emulator");
}

/** Starts `wxkf-emulator --port 0 ...extra` (for `appid`/`secret`); resolves with `{ baseUrl, stop() }`. */
export function startEmulator(extra = [], { appid = APPID, secret = SECRET } = {}) {
  const child = spawn(emulatorPath(), ["--port", "0", "--appid", appid, "--secret", secret, "--threads", "2", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const fail = (why) => reject(new Error(`emulator: ${why}\n${stderr}`));
    child.on("error", (e) => fail(e.message));
    child.on("exit", (code) => fail(`exited with ${code} before listening`));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({
          baseUrl: m[1],
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

/** The conformance scenario (tests/conformance/scenario.json) and an emulator started with its settings. */
export async function startConformance() {
  const scenario = JSON.parse(readFileSync(new URL("../../tests/conformance/scenario.json", import.meta.url), "utf8"));
  const { appid, secret, callback_token: token } = scenario.emulator;
  const emulator = await startEmulator(["--callback-token", token], { appid, secret });
  return { scenario, emulator };
}

const TRANSFER_TOKEN = "jsTransferHookToken";
const USER_MESSAGES = new Set(["text", "image", "voice", "video", "shortvideo", "location", "link"]);

/**
 * Starts the emulator pushing to the developer's webhook of an account that hands users over:
 * every user message is answered `transfer_customer_service` (built with the package's push
 * API), every event `success` — so a user who writes in joins the wait queue, as on WeChat.
 * Resolves with `{ baseUrl, stop() }` (stopping both).
 */
export async function startTransferringEmulator(extra = []) {
  const hook = new Webhook({ token: TRANSFER_TOKEN, appId: APPID });
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const url = new URL(req.url ?? "/", "http://localhost");
    const push = hook.open(url.searchParams, new Uint8Array(Buffer.concat(chunks)));
    const reply = USER_MESSAGES.has(push.message.type) ? { type: "transfer_customer_service" } : { type: "success" };
    res.writeHead(200, { "content-type": "application/xml" }).end(hook.reply(push, reply));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const webhookUrl = `http://127.0.0.1:${server.address().port}/wechat`;
  const emu = await startEmulator(["--callback-token", TRANSFER_TOKEN, "--webhook-url", webhookUrl, ...extra]);
  return {
    baseUrl: emu.baseUrl,
    stop: async () => {
      await emu.stop();
      await new Promise((r) => server.close(r));
    },
  };
}
