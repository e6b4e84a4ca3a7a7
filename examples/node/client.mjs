// The kf API from Node: list kf accounts and the wait queue, send a message.
// Run against the emulator: WXKF_BASE_URL=http://127.0.0.1:PORT node client.mjs
import { Client, isWxkfError } from "wxkf";

const client = new Client({
  appId: process.env.WXKF_APPID ?? "wxemulator0000001",
  appSecret: process.env.WXKF_SECRET ?? "emulator_secret",
  baseUrl: process.env.WXKF_BASE_URL,
});

try {
  await client.addKfAccount("alice@gh_emulator", "Alice");
  console.log("kf accounts:", (await client.getKfList()).map((k) => k.kf_account).join(", "));
  console.log("waiting users:", (await client.getWaitCaseList()).count);
  await client.sendMessage("oSomeUser", { text: { content: "您好" } });
} catch (e) {
  if (!isWxkfError(e)) throw e;
  console.log(`${e.name} ${e.code}${e.errcode ? ` (${e.errcode})` : ""}: ${e.message}`);
}
