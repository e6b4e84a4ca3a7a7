// A WeChat push webhook on node:http: verifies the URL check, opens (verifies + decrypts)
// each push, and hands every user message to customer service — to one named kf when
// WXKF_TRANSFER_KF is set. Run: WXKF_TOKEN=... WXKF_AES_KEY=... WXKF_APPID=... node webhook.mjs
import { createServer } from "node:http";
import { Webhook, isWxkfError } from "wxkf";

const hook = new Webhook({
  token: process.env.WXKF_TOKEN ?? "emulator_token",
  encodingAesKey: process.env.WXKF_AES_KEY || undefined,
  appId: process.env.WXKF_APPID ?? "wxemulator0000001",
});
const transferTo = process.env.WXKF_TRANSFER_KF || null;
const USER_MESSAGES = new Set(["text", "image", "voice", "video", "shortvideo", "location", "link"]);

/** What to answer a push with. */
function answer(message) {
  if (USER_MESSAGES.has(message.type)) return { type: "transfer_customer_service", kf_account: transferTo };
  if (message.type.startsWith("kf_")) console.log(`session event ${message.type} for ${message.from_user_name}`);
  return { type: "success" };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  try {
    if (req.method === "GET") {
      const echostr = hook.checkUrl(url.searchParams); // throws before anything is written
      res.writeHead(200, { "content-type": "text/plain" }).end(echostr);
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > 1 << 20) throw Object.assign(new Error("too large"), { status: 413 });
      chunks.push(chunk);
    }
    const push = hook.open(url.searchParams, new Uint8Array(Buffer.concat(chunks)));
    const body = hook.reply(push, answer(push.message));
    res.writeHead(200, { "content-type": "application/xml" }).end(body);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
    } else if (isWxkfError(e) && e.kind === "callback") {
      console.error(`refused a push: ${e.callbackKind}`);
      res.writeHead(403).end("forbidden");
    } else {
      console.error(`webhook error: ${e.message}`);
      res.writeHead(e.status ?? 500).end();
    }
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
