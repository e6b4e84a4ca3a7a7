// A WeChat push webhook on Deno.serve: URL check, verify + decrypt each push, hand user
// messages to customer service (to WXKF_TRANSFER_KF when set).
// Run: WXKF_TOKEN=.. WXKF_AES_KEY=.. WXKF_APPID=.. deno run --allow-net --allow-read --allow-env webhook.ts
import { Webhook } from "wxkf";
import type { PushMessage, Reply } from "wxkf";

const hook = new Webhook({
  token: Deno.env.get("WXKF_TOKEN") ?? "emulator_token",
  encodingAesKey: Deno.env.get("WXKF_AES_KEY") || undefined,
  appId: Deno.env.get("WXKF_APPID") ?? "wxemulator0000001",
});
const transferTo = Deno.env.get("WXKF_TRANSFER_KF") || null;

function answer(message: PushMessage): Reply | undefined {
  if (message.type.startsWith("kf_")) console.log(`session event ${message.type} for ${message.from_user_name}`);
  const userMessage = ["text", "image", "voice", "video", "shortvideo", "location", "link"].includes(message.type);
  return userMessage ? { type: "transfer_customer_service", kf_account: transferTo } : undefined;
}

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 0),
    onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
  },
  (request) => hook.handle(request, answer),
);
