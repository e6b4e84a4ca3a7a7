// A Cloudflare Worker: the WeChat push webhook (verify, decrypt, transfer user messages to
// customer service) plus a kf API call whose token comes from a broker, so the worker never
// holds the AppSecret. Settings are Worker variables/secrets (see wrangler.toml).
import { Client, Webhook } from "wxkf";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/wait-queue") {
      // e.g. a dashboard: the token comes from TOKEN_BROKER_URL ({ accessToken, expiresAt })
      const client = new Client({
        baseUrl: env.WXKF_BASE_URL || undefined,
        tokenProvider: async () => (await fetch(env.TOKEN_BROKER_URL)).json(),
      });
      return Response.json(await client.getWaitCaseList());
    }
    const hook = new Webhook({ token: env.WXKF_TOKEN, encodingAesKey: env.WXKF_AES_KEY || undefined, appId: env.WXKF_APPID, replayCapacity: 0 });
    return hook.handle(request, (message) => {
      if (message.type.startsWith("kf_")) console.log(`session event ${message.type} for ${message.from_user_name}`);
      const userMessage = ["text", "image", "voice", "video", "shortvideo", "location", "link"].includes(message.type);
      return userMessage ? { type: "transfer_customer_service", kf_account: env.WXKF_TRANSFER_KF || null } : undefined;
    });
  },
};
