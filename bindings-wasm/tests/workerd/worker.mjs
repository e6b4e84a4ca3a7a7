// The end-to-end scenario inside workerd (run by miniflare from e2e.test.mjs). The package
// entry is the one its "exports" map names for the "workerd" condition.
import * as wxkf from "../node_modules/wxkf/workerd.js";
import { scenario } from "../scenario.mjs";

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    try {
      const checks = await scenario(wxkf, { baseUrl: q.get("base"), appId: q.get("appid"), appSecret: q.get("secret"), runtime: "workerd" });
      return Response.json({ checks });
    } catch (e) {
      return Response.json({ error: `${e.name}: ${e.message}`, stack: String(e.stack) }, { status: 500 });
    }
  },
};
