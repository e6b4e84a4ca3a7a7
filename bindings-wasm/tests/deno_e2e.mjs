// The end-to-end scenario in Deno: `deno run --allow-net --allow-read --allow-env deno_e2e.mjs BASE_URL APPID SECRET`.
// `wxkf` resolves through package.json "exports" with Deno's "deno" condition.
import * as wxkf from "wxkf";
import { scenario } from "./scenario.mjs";

const [baseUrl, appId, appSecret] = Deno.args;
const checks = await scenario(wxkf, { baseUrl, appId, appSecret, runtime: "deno" });
console.log(`deno: ${checks} checks passed`);
