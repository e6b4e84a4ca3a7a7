// A Cloudflare Worker: the WeChat push webhook (verify, decrypt, transfer user messages to
// customer service), a bot answering by kf message inside WeChat's 5 seconds (`/bot`), and a
// kf API call; tokens come from a broker, so the worker never holds the AppSecret. Settings
// are Worker variables/secrets and a KV namespace (see wrangler.toml).
import { Client, Webhook } from "wxkf";

/** Workers KV as the guards' store (budgets and accepted pushes, shared by every isolate); KV keeps a value 60 s at least. */
const kvStore = (kv) => ({
  get: (key) => kv.get(key),
  set: (key, value, ttlMs) => kv.put(key, value, { expirationTtl: Math.max(60, Math.ceil(ttlMs / 1000)) }),
  delete: (key) => kv.delete(key),
});

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    // A client whose token comes from TOKEN_BROKER_URL ({ accessToken, expiresAt }): no AppSecret at the edge.
    const client = () =>
      new Client({
        baseUrl: env.WXKF_BASE_URL || undefined,
        tokenProvider: async () => (await fetch(env.TOKEN_BROKER_URL)).json(),
        budgetMode: "enforce", // a send the user's reply budget does not allow is refused before the network
        guardStore: env.WXKF_GUARDS ? kvStore(env.WXKF_GUARDS) : undefined,
      });
    if (url.pathname === "/wait-queue") return Response.json(await client().getWaitCaseList()); // e.g. a dashboard
    const hook = new Webhook({ token: env.WXKF_TOKEN, encodingAesKey: env.WXKF_AES_KEY || undefined, appId: env.WXKF_APPID, replayCapacity: 0 });
    if (url.pathname === "/bot") {
      // WeChat's 5-second rule: `success` at once, the answer sent by kf message from ctx.waitUntil
      // (with "typing…" shown meanwhile); WeChat's retries of a push are answered, not handled again.
      const kf = client();
      return hook.dispatch(request, kf, async (push) => {
        const m = push.message;
        if (m.type === "text") await kf.sendMessage(m.from_user_name, { text: { content: `you said: ${m.content}` } });
      }, { waitUntil: (work) => ctx.waitUntil(work) });
    }
    return hook.handle(request, (message) => {
      if (message.type.startsWith("kf_")) console.log(`session event ${message.type} for ${message.from_user_name}`);
      const userMessage = ["text", "image", "voice", "video", "shortvideo", "location", "link"].includes(message.type);
      return userMessage ? { type: "transfer_customer_service", kf_account: env.WXKF_TRANSFER_KF || null } : undefined;
    });
  },
};
