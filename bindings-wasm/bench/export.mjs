// Node export row: every record of [FROM, TO) through wxkf's msgRecords in this fresh process,
// with its peak RSS. Usage: node export.mjs URL FROM TO
import { performance } from "node:perf_hooks";
const { Client } = await import("../pkg/node.js");
const [url, from, to] = process.argv.slice(2);
const client = new Client({ appId: "wxemulator0000001", appSecret: "emulator_secret", baseUrl: url });
const t = performance.now();
let records = 0;
for await (const _ of client.msgRecords({ from: Number(from), to: Number(to) })) records++;
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ runtime: "node", contender: "wxkf", workload: "export", records, seconds,
  records_per_sec: records / seconds, peak_rss_mib: process.resourceUsage().maxRSS / 1024 }));
