// Issue 8 end to end: the emulator pushes an encrypted user message to the Node webhook
// example (examples/node/webhook.mjs, run as its own process); the example answers with
// `transfer_customer_service` to a named kf, and the emulator's state shows the user handed
// over. Also: forged pushes and URL checks are refused with 403, a signed URL check is echoed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { Client } from "wxkf";
import { APPID, SECRET, startEmulator } from "./emulator.mjs";

const EXAMPLE = fileURLToPath(new URL("../../examples/node/webhook.mjs", import.meta.url));
const TOKEN = "js_callback_token";
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KF = "carol@gh_emulator";

/** A URL-check query signed as WeChat does: sha1 of the sorted token, timestamp, nonce. */
function signedUrlCheck(now, echostr) {
  const nonce = "424242";
  const signature = createHash("sha1").update([TOKEN, String(now), nonce].sort().join("")).digest("hex");
  return new URLSearchParams({ signature, timestamp: String(now), nonce, echostr }).toString();
}

function startExample(env) {
  const child = spawn(process.execPath, [EXAMPLE], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`webhook example exited with ${code}: ${err}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({
          url: m[1],
          output: () => out,
          errors: () => err,
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

async function admin(base, path, body) {
  const r = await fetch(`${base}/__admin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  assert.equal(r.status, 200, `admin ${path}: ${JSON.stringify(json)}`);
  return json;
}

test("the emulator pushes an encrypted message; the Node example transfers it to a named kf", async () => {
  const hook = await startExample({ WXKF_TOKEN: TOKEN, WXKF_AES_KEY: AES_KEY, WXKF_APPID: APPID, WXKF_TRANSFER_KF: KF });
  const emu = await startEmulator(["--aes-key", AES_KEY, "--callback-token", TOKEN, "--webhook-url", `${hook.url}/wechat`]);
  try {
    const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
    await client.addKfAccount(KF, "Carol");
    await client.addKfAccount("dave@gh_emulator", "Dave");
    await admin(emu.baseUrl, "kf/online", { kf_account: "dave@gh_emulator" });
    await admin(emu.baseUrl, "kf/online", { kf_account: KF });

    const sent = await admin(emu.baseUrl, "user/message", { openid: "oPushUser0001", content: "我要找人工客服" });
    assert.equal(sent.push.delivered, true, JSON.stringify(sent));
    assert.equal(sent.push.status, 200, JSON.stringify(sent));
    assert.equal(sent.push.reply_kind, "transfer_customer_service", JSON.stringify(sent));
    assert.match(sent.push.reply_xml ?? "", /<KfAccount><!\[CDATA\[carol@gh_emulator\]\]><\/KfAccount>/, "the decrypted reply names the kf");

    const state = await admin(emu.baseUrl, "state");
    const session = state.sessions.find((s) => s.openid === "oPushUser0001");
    assert.ok(session, `a session: ${JSON.stringify(state.sessions)}`);
    assert.equal(session.kf_account, KF, "handed to the named kf, not Dave");
    assert.ok(!state.wait_queue.some((w) => w.openid === "oPushUser0001"), "not left in the queue");
    // and through the API too
    assert.equal((await client.getKfSession("oPushUser0001")).kf_account, KF);

    // the kf_create_session push that follows reaches the example too (sent in the background)
    for (let i = 0; i < 50 && !hook.output().includes("kf_create_session"); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(hook.output(), /session event kf_create_session for oPushUser0001/);

    // a URL check is answered with echostr; a forged push gets 403
    const now = Math.floor(Date.now() / 1000);
    const forged = await fetch(`${hook.url}/wechat?signature=00&timestamp=${now}&nonce=1&encrypt_type=aes&msg_signature=00`, {
      method: "POST",
      body: "<xml><ToUserName>x</ToUserName><Encrypt>AAAA</Encrypt></xml>",
    });
    assert.equal(forged.status, 403);
    for (let i = 0; i < 50 && !hook.errors().includes("refused a push"); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(hook.errors(), /refused a push: signature/);
    const bad = await fetch(`${hook.url}/wechat?signature=00&timestamp=${now}&nonce=1&echostr=hello`);
    assert.equal(bad.status, 403);
    // a correctly signed URL check (signed here with the package's own push API) is echoed
    const url = signedUrlCheck(now, "echo_me_123");
    const check = await fetch(`${hook.url}/wechat?${url}`);
    assert.equal(check.status, 200);
    assert.equal(await check.text(), "echo_me_123");
  } finally {
    await emu.stop();
    await hook.stop();
  }
});

test("without a named kf, or with the kf offline, the transferred user waits in the queue", async () => {
  const hook = await startExample({ WXKF_TOKEN: TOKEN, WXKF_AES_KEY: AES_KEY, WXKF_APPID: APPID, WXKF_TRANSFER_KF: KF });
  const emu = await startEmulator([
    "--aes-key", AES_KEY, "--callback-token", TOKEN, "--webhook-url", `${hook.url}/wechat`,
  ]);
  try {
    await admin(emu.baseUrl, "config", { queue_on_message: false });
    const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
    await client.addKfAccount(KF, "Carol"); // exists but offline
    const sent = await admin(emu.baseUrl, "user/message", { openid: "oPushUser0002", content: "hi" });
    assert.equal(sent.push.reply_kind, "transfer_customer_service", JSON.stringify(sent));
    const state = await admin(emu.baseUrl, "state");
    assert.ok(state.wait_queue.some((w) => w.openid === "oPushUser0002"), `queued: ${JSON.stringify(state.wait_queue)}`);
    assert.equal((await client.getWaitCaseList()).waitcaselist[0].openid, "oPushUser0002");
  } finally {
    await emu.stop();
    await hook.stop();
  }
});
