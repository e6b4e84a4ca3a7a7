// Issue 10, item 4 (JS): no secret ever shows. The AppSecret, a fixed token, provided tokens,
// the tokens a fake WeChat and the emulator issue, the push Token and the EncodingAESKey are
// unique markers; every client operation and every reachable error path runs (API errors,
// validation, HTTP 502, fetch failures, aborts, token refresh, token stores and providers,
// refused and good pushes with encrypted replies), and every error's message, String(),
// stack, JSON and util.inspect(showHidden), every result, the inspected objects and all
// console output are scanned for the markers.
import { test } from "node:test";
import assert from "node:assert/strict";
import util from "node:util";
import { createServer } from "node:http";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import {
  Client, Webhook, WxkfError, ApiError, ValidationError, DecodeError, HttpError, TransportError, CallbackError,
} from "wxkf";
import { APPID as EMU_APPID, SECRET as EMU_SECRET, startEmulator } from "./emulator.mjs";

const APPID = "wxsecretsjs000001";
// Every marker of a family starts with the family's prefix; the scan looks for the prefixes
// too, so half a marker (a truncated echo) is caught as well.
const FAMILIES = ["SECRETMARKER", "TOKENMARKER", "AESMARKER", "CBTOKENMARKER"];
const M = {
  appSecret: "SECRETMARKERjs5150",
  wrongSecret: "SECRETMARKERwrongJs88",
  fixedToken: "TOKENMARKERfixedJs31",
  providedToken: "TOKENMARKERprovidedJs", // + a counter
  issuedToken: "TOKENMARKERissuedJs", // + a counter (the fake WeChat's tokens)
  storedToken: "TOKENMARKERstoredJs99",
  // 43 base64 characters decoding to 32 bytes (the last one has its two low bits clear)
  aesKey: `${"AESMARKERjs".repeat(3)}0123456784`,
  callbackToken: "CBTOKENMARKERjs2024",
};
assert.equal(M.aesKey.length, 43);
assert.equal(Buffer.from(`${M.aesKey}=`, "base64").length, 32);

/** Every full marker value that was put to use (issued tokens are added as they appear). */
const markers = new Set([M.appSecret, M.wrongSecret, M.fixedToken, M.storedToken, M.aesKey, M.callbackToken, EMU_SECRET]);

// ---------------------------------------------------------------------------------------
// What gets scanned
// ---------------------------------------------------------------------------------------

const texts = []; // [label, text]
const counts = { errors: 0, results: 0, objects: 0 };
const inspectAll = (v) => util.inspect(v, { depth: null, showHidden: true, getters: true, maxArrayLength: null, maxStringLength: null });

function addText(label, text) {
  texts.push([label, typeof text === "string" ? text : String(text)]);
}

/** Adds every rendering of an error. */
function scanError(label, e) {
  counts.errors += 1;
  addText(`${label}: message`, e?.message);
  addText(`${label}: String`, String(e));
  addText(`${label}: stack`, e?.stack ?? "");
  addText(`${label}: JSON`, JSON.stringify(e) ?? "");
  addText(`${label}: inspect`, inspectAll(e));
  for (const k of ["field", "reason", "errmsg", "code", "transportKind", "callbackKind"]) {
    if (e?.[k] != null) addText(`${label}: .${k}`, e[k]);
  }
}

function scanResult(label, value) {
  counts.results += 1;
  addText(`${label}: result JSON`, JSON.stringify(value) ?? "undefined");
  addText(`${label}: result inspect`, inspectAll(value));
}

function scanObject(label, value) {
  counts.objects += 1;
  addText(`${label}: inspect`, inspectAll(value));
  addText(`${label}: String`, String(value));
  addText(`${label}: JSON`, JSON.stringify(value) ?? "undefined");
  addText(`${label}: keys`, Reflect.ownKeys(value).map(String).join(","));
}

/** Run after every call: drops the fake's unused scripted faults. */
let afterCall = () => {};

/** Awaits a call that must fail with a WxkfError (checked by `check`), and scans the error. */
async function fails(label, run, check = () => true) {
  let value;
  try {
    value = await run();
  } catch (e) {
    afterCall();
    assert.ok(e instanceof WxkfError, `${label}: not a WxkfError: ${inspectAll(e)}`);
    assert.ok(check(e), `${label}: unexpected error ${e.name} ${e.code}: ${e.message}`);
    scanError(label, e);
    return e;
  }
  afterCall();
  assert.fail(`${label}: expected an error, got ${JSON.stringify(value)}`);
}

/** Awaits a call that must succeed, and scans its result. */
async function works(label, run) {
  const value = await run();
  afterCall();
  scanResult(label, value);
  return value;
}

/** The labels of the texts holding a marker (or a marker family's prefix). */
function leaks(list, needles) {
  const found = [];
  for (const [label, text] of list) {
    for (const n of needles) if (text.includes(n)) found.push(`${label} holds ${n}: ${text.slice(0, 400)}`);
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// A fake WeChat (the `fetch` option): issues marker tokens, answers every operation, and
// serves scripted faults, some of which echo the request URL (with its token) back.
// ---------------------------------------------------------------------------------------

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const ack = () => json({ errcode: 0, errmsg: "ok" });
const err = (errcode, errmsg) => json({ errcode, errmsg: `${errmsg} rid: 6650f0a1-2b3c4d5e` });

const RECORDS = [
  { openid: "o_user1", opercode: 2002, text: "您好", time: 1795449610, worker: "kf01@gh_test" },
  { openid: "o_user1", opercode: 2003, text: "谢谢", time: 1795449620, worker: "kf01@gh_test" },
];
const ROUTES = {
  "/customservice/kfaccount/add": ack,
  "/customservice/kfaccount/update": ack,
  "/customservice/kfaccount/del": ack,
  "/customservice/kfaccount/inviteworker": ack,
  "/customservice/kfaccount/uploadheadimg": ack,
  "/cgi-bin/customservice/getkflist": () =>
    json({ kf_list: [{ kf_account: "kf01@gh_test", kf_nick: "小王", kf_id: 1001, kf_headimgurl: "http://img/1" }] }),
  "/cgi-bin/customservice/getonlinekflist": () =>
    json({ kf_online_list: [{ kf_account: "kf01@gh_test", status: 1, kf_id: "1001", accepted_case: 2 }] }),
  "/cgi-bin/message/custom/send": ack,
  "/cgi-bin/message/custom/typing": ack,
  "/customservice/kfsession/create": ack,
  "/customservice/kfsession/close": ack,
  "/customservice/kfsession/getsession": () => json({ createtime: 1795449600, errcode: 0, errmsg: "ok", kf_account: "kf01@gh_test" }),
  "/customservice/kfsession/getsessionlist": () => json({ sessionlist: [{ createtime: 1795449600, openid: "o_user1" }] }),
  "/customservice/kfsession/getwaitcase": () => json({ count: 1, waitcaselist: [{ latest_time: 1795449601, openid: "o_w1" }] }),
  "/customservice/msgrecord/getmsglist": (u, body) => {
    const q = JSON.parse(body);
    const page = q.msgid === 1 ? RECORDS : [];
    return json({ recordlist: page, number: page.length, msgid: q.msgid + page.length });
  },
};

function fakeWeChat() {
  const valid = new Set([M.fixedToken]);
  const calls = [];
  const faults = [];
  let issued = 0;
  const issue = () => {
    issued += 1;
    const token = `${M.issuedToken}${issued}`;
    valid.add(token);
    markers.add(token);
    return json({ access_token: token, expires_in: 7200 });
  };
  const fetch = async (url, init = {}) => {
    const u = new URL(url);
    const body = init.body ? Buffer.from(init.body).toString("latin1") : "";
    calls.push({ path: u.pathname, url: String(url), body });
    const fault = faults.find((f) => (f.path === u.pathname || f.path === "*") && f.times > 0);
    if (fault) {
      fault.times -= 1;
      return fault.answer(u, init, String(url));
    }
    if (u.pathname === "/cgi-bin/stable_token") {
      return JSON.parse(body).secret === M.appSecret ? issue() : err(40125, "invalid appsecret");
    }
    if (u.pathname === "/cgi-bin/token") {
      return u.searchParams.get("secret") === M.appSecret ? issue() : err(40125, "invalid appsecret");
    }
    if (!valid.has(u.searchParams.get("access_token"))) return err(40001, "invalid credential, access_token is invalid or not latest");
    const route = ROUTES[u.pathname];
    return route ? route(u, body) : err(48001, "api unauthorized");
  };
  return {
    fetch,
    calls,
    valid,
    /** Answers the next `times` calls of `path` ("*" = any) with `answer(url, init, href)`. */
    fault(path, answer, times = 1) {
      faults.push({ path, answer, times });
    },
    clearFaults() {
      faults.length = 0;
    },
  };
}

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
const KF = "kf01@gh_test";
const USER = "o_user1";
const MESSAGES = [
  { text: { content: "您好 😊" }, kf_account: KF },
  { image: { media_id: "MEDIA_i" } },
  { voice: { media_id: "MEDIA_v" } },
  { video: { media_id: "MEDIA_video", thumb_media_id: "MEDIA_thumb", title: "标题", description: "描述" } },
  { music: { title: "歌", description: "d", musicurl: "https://example.com/m.mp3", hqmusicurl: "https://example.com/m.flac", thumb_media_id: "T" } },
  { news: { articles: [{ title: "t", description: "d", url: "https://example.com", picurl: "https://example.com/p.png" }] } },
  { mpnews: { media_id: "MEDIA_mpnews" } },
  { mpnewsarticle: { article_id: "ARTICLE_ID_1" } },
  { msgmenu: { head_content: "请选择", list: [{ id: "1", content: "是" }], tail_content: "谢谢" } },
  { wxcard: { card_id: "pCARD_1" } },
  { miniprogrampage: { title: "小程序", appid: "wxmini000000000001", pagepath: "pages/index", thumb_media_id: "MEDIA_thumb" } },
];

/** Every operation once, successfully (the results are scanned). */
async function everyOperation(label, c) {
  await works(`${label} addKfAccount`, () => c.addKfAccount(KF, "小王"));
  await works(`${label} updateKfAccount`, () => c.updateKfAccount(KF, "小王 ✨"));
  await works(`${label} inviteWorker`, () => c.inviteWorker(KF, "wang_wx"));
  await works(`${label} uploadKfHeadImg`, () => c.uploadKfHeadImg(KF, JPEG));
  await works(`${label} getKfList`, () => c.getKfList());
  await works(`${label} getKfOnlineList`, () => c.getKfOnlineList());
  for (const m of MESSAGES) await works(`${label} sendMessage ${Object.keys(m)[0]}`, () => c.sendMessage(USER, m));
  await works(`${label} sendTyping`, () => c.sendTyping(USER, "Typing"));
  await works(`${label} sendTyping cancel`, () => c.sendTyping(USER, "CancelTyping"));
  await works(`${label} createKfSession`, () => c.createKfSession(KF, USER));
  await works(`${label} getKfSession`, () => c.getKfSession(USER));
  await works(`${label} getKfSessionList`, () => c.getKfSessionList(KF));
  await works(`${label} getWaitCaseList`, () => c.getWaitCaseList());
  await works(`${label} getMsgList`, () => c.getMsgList(1795449600, 1795449700, 1, 10));
  const walk = c.msgRecords({ from: 1795449600, to: 1795449700, pageSize: 10 });
  const records = [];
  for await (const r of walk) records.push(r);
  scanResult(`${label} msgRecords`, records);
  scanResult(`${label} msgRecords cursor`, walk.cursor);
  await works(`${label} closeKfSession`, () => c.closeKfSession(KF, USER));
  await works(`${label} delKfAccount`, () => c.delKfAccount(KF));
  scanObject(`${label} client`, c);
}

/** The validation error of every operation (nothing is sent for any of them). */
async function everyValidationError(label, c) {
  const v = (f) => (e) => e instanceof ValidationError && e.field === f;
  await fails(`${label} add bad kf`, () => c.addKfAccount("no-at-sign", "A"), v("kf_account"));
  await fails(`${label} add long nickname`, () => c.addKfAccount(KF, "x".repeat(17)), v("nickname"));
  await fails(`${label} update bad kf`, () => c.updateKfAccount("a b@c", "A"), v("kf_account"));
  await fails(`${label} del bad kf`, () => c.delKfAccount(""), v("kf_account"));
  await fails(`${label} invite empty`, () => c.inviteWorker(KF, ""), v("invite_wx"));
  await fails(`${label} upload empty`, () => c.uploadKfHeadImg(KF, new Uint8Array()), v("image"));
  await fails(`${label} send empty text`, () => c.sendMessage(USER, { text: { content: "" } }), v("text.content"));
  await fails(`${label} send unknown kind`, () => c.sendMessage(USER, { sticker: { id: 1 } }), v("message"));
  await fails(`${label} send bad kf`, () => c.sendMessage(USER, { text: { content: "x" }, kf_account: "nobody" }), v("kf_account"));
  await fails(`${label} typing bad`, () => c.sendTyping(USER, "Dancing"), v("command"));
  await fails(`${label} create empty openid`, () => c.createKfSession(KF, ""), v("openid"));
  await fails(`${label} close bad kf`, () => c.closeKfSession("x", USER), v("kf_account"));
  await fails(`${label} getsession empty`, () => c.getKfSession(""), v("openid"));
  await fails(`${label} sessionlist bad kf`, () => c.getKfSessionList("@"), v("kf_account"));
  await fails(`${label} msglist window`, () => c.getMsgList(1795449600, 1795536001, 1, 10), v("endtime"));
  await fails(`${label} msglist, a secret as starttime`, () => c.getMsgList(M.appSecret, 1795449700), v("starttime"));
  await fails(`${label} msgRecords reversed`, () => c.msgRecords({ from: 10, to: 5 }), (e) => e instanceof ValidationError);
  await fails(`${label} signal`, () => c.getKfList({ signal: "nope" }), v("signal"));
  await fails(`${label} getStableAccessToken, a secret as forceRefresh`, () => c.getStableAccessToken(M.appSecret), v("force_refresh"));
  await fails(`${label} avatar filename not a string`, () => c.uploadKfHeadImg(KF, JPEG, { filename: [M.appSecret] }), v("filename"));
}

// ---------------------------------------------------------------------------------------
// Push helpers: WeChat's safe-mode encryption, done here with node:crypto
// ---------------------------------------------------------------------------------------

const sha1 = (parts) => createHash("sha1").update([...parts].sort().join("")).digest("hex");
const aesKeyBytes = (key) => Buffer.from(`${key}=`, "base64");

function encrypt(xml, key, appId) {
  const k = aesKeyBytes(key);
  const x = Buffer.from(xml, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(x.length);
  const plain = Buffer.concat([randomBytes(16), len, x, Buffer.from(appId)]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv("aes-256-cbc", k, k.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
}

function decrypt(b64, key) {
  const k = aesKeyBytes(key);
  const d = createDecipheriv("aes-256-cbc", k, k.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(b64, "base64")), d.final()]);
  const len = plain.readUInt32BE(16);
  return { xml: plain.subarray(20, 20 + len).toString("utf8"), appId: plain.subarray(20 + len, plain.length - plain[plain.length - 1]).toString() };
}

const textXml = (content, msgId = "24518380298312345") =>
  `<xml><ToUserName><![CDATA[gh_secrets]]></ToUserName><FromUserName><![CDATA[oPushUser]]></FromUserName>` +
  `<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content>` +
  `<MsgId>${msgId}</MsgId></xml>`;

/** A safe-mode push of `xml`: its query and body, signed with the callback token. */
function safePush(xml, { now, nonce, encrypted = encrypt(xml, M.aesKey, APPID), token = M.callbackToken }) {
  const timestamp = String(now);
  return {
    query: {
      signature: sha1([token, timestamp, nonce]),
      timestamp,
      nonce,
      encrypt_type: "aes",
      msg_signature: sha1([token, timestamp, nonce, encrypted]),
    },
    body: `<xml><ToUserName><![CDATA[gh_secrets]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}

function plainPush(xml, { now, nonce, token = M.callbackToken }) {
  const timestamp = String(now);
  return { query: { signature: sha1([token, timestamp, nonce]), timestamp, nonce }, body: xml };
}

// ---------------------------------------------------------------------------------------
// The scan
// ---------------------------------------------------------------------------------------

test("the scanner finds a planted marker (so the real scan can fail)", () => {
  assert.deepEqual(leaks([["clean", "nothing here"]], [M.appSecret, ...FAMILIES]), []);
  const planted = new WxkfError({ kind: "internal", code: "INTERNAL", message: `oops ${M.fixedToken.slice(0, 14)}` });
  const before = texts.length;
  scanError("planted", planted);
  const mine = texts.splice(before);
  counts.errors -= 1;
  assert.ok(leaks(mine, FAMILIES).length >= 4, "a marker prefix in an error's message, String, stack and inspect is found");
});

test("no marker in any error, result, inspected object or console output", async () => {
  const consoleLines = [];
  const originals = {};
  for (const level of ["log", "info", "warn", "error", "debug", "trace", "dir"]) {
    originals[level] = console[level];
    console[level] = (...args) => consoleLines.push(`${level}: ${util.format(...args)}`);
  }
  const onWarning = (w) => consoleLines.push(`process warning: ${w?.stack ?? w}`);
  process.on("warning", onWarning);
  let emu;
  let hookServer;
  try {
    console.log("console capture canary");
    const wx = fakeWeChat();
    afterCall = () => wx.clearFaults();
    const base = { appId: APPID, fetch: wx.fetch, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

    // --- bad options: thrown at once, never echoing what was given ---
    for (const [label, options, field] of [
      ["two token sources", { appSecret: M.appSecret, accessToken: M.fixedToken }, "appSecret"],
      ["secret and provider", { appSecret: M.appSecret, tokenProvider: () => null }, "appSecret"],
      ["bad token kind", { appId: APPID, appSecret: M.appSecret, tokenKind: M.fixedToken }, "tokenKind"],
      ["bad baseUrl", { appId: APPID, appSecret: M.appSecret, baseUrl: `ftp://${M.appSecret}@x` }, "baseUrl"],
      ["secret not a string", { appId: APPID, appSecret: [M.appSecret] }, "appSecret"],
      ["token not a string", { accessToken: { value: M.fixedToken } }, "accessToken"],
      ["bad store", { appId: APPID, appSecret: M.appSecret, tokenStore: { get() {}, set() {} } }, "tokenStore.delete"],
      ["bad maxAttempts", { appId: APPID, appSecret: M.appSecret, maxAttempts: M.appSecret }, "maxAttempts"],
      ["unknown option holding a secret", { appId: APPID, appSecret: M.appSecret, secret: M.appSecret }, "secret"],
      ["empty secret", { appId: APPID, appSecret: "" }, "appSecret"],
    ]) {
      await fails(`options: ${label}`, () => new Client(options), (e) => e instanceof ValidationError && e.field === field);
    }

    // --- the AppSecret (stable token) client: every operation, every validation error ---
    const stable = new Client({ ...base, appSecret: M.appSecret });
    scanObject("stable client (fresh)", stable);
    await everyValidationError("stable", stable);
    assert.equal(wx.calls.length, 0, "validation errors send nothing");
    await everyOperation("stable", stable);
    const issued1 = await stable.accessToken();
    assert.ok(issued1.startsWith(M.issuedToken), "the client uses the token the fake issued");
    assert.ok(wx.calls.some((c) => c.path === "/cgi-bin/stable_token" && c.body.includes(M.appSecret)), "the secret went to the token endpoint");
    assert.ok(wx.calls.some((c) => c.url.includes(issued1)), "the issued token went out with the calls");

    // token refresh: 40001 and 42001 once → refreshed and retried
    for (const [errcode, msg] of [[40001, "invalid credential"], [42001, "access_token expired"], [40014, "invalid access_token"]]) {
      wx.fault("/cgi-bin/customservice/getkflist", () => err(errcode, msg));
      await works(`refresh after ${errcode}`, () => stable.getKfList());
    }
    // rejected again after the refresh: the error surfaces
    wx.fault("/cgi-bin/customservice/getkflist", () => err(42001, "access_token expired"), 2);
    await fails("42001 twice", () => stable.getKfList(), (e) => e instanceof ApiError && e.errcode === 42001);
    // API errors of each family
    for (const [path, errcode, msg, call] of [
      ["/cgi-bin/customservice/getkflist", 45009, "reach max api daily quota limit", () => stable.getKfList()],
      ["/customservice/kfaccount/add", 65406, "kf account exsited", () => stable.addKfAccount(KF, "A")],
      ["/cgi-bin/message/custom/send", 45015, "response out of time limit or subscription is canceled", () => stable.sendMessage(USER, MESSAGES[0])],
      ["/cgi-bin/message/custom/send", 45047, "out of response count limit", () => stable.sendMessage(USER, MESSAGES[1])],
      ["/customservice/kfsession/create", 40003, "invalid openid", () => stable.createKfSession(KF, USER)],
      ["/customservice/kfsession/create", 65415, "kf not online", () => stable.createKfSession(KF, USER)],
      ["/customservice/msgrecord/getmsglist", 65416, "invalid parameter", () => stable.getMsgList(1795449600, 1795449700, 1, 10)],
      ["/cgi-bin/customservice/getkflist", 61004, "access clientip is not registered", () => stable.getKfList()],
      ["/cgi-bin/customservice/getkflist", -1, "system error", () => stable.getKfList()],
    ]) {
      wx.fault(path, () => err(errcode, msg), 2);
      await fails(`api ${errcode}`, call, (e) => e instanceof ApiError && e.errcode === errcode);
      wx.clearFaults();
    }

    // HTTP 502 and bodies that echo the request URL (and so the token) back
    const echoHtml = (u, i, href) => new Response(`<html><body>502 Bad Gateway: ${href}</body></html>`, { status: 502 });
    wx.fault("*", echoHtml, 2);
    await fails("HTTP 502 echoing the URL", () => stable.getKfList(), (e) => e instanceof HttpError && e.status === 502 && e.body.includes("502 Bad Gateway"));
    wx.fault("*", (u, i, href) => new Response(`upstream said: ${href}`, { status: 200 }), 2);
    await fails("non-JSON 200 echoing the URL", () => stable.getKfOnlineList(), (e) => e instanceof DecodeError);
    wx.fault("*", () => json({ kf_list: { kf_account: 7 } }), 2);
    await fails("a JSON answer of the wrong shape", () => stable.getKfList(), (e) => e instanceof DecodeError);
    wx.fault("*", () => new Response("", { status: 503 }), 2);
    await fails("HTTP 503 empty", () => stable.getWaitCaseList(), (e) => e instanceof HttpError && e.status === 503);
    wx.fault("*", () => ({ not: "a Response" }), 2);
    await fails("fetch resolves to a non-Response", () => stable.getKfList(), (e) => e instanceof TransportError);
    // fetch rejecting the way Node's undici does: its messages carry the URL
    wx.fault("*", (u, i, href) => Promise.reject(new TypeError(`Failed to parse URL from ${href}`)), 2);
    await fails("fetch rejects with the URL in its message", () => stable.getKfList(), (e) => e instanceof TransportError);
    wx.fault("*", (u, i, href) => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ECONNREFUSED ${href}`), { code: "ECONNREFUSED" }) });
    }, 2);
    await fails("fetch fails: connection refused", () => stable.getKfList(), (e) => e instanceof TransportError && e.transportKind === "connect");
    wx.fault("*", (u, i, href) => Promise.reject(Object.assign(new Error(`socket hang up ${href}`), { code: "ECONNRESET" })), 2);
    await fails("fetch fails: reset", () => stable.getKfList(), (e) => e instanceof TransportError);
    wx.fault("*", (u, i, href) => Promise.reject(`a bare string rejection ${href}`), 2);
    await fails("fetch rejects with a string", () => stable.getKfList(), (e) => e instanceof TransportError);
    // the body read fails after the answer arrived
    wx.fault("*", (u, i, href) => {
      const stream = new ReadableStream({ pull(c) { c.error(new Error(`body broke at ${href}`)); } });
      return new Response(stream, { status: 200 });
    }, 2);
    await fails("the body read fails", () => stable.getKfList(), (e) => e instanceof TransportError);

    // aborts: before, during (fetch aborted too), and AbortSignal.timeout
    const pre = new AbortController();
    pre.abort(new Error(`aborted with ${M.appSecret}`));
    await fails("pre-aborted", () => stable.getKfList({ signal: pre.signal }), (e) => e.transportKind === "aborted");
    wx.fault("*", (u, init) => new Promise((resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal.reason))), 1);
    const ctl = new AbortController();
    const pending = stable.sendMessage(USER, MESSAGES[0], { signal: ctl.signal });
    setTimeout(() => ctl.abort(`reason ${M.fixedToken}`), 5);
    await fails("aborted in flight", () => pending, (e) => e.transportKind === "aborted");
    wx.fault("*", (u, init) => new Promise((resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal.reason))), 1);
    const keepAlive = setTimeout(() => {}, 10_000);
    await fails("AbortSignal.timeout", () => stable.getKfList({ signal: AbortSignal.timeout(20) }), (e) => e.transportKind === "timeout");
    clearTimeout(keepAlive);
    wx.clearFaults();

    // record walk failing mid-way
    wx.fault("/customservice/msgrecord/getmsglist", () => err(65417, "query period over the limit"), 2);
    const walk = stable.msgRecords({ from: 1795449600, to: 1795449700 });
    await fails("msgRecords page error", () => walk.next(), (e) => e instanceof ApiError);
    scanResult("msgRecords cursor after error", walk.cursor);

    // the token endpoints themselves: stable with force refresh, classic, and wrong secrets
    const direct = await stable.getStableAccessToken(true);
    assert.ok(direct.access_token.startsWith(M.issuedToken));
    const classicDirect = new Client({ ...base, appSecret: M.appSecret, tokenKind: "classic" });
    const directClassic = await classicDirect.getAccessToken();
    assert.ok(directClassic.access_token.startsWith(M.issuedToken));
    const wrongDirect = new Client({ ...base, appSecret: M.wrongSecret });
    await fails("getStableAccessToken wrong secret", () => wrongDirect.getStableAccessToken(), (e) => e.errcode === 40125);
    await fails("getAccessToken wrong secret", () => new Client({ ...base, appSecret: M.wrongSecret, tokenKind: "classic" }).getAccessToken(), (e) => e.errcode === 40125);
    wx.fault("/cgi-bin/token", (u, i, href) => Promise.reject(new TypeError(`Failed to parse URL from ${href}`)), 3);
    await fails("getAccessToken network failure", () => classicDirect.getAccessToken(), (e) => e instanceof TransportError);
    scanObject("stable client (used)", stable);

    // --- the classic token client (the secret is in the token URL's query) ---
    const classic = new Client({ ...base, appSecret: M.appSecret, tokenKind: "classic" });
    await works("classic getKfList", () => classic.getKfList());
    assert.ok(wx.calls.some((c) => c.path === "/cgi-bin/token" && c.url.includes(M.appSecret)), "the classic URL carries the secret");
    const classicDown = new Client({ ...base, appSecret: M.appSecret, tokenKind: "classic" });
    wx.fault("/cgi-bin/token", (u, i, href) => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${href}`), { code: "ENOTFOUND" }) });
    }, 3);
    await fails("classic token fetch fails (URL with the secret)", () => classicDown.getKfList(), (e) => e instanceof TransportError);
    wx.fault("/cgi-bin/token", (u, i, href) => new Response(`<h1>502</h1>${href}`, { status: 502 }), 3);
    await fails("classic token 502 echoing the URL", () => classicDown.getKfList(), (e) => e instanceof HttpError);
    wx.fault("/cgi-bin/token", (u, i, href) => new Response(href, { status: 200 }), 3);
    await fails("classic token non-JSON echoing the URL", () => classicDown.getKfList(), (e) => e instanceof DecodeError);
    wx.fault("/cgi-bin/token", () => json({ access_token: `${M.issuedToken}bad`, expires_in: "soon" }), 3);
    await fails("token response with a bad expiry", () => classicDown.getKfList(), (e) => e instanceof DecodeError && e.body.includes('"access_token":"***"'));
    wx.fault("/cgi-bin/token", () => json({ access_token: `${M.issuedToken}neg`, expires_in: -5 }), 3);
    await fails("token response with a negative expiry", () => classicDown.getKfList(), (e) => e instanceof DecodeError);
    const wrong = new Client({ ...base, appSecret: M.wrongSecret, tokenKind: "classic" });
    await fails("classic 40125", () => wrong.getKfList(), (e) => e instanceof ApiError && e.errcode === 40125);
    const wrongStable = new Client({ ...base, appSecret: M.wrongSecret });
    await fails("stable 40125", () => wrongStable.accessToken(), (e) => e instanceof ApiError && e.errcode === 40125);
    scanObject("wrong-secret client", wrong);
    // real Node fetch: a closed port and an unparsable URL, with the secret in the query
    const closed = new Client({ appId: APPID, appSecret: M.appSecret, tokenKind: "classic", baseUrl: "http://127.0.0.1:9", maxAttempts: 1 });
    await fails("real fetch: connection refused (classic)", () => closed.getKfList(), (e) => e instanceof TransportError);
    const unparsable = new Client({ appId: APPID, appSecret: M.appSecret, tokenKind: "classic", baseUrl: "http://[::1", maxAttempts: 1 });
    await fails("real fetch: unparsable URL (classic)", () => unparsable.getKfList(), (e) => e instanceof TransportError);
    const fixedDown = new Client({ accessToken: M.fixedToken, baseUrl: "http://127.0.0.1:9", maxAttempts: 1 });
    await fails("real fetch: connection refused (fixed token)", () => fixedDown.getKfList(), (e) => e instanceof TransportError);

    // --- a fixed token ---
    const fixed = new Client({ ...base, accessToken: M.fixedToken });
    scanObject("fixed client", fixed);
    const sentBefore = wx.calls.length;
    await everyValidationError("fixed", fixed);
    assert.equal(wx.calls.length, sentBefore, "validation errors send nothing");
    await everyOperation("fixed", fixed);
    wx.valid.delete(M.fixedToken);
    await fails("fixed token rejected (40001, not refreshed)", () => fixed.getKfList(), (e) => e instanceof ApiError && e.errcode === 40001);
    wx.valid.add(M.fixedToken);
    assert.equal(await fixed.accessToken(), M.fixedToken);

    // --- a token provider ---
    let provided = 0;
    const providerSeen = [];
    const provider = new Client({
      ...base,
      tokenProvider: (failed) => {
        providerSeen.push(failed);
        provided += 1;
        const token = `${M.providedToken}${provided}`;
        markers.add(token);
        wx.valid.add(token);
        return { accessToken: token, expiresAt: Date.now() + 3600_000 };
      },
    });
    scanObject("provider client", provider);
    await everyValidationError("provider", provider);
    await everyOperation("provider", provider);
    wx.fault("/cgi-bin/customservice/getkflist", () => err(40001, "invalid credential"));
    await works("provider refresh", () => provider.getKfList());
    assert.ok(providerSeen.at(-1)?.startsWith(M.providedToken), "the provider was told which token failed");
    for (const [label, tokenProvider, check] of [
      ["provider throws", () => { throw new Error("broker down"); }, (e) => e instanceof TransportError],
      ["provider rejects", async () => { throw new TypeError("broker 500"); }, (e) => e instanceof TransportError],
      ["provider: no token", () => ({ expiresAt: Date.now() + 1000 }), (e) => e.field === "tokenProvider().accessToken"],
      ["provider: bad expiry", () => ({ accessToken: `${M.providedToken}x`, expiresAt: "tomorrow" }), (e) => e.field === "tokenProvider().expiresAt"],
      ["provider: token not a string", () => ({ accessToken: [`${M.providedToken}y`], expiresAt: 1 }), (e) => e instanceof ValidationError],
    ]) {
      const c = new Client({ ...base, tokenProvider });
      await fails(label, () => c.getKfList(), check);
    }
    const expired = new Client({ ...base, tokenProvider: () => { wx.valid.delete(`${M.providedToken}old`); return { accessToken: `${M.providedToken}old`, expiresAt: Date.now() + 3600_000 }; } });
    await fails("provider token rejected twice", () => expired.getKfList(), (e) => e instanceof ApiError && e.errcode === 40001);

    // --- token stores of text values: the stored token, broken stores and what they return ---
    const kv = new Map();
    const store = {
      get: (k) => kv.get(k) ?? null,
      set: (k, v) => void kv.set(k, v),
      delete: (k) => void kv.delete(k),
    };
    const stored = new Client({ ...base, appSecret: M.appSecret, tokenStore: store });
    await works("store getKfList", () => stored.getKfList());
    assert.equal(kv.size, 1);
    assert.ok(!JSON.stringify([...kv.keys()]).includes("MARKER"), "the store key holds no secret");
    scanObject("store client", stored);
    const key = [...kv.keys()][0];
    wx.valid.add(M.storedToken);
    kv.set(key, JSON.stringify({ access_token: M.storedToken, expires_at_ms: Date.now() + 3600_000, obtained_at_ms: Date.now() }));
    const stored2 = new Client({ ...base, appSecret: M.appSecret, tokenStore: store });
    await works("store: the stored token is used", () => stored2.getKfList());
    assert.ok(wx.calls.at(-1).url.includes(M.storedToken), "a second client reads the token from the store");
    wx.valid.delete(M.storedToken);
    await works("store: stored token rejected → refreshed", () => stored2.getKfList());
    assert.ok(!JSON.parse(kv.get(key)).access_token.includes(M.storedToken), "the rejected token was replaced in the store");
    scanObject("store client 2", stored2);
    const storedObject = { access_token: M.storedToken, expires_at_ms: Date.now() + 3600_000, obtained_at_ms: 1 };
    for (const [label, get, set, check] of [
      ["store get throws", () => { throw new Error("kv down"); }, () => {}, (e) => e instanceof TransportError],
      // the store holds text now: an object (what the old contract returned) is refused
      ["store get returns an object", () => storedObject, () => {}, (e) => e instanceof ValidationError && e.field === "tokenStore.get"],
      ["store get returns a bad expiry", () => JSON.stringify({ ...storedObject, expires_at_ms: "tomorrow" }), () => {}, (e) => e instanceof ValidationError],
      ["store get returns the token in an array", () => JSON.stringify({ ...storedObject, access_token: [M.storedToken] }), () => {}, (e) => e instanceof ValidationError],
      ["store get returns broken JSON", () => `{"access_token":"${M.storedToken}"`, () => {}, (e) => e instanceof ValidationError],
      ["store get returns a number", () => 42, () => {}, (e) => e instanceof ValidationError],
      ["store set throws", () => null, () => { throw new Error("kv read-only"); }, (e) => e instanceof TransportError],
      ["store set rejects", () => null, async () => { throw new RangeError("quota"); }, (e) => e instanceof TransportError],
    ]) {
      const c = new Client({ ...base, appSecret: M.appSecret, tokenStore: { get, set, delete: () => {} } });
      await fails(label, () => c.getKfList(), check);
    }

    // --- the push side: good pushes and encrypted replies, refused pushes ---
    const now = Math.floor(Date.now() / 1000);
    const hook = new Webhook({ token: M.callbackToken, encodingAesKey: M.aesKey, appId: APPID });
    scanObject("webhook", hook);
    const good = safePush(textXml("你好，我要退货"), { now, nonce: "100001" });
    const opened = hook.open(good.query, good.body);
    assert.equal(opened.message.content, "你好，我要退货");
    assert.equal(opened.encrypted, true);
    scanResult("push opened", opened);
    for (const [i, reply] of [{ type: "text", content: "收到" }, { type: "transfer_customer_service", kf_account: KF }, { type: "success" }].entries()) {
      const body = hook.reply(opened, reply);
      scanResult(`push reply ${reply.type}`, body);
      if (reply.type === "success") continue;
      const enc = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(body)[1];
      const sig = /<MsgSignature><!\[CDATA\[([0-9a-f]+)\]\]><\/MsgSignature>/.exec(body)[1];
      const ts = /<TimeStamp>(\d+)<\/TimeStamp>/.exec(body)[1];
      const nonce = /<Nonce><!\[CDATA\[(\w+)\]\]><\/Nonce>/.exec(body)[1];
      assert.equal(sig, sha1([M.callbackToken, ts, nonce, enc]), `reply ${i} is signed with the callback token`);
      const plain = decrypt(enc, M.aesKey);
      assert.equal(plain.appId, APPID);
      assert.match(plain.xml, reply.type === "text" ? /收到/ : /transfer_customer_service/);
    }
    const plain = plainPush(textXml("plain hi", "1"), { now, nonce: "100002" });
    scanResult("plain push opened", hook.open(plain.query, plain.body));
    const plain2 = plainPush(textXml("again", "2"), { now, nonce: "100003" });
    scanResult("plain push reply", hook.reply(hook.open(plain2.query, plain2.body), { type: "text", content: "ok" }));
    const echostr = "echo_8812";
    scanResult("url check", hook.checkUrl({ signature: sha1([M.callbackToken, String(now), "5"]), timestamp: String(now), nonce: "5", echostr }));
    const cb = (kind) => (e) => e instanceof CallbackError && e.callbackKind === kind;
    const fresh = () => new Webhook({ token: M.callbackToken, encodingAesKey: M.aesKey, appId: APPID });
    const pushFails = (label, q, body, check, h = fresh()) => fails(label, () => h.open(q, body), check);
    await pushFails("push: bad msg_signature", { ...good.query, msg_signature: "0".repeat(40) }, good.body, cb("signature"));
    await pushFails("push: bad plain signature", { ...plain.query, signature: "f".repeat(40) }, plain.body, cb("signature"));
    const badB64 = "!!!not base64!!!";
    const b64 = safePush("x", { now, nonce: "100004", encrypted: badB64 });
    await pushFails("push: bad base64", b64.query, b64.body, cb("crypto"));
    const trunc = encrypt(textXml("hi"), M.aesKey, APPID).slice(0, 40);
    const t1 = safePush("x", { now, nonce: "100005", encrypted: trunc });
    await pushFails("push: truncated ciphertext", t1.query, t1.body, cb("crypto"));
    const t2 = safePush(textXml("cut").slice(0, 60), { now, nonce: "100006" });
    await pushFails("push: truncated XML inside", t2.query, t2.body, cb("xml"));
    const t3 = plainPush(textXml("cut").slice(0, 70), { now, nonce: "100007" });
    await pushFails("push: truncated plain XML", t3.query, t3.body, cb("xml"));
    const envelopeCut = safePush(textXml("x"), { now, nonce: "100008" });
    await pushFails("push: truncated envelope", envelopeCut.query, envelopeCut.body.slice(0, 50), (e) => e instanceof CallbackError);
    const otherApp = safePush(textXml("x"), { now, nonce: "100009", encrypted: encrypt(textXml("x"), M.aesKey, "wxsomeoneelse0001") });
    await pushFails("push: wrong appid", otherApp.query, otherApp.body, cb("appid"));
    const wrongKey = `${"B".repeat(42)}A`;
    const otherKey = safePush(textXml("x"), { now, nonce: "100010", encrypted: encrypt(textXml("x"), wrongKey, APPID) });
    await pushFails("push: encrypted with another key", otherKey.query, otherKey.body, (e) => e instanceof CallbackError);
    const stale = safePush(textXml("x"), { now: now - 3600, nonce: "100011" });
    await pushFails("push: stale timestamp", stale.query, stale.body, cb("timestamp"));
    const replayHook = fresh();
    const once = safePush(textXml("x"), { now, nonce: "100012" });
    replayHook.open(once.query, once.body);
    await pushFails("push: replay", once.query, once.body, cb("replay"), replayHook);
    const huge = plainPush(`<xml>${"A".repeat(1_100_000)}</xml>`, { now, nonce: "100013" });
    await pushFails("push: too large", huge.query, huge.body, cb("too_large"));
    const noKey = new Webhook({ token: M.callbackToken, appId: APPID });
    await pushFails("push: safe mode without a key", good.query, good.body, (e) => e instanceof ValidationError, noKey);
    await fails("url check: bad signature", () => hook.checkUrl({ signature: "0".repeat(40), timestamp: String(now), nonce: "6", echostr }), cb("signature"));
    await fails("reply: bad random", () => hook.reply(opened, { type: "text", content: "x" }, { random: M.aesKey }), (e) => e.field === "random");
    await fails("reply: bad nonce", () => hook.reply(opened, { type: "text", content: "x" }, { nonce: `${M.callbackToken}!` }), (e) => e.field === "nonce");
    await fails("reply: empty text", () => hook.reply(opened, { type: "text", content: "" }), (e) => e instanceof ValidationError);
    await fails("reply: encrypted reply without a key", () => noKey.reply(opened, { type: "text", content: "x" }), (e) => e.field === "encoding_aes_key");
    for (const [label, options] of [
      ["webhook: key too long", { token: M.callbackToken, encodingAesKey: `${M.aesKey}x`, appId: APPID }],
      ["webhook: key with a bad character", { token: M.callbackToken, encodingAesKey: `${M.aesKey.slice(0, 42)}!`, appId: APPID }],
      ["webhook: key without appId", { token: M.callbackToken, encodingAesKey: M.aesKey }],
      ["webhook: empty token", { token: "", encodingAesKey: M.aesKey, appId: APPID }],
      ["webhook: key not a string", { token: M.callbackToken, encodingAesKey: [M.aesKey], appId: APPID }],
    ]) {
      await fails(label, () => new Webhook(options), (e) => e instanceof ValidationError);
    }
    // handle(): a good push with an encrypted reply, then its replay refused (403)
    const viaHandle = safePush(textXml("via handle 2"), { now, nonce: "100015" });
    const r1 = await hook.handle(new Request(`https://hook.example/wx?${new URLSearchParams(viaHandle.query)}`, { method: "POST", body: viaHandle.body }), () => ({ type: "text", content: "handled" }));
    assert.equal(r1.status, 200);
    const r1body = await r1.text();
    scanResult("handle reply", r1body);
    assert.match(decrypt(/<Encrypt><!\[CDATA\[([^\]]+)\]\]>/.exec(r1body)[1], M.aesKey).xml, /handled/);
    const r2 = await hook.handle(new Request(`https://hook.example/wx?${new URLSearchParams(viaHandle.query)}`, { method: "POST", body: viaHandle.body }), () => undefined);
    assert.equal(r2.status, 403, "a replay is refused");
    scanResult("handle 403", await r2.text());
    scanObject("webhook (used)", hook);

    // --- the emulator: a real server issuing its own tokens, faults, and pushes to a webhook ---
    const pushHook = new Webhook({ token: M.callbackToken, encodingAesKey: M.aesKey, appId: EMU_APPID });
    const pushes = [];
    hookServer = createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
      const response = await pushHook.handle(request, (message, push) => {
        pushes.push(push);
        return message.type === "text" ? { type: "text", content: "emulator reply" } : undefined;
      });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise((r) => hookServer.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${hookServer.address().port}/wechat`;
    emu = await startEmulator(["--aes-key", M.aesKey, "--callback-token", M.callbackToken, "--webhook-url", hookUrl]);
    const admin = async (path, body) => {
      const r = await fetch(`${emu.baseUrl}/__admin/${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.equal(r.status, 200, `admin ${path}`);
      return r.json();
    };
    const live = new Client({ appId: EMU_APPID, appSecret: EMU_SECRET, baseUrl: emu.baseUrl, maxAttempts: 2, baseDelayMs: 1 });
    const issuedLive = async () => {
      const t = await live.accessToken();
      markers.add(t);
      return t;
    };
    await works("emu add", () => live.addKfAccount("carol@gh_emulator", "Carol"));
    const tokenA = await issuedLive();
    const sent = await admin("user/message", { openid: "oSecretUser01", content: "我要找人工客服" });
    assert.equal(sent.push?.delivered, true, JSON.stringify(sent));
    assert.equal(sent.push?.status, 200, JSON.stringify(sent));
    assert.ok(pushes.length >= 1 && pushes[0].encrypted, "the emulator's push arrived encrypted");
    scanResult("emu push", pushes);
    await works("emu update", () => live.updateKfAccount("carol@gh_emulator", "Carol 2"));
    await works("emu invite", () => live.inviteWorker("carol@gh_emulator", "carol_wx"));
    // Carol accepts and logs in: only a bound kf goes online and takes sessions.
    await admin("kf/invitation", { kf_account: "carol@gh_emulator", accept: true });
    await admin("kf/online", { kf_account: "carol@gh_emulator" });
    await works("emu avatar", () => live.uploadKfHeadImg("carol@gh_emulator", JPEG));
    await works("emu list", () => live.getKfList());
    await works("emu online", () => live.getKfOnlineList());
    await works("emu wait", () => live.getWaitCaseList());
    await works("emu create", () => live.createKfSession("carol@gh_emulator", "oSecretUser01"));
    await works("emu session", () => live.getKfSession("oSecretUser01"));
    await works("emu session list", () => live.getKfSessionList("carol@gh_emulator"));
    for (const m of MESSAGES.slice(1, 4)) await works(`emu send ${Object.keys(m)[0]}`, () => live.sendMessage("oSecretUser01", m));
    await works("emu typing", () => live.sendTyping("oSecretUser01", "Typing"));
    const clock = (await admin("clock")).now;
    await works("emu msglist", () => live.getMsgList(clock - 60, clock + 60, 1, 100));
    await fails("emu 65406", () => live.addKfAccount("carol@gh_emulator", "again"), (e) => e.errcode === 65406);
    await fails("emu 40003", () => live.createKfSession("carol@gh_emulator", "oNeverSeen"), (e) => e instanceof ApiError);
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "invalidate_token" });
    await works("emu refreshed", () => live.getKfList());
    const tokenB = await issuedLive();
    assert.notEqual(tokenA, tokenB, "the token was refreshed");
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "http_status", status: 502, count: 2 });
    await fails("emu 502", () => live.getKfList(), (e) => e instanceof HttpError && e.status === 502);
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "quota", count: 1 });
    await fails("emu 45009", () => live.getKfList(), (e) => e.errcode === 45009);
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "busy", count: 2 });
    await fails("emu -1", () => live.getKfList(), (e) => e.errcode === -1);
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "reset_before", count: 2 });
    await fails("emu reset before", () => live.getKfList(), (e) => e instanceof TransportError);
    await admin("faults", { path: "/cgi-bin/message/custom/send", kind: "reset_after", count: 1 });
    await fails("emu reset after", () => live.sendMessage("oSecretUser01", MESSAGES[1]), (e) => e instanceof WxkfError);
    await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "latency_ms", ms: 3000, count: 1 });
    const slow = new AbortController();
    const slowCall = live.getKfList({ signal: slow.signal });
    setTimeout(() => slow.abort(), 30);
    await fails("emu aborted", () => slowCall, (e) => e.transportKind === "aborted");
    await fetch(`${emu.baseUrl}/__admin/faults`, { method: "DELETE" });
    const liveClassic = new Client({ appId: EMU_APPID, appSecret: EMU_SECRET, baseUrl: emu.baseUrl, tokenKind: "classic" });
    await works("emu classic", () => liveClassic.getKfList());
    markers.add(await liveClassic.accessToken());
    await fails("emu classic wrong secret", () => new Client({ appId: EMU_APPID, appSecret: M.wrongSecret, baseUrl: emu.baseUrl, tokenKind: "classic" }).getKfList(), (e) => e.errcode === 40125);
    await fails("emu stable wrong secret", () => new Client({ appId: EMU_APPID, appSecret: M.wrongSecret, baseUrl: emu.baseUrl }).getStableAccessToken(), (e) => e.errcode === 40125);
    const forced = await live.getStableAccessToken(true);
    markers.add(forced.access_token);
    await works("emu after force refresh", () => live.getKfList());
    markers.add(await issuedLive());
    await works("emu del", () => live.delKfAccount("carol@gh_emulator"));
    scanObject("emu client", live);
    scanObject("emu push webhook", pushHook);
  } finally {
    for (const [level, f] of Object.entries(originals)) console[level] = f;
    process.off("warning", onWarning);
    if (emu) await emu.stop();
    if (hookServer) await new Promise((r) => hookServer.close(r));
  }

  assert.ok(consoleLines.some((l) => l.includes("console capture canary")), "the console capture works");
  for (const line of consoleLines) addText("console", line);
  const bytes = texts.reduce((n, [, t]) => n + t.length, 0);
  const needles = [...markers, ...FAMILIES];
  const found = leaks(texts, needles);
  assert.deepEqual(found, [], `${found.length} leaks`);
  // the scan covered something real: many errors of every kind, and every marker was live
  assert.ok(counts.errors >= 140, `only ${counts.errors} errors scanned`);
  assert.ok(counts.results >= 80, `only ${counts.results} results scanned`);
  assert.ok(bytes > 200_000, `only ${bytes} bytes scanned`);
  assert.ok(markers.size >= 15, `only ${markers.size} markers`);
  console.log(
    `secrets scan: ${markers.size} markers (+${FAMILIES.length} prefixes) absent from ${counts.errors} errors, ` +
      `${counts.results} results, ${counts.objects} objects and the console (${consoleLines.length - 1} lines besides the capture's canary): ` +
      `${texts.length} texts, ${bytes} bytes scanned`,
  );
});
