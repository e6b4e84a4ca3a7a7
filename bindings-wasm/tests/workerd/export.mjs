// A records export inside workerd (miniflare, from e2e.test.mjs): every record of [from, to)
// through the package's record iterator, counted; the body says how many and how many pages.
import { Client } from "../node_modules/wxkf/workerd.js";

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    try {
      const client = new Client({ appId: q.get("appid"), appSecret: q.get("secret"), baseUrl: q.get("base") });
      const walk = client.msgRecords({ from: Number(q.get("from")), to: Number(q.get("to")) });
      let records = 0;
      let last = 0;
      for await (const r of walk) {
        if (r.time < last) throw new Error(`record ${records} out of order`);
        [last, records] = [r.time, records + 1];
      }
      return Response.json({ records, pages: walk.pagesFetched });
    } catch (e) {
      return Response.json({ error: `${e.name}: ${e.message}` }, { status: 500 });
    }
  },
};
