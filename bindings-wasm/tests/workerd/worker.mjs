// The end-to-end scenario and the conformance scenario (its JSON in the request body) inside
// workerd, run by miniflare from e2e.test.mjs. The package entry is the one its "exports" map
// names for the "workerd" condition.
import * as wxkf from "../node_modules/wxkf/workerd.js";
import { OPERATIONS } from "../node_modules/wxkf/lib/generated.js";
import { scenario } from "../scenario.mjs";
import { conformance } from "../conformance.mjs";

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    try {
      const checks = await scenario(wxkf, { baseUrl: q.get("base"), appId: q.get("appid"), appSecret: q.get("secret"), runtime: "workerd" });
      const doc = await request.json();
      const steps = await conformance(wxkf, OPERATIONS, doc, { baseUrl: q.get("conformance"), runtime: "workerd" });
      return Response.json({ checks, conformance: steps });
    } catch (e) {
      return Response.json({ error: `${e.name}: ${e.message}`, stack: String(e.stack) }, { status: 500 });
    }
  },
};
