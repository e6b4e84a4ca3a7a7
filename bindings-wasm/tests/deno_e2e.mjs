// The end-to-end scenario and the conformance scenario in Deno:
// `deno run --allow-net --allow-read --allow-env deno_e2e.mjs BASE_URL APPID SECRET CONFORMANCE_BASE_URL`.
// `wxkf` resolves through package.json "exports" with Deno's "deno" condition.
import * as wxkf from "wxkf";
import { OPERATIONS } from "../pkg/lib/generated.js";
import { scenario } from "./scenario.mjs";
import { conformance } from "./conformance.mjs";

const [baseUrl, appId, appSecret, conformanceUrl] = Deno.args;
const checks = await scenario(wxkf, { baseUrl, appId, appSecret, runtime: "deno" });
console.log(`deno: ${checks} checks passed`);
const doc = JSON.parse(await Deno.readTextFile(new URL("../../tests/conformance/scenario.json", import.meta.url)));
const steps = await conformance(wxkf, OPERATIONS, doc, { baseUrl: conformanceUrl, runtime: "deno" });
console.log(`deno: conformance, ${steps} checks passed`);
