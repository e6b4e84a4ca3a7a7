// Node export rows: every record of [FROM, TO) in this fresh process, with its peak RSS, by
// CONTENDER: "wxkf" (msgRecords on the default node:http transport), "wxkf (fetch)" (on
// `fetch`), or "raw node:http" (a hand-written getmsglist loop with JSON.parse per page: the
// floor any Node client starts from). Usage: node export.mjs URL FROM TO [CONTENDER]
import http from "node:http";
import { performance } from "node:perf_hooks";
const { Client } = await import("../pkg/node.js");
const [url, from, to, contender = "wxkf"] = process.argv.slice(2);
const client = new Client({ appId: "wxemulator0000001", appSecret: "emulator_secret", baseUrl: url,
  ...(contender === "wxkf (fetch)" ? { fetch: globalThis.fetch } : {}) });
const agent = new http.Agent({ keepAlive: true });
const post = (path, body) => new Promise((ok, fail) => {
  const req = http.request(url + path, { method: "POST", agent, headers: { "content-length": Buffer.byteLength(body) } }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c)).on("end", () => ok(Buffer.concat(chunks).toString())).on("error", fail);
  });
  req.on("error", fail).end(body);
});

async function* raw(token) {
  // China-time days, paged by msgid, like the API asks (and core's walk does)
  for (let day = Number(from); day < Number(to); day += 86400) {
    for (let msgid = 1; ;) {
      const q = { starttime: day, endtime: Math.min(day + 86400, Number(to)), msgid, number: 10000 };
      const page = JSON.parse(await post(`/customservice/msgrecord/getmsglist?access_token=${token}`, JSON.stringify(q)));
      if (page.errcode) throw new Error(`errcode ${page.errcode}`);
      yield* page.recordlist;
      if (page.number < 10000) break;
      msgid = page.msgid;
    }
  }
}

const token = contender === "raw node:http" ? await client.accessToken() : null;
const t = performance.now();
let records = 0;
for await (const _ of token ? raw(token) : client.msgRecords({ from: Number(from), to: Number(to) })) records++;
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ runtime: "node", contender, workload: "export", records, seconds,
  records_per_sec: records / seconds, peak_rss_mib: process.resourceUsage().maxRSS / 1024 }));
